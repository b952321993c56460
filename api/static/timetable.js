/* "Lịch phát sóng": the week (Monday to Sunday) or the month, with what aired and what will;
   adjust one airing (skip, move, replace), the slots, and a form to add a slot. */
"use strict";

(() => {
  const { api, el, clear, run, showNotice } = Loa;
  const ADJUSTABLE = ["planned", "rendered"];
  const params = new URLSearchParams(window.location.search);
  let view = params.get("view") === "month" ? "month" : "week";
  let start = monday(params.get("from") || Loa.localDate(new Date()));
  let month = (params.get("from") || Loa.localDate(new Date())).slice(0, 7);
  let programs = [];
  let slots = [];
  let replaceTarget = null; // {slot_id, original_start, title} offered after a same-time refusal
  let clusterList = []; // the speaker clusters, when the station has some besides its own
  let clusterChoice = null; // the form's "Cụm loa phát" picker

  function monday(isoDate) {
    const index = Loa.WEEKDAYS.indexOf(Loa.weekdayOf(isoDate));
    return Loa.addDays(isoDate, -index);
  }

  const programTitle = (id) => {
    const p = programs.find((x) => x.id === id);
    return p ? p.title : "chương trình đã bị xóa";
  };

  function slotWhen(slot) {
    const time = (slot.time || "").slice(0, 5);
    if (slot.date) return `${time} ngày ${Loa.dayInput(slot.date)}`;
    const days = Array.isArray(slot.days) ? slot.days : Loa.WEEKDAYS;
    if (days.length === 7) return `${time} hằng ngày`;
    return `${time} ${days.map((d) => Loa.WEEKDAY_LABELS[d] || d).join(", ")}`;
  }

  async function reloadAll(message) {
    if (message) showNotice(message);
    await Promise.all([loadView(), loadSlots()]);
  }

  function moveForm(entry, container) {
    const local = Loa.isoToLocalInput(entry.start);
    const dateInput = el("input", { type: "text", value: Loa.dayInput(local.slice(0, 10)), class: "move-date date-text", inputmode: "numeric", "aria-label": "Ngày mới (ngày/tháng/năm)" });
    const timeInput = el("input", { type: "text", value: local.slice(11, 16), class: "move-time time-text", inputmode: "numeric", "aria-label": "Giờ mới (24 giờ)" });
    const save = el("button", { type: "button", class: "primary small" }, "Lưu giờ mới");
    const cancel = el("button", { type: "button", class: "small" }, "Hủy");
    const form = el("div", { class: "move-form" },
      el("label", {}, "Ngày", dateInput), el("label", {}, "Giờ", timeInput), save, cancel);
    Loa.timePicker(timeInput);
    cancel.addEventListener("click", () => form.remove());
    save.addEventListener("click", () => run(save, async () => {
      const day = Loa.parseDay(dateInput.value);
      const time = Loa.parseClock(timeInput.value);
      if (!day) throw new Error("Ngày mới phải có dạng ngày/tháng/năm, ví dụ 05/12/2026.");
      if (!time) throw new Error("Giờ mới phải có dạng giờ:phút theo 24 giờ, ví dụ 18:30.");
      const newStart = Loa.localInputToIso(`${day}T${time}`);
      await api("POST", `/api/slots/${encodeURIComponent(entry.slot_id)}/move`, {
        original_start: entry.original_start,
        new_start: newStart,
      });
      await reloadAll(`Đã dời “${entry.program_title}” sang ${Loa.timeText(newStart)} ngày ${Loa.dateText(newStart)}.`);
    }));
    container.append(form);
    dateInput.focus();
  }

  function replaceForm(entry, container) {
    const select = el("select", { class: "replace-program", "aria-label": "Chương trình phát thay" },
      el("option", { value: "" }, "— Chọn chương trình phát thay —"),
      programs.filter((p) => p.id !== entry.program_id).map((p) => el("option", { value: p.id }, p.title)));
    const save = el("button", { type: "button", class: "primary small" }, "Phát chương trình này thay");
    const cancel = el("button", { type: "button", class: "small" }, "Hủy");
    const form = el("div", { class: "move-form" }, select, save, cancel);
    cancel.addEventListener("click", () => form.remove());
    save.addEventListener("click", () => run(save, async () => {
      if (!select.value) throw new Error("Vui lòng chọn chương trình phát thay.");
      await replace(entry.slot_id, entry.original_start, select.value, entry.program_title, entry.start);
    }));
    container.append(form);
  }

  async function replace(slotId, originalStart, programId, oldTitle, at) {
    await api("POST", `/api/slots/${encodeURIComponent(slotId)}/replace`, {
      original_start: originalStart, program_id: programId,
    });
    replaceTarget = null;
    document.getElementById("slot-replace").classList.add("hidden");
    hideFormError();
    await reloadAll(`Lúc ${Loa.timeText(at)} ngày ${Loa.dateText(at)} sẽ phát “${programTitle(programId)}” thay cho “${oldTitle}”.`);
  }

  function occurrenceActions(entry) {
    if (!Loa.can.edit() || !entry.slot_id) return null;
    const future = new Date(entry.start).getTime() > Date.now();
    const buttons = [];
    const slotPath = `/api/slots/${encodeURIComponent(entry.slot_id)}`;
    const wrapper = el("div", {});
    if (future && ADJUSTABLE.includes(entry.status)) {
      const skip = el("button", { type: "button", class: "small", "data-action": "skip" }, "Bỏ qua lần này");
      skip.addEventListener("click", async () => {
        const ok = await Loa.confirmBox({ title: "Bỏ qua buổi phát này?", body: [`“${entry.program_title}” lúc ${Loa.dateTimeText(entry.start)} sẽ không phát.`], ok: "Bỏ qua lần này" });
        if (!ok) return;
        run(skip, async () => {
          await api("POST", `${slotPath}/skip`, { original_start: entry.original_start });
          await reloadAll("Đã bỏ qua buổi phát này.");
        });
      });
      const move = el("button", { type: "button", class: "small", "data-action": "move" }, "Dời lần này");
      move.addEventListener("click", () => {
        if (!wrapper.querySelector(".move-form")) moveForm(entry, wrapper);
      });
      const swap = el("button", { type: "button", class: "small", "data-action": "replace" }, "Thay chương trình lần này");
      swap.addEventListener("click", () => {
        if (!wrapper.querySelector(".replace-program")) replaceForm(entry, wrapper);
      });
      buttons.push(skip, move, swap);
    }
    if (entry.status === "skipped" || entry.moved) {
      const undo = el("button", { type: "button", class: "small", "data-action": "undo" },
        entry.status === "skipped" ? "Phát lại như cũ" : "Trả về giờ cũ");
      undo.addEventListener("click", () => run(undo, async () => {
        const q = encodeURIComponent(entry.original_start);
        await api("DELETE", `${slotPath}/adjustments?original_start=${q}`);
        await reloadAll("Đã trả buổi phát về như lịch gốc.");
      }));
      if (future) buttons.push(undo);
    }
    if (!buttons.length) return null;
    wrapper.prepend(el("div", { class: "actions" }, buttons));
    return wrapper;
  }

  function entryItem(e, sameStart) {
    const replacedBy = e.status === "skipped" ? sameStart.find((o) => o !== e && o.status !== "skipped") : null;
    return el("li", {
      class: `occ ${e.status}`, "data-slot": e.slot_id || "", "data-program": e.program_id,
    },
      el("div", { class: "item-head" },
        el("span", { class: "time" }, Loa.timeText(e.start)),
        el("span", { class: "title" }, e.program_title),
        Loa.statusBadge(e.status), Loa.priorityBadge(e.priority),
        e.moved ? el("span", { class: "badge" }, `dời từ ${Loa.dateTimeText(e.original_start)}`) : null),
      el("div", { class: "muted small" },
        [e.topic_name, e.duration_seconds ? Loa.durationText(e.duration_seconds) : ""].filter(Boolean).join(" · ")),
      replacedBy ? el("div", { class: "note" }, `Thay bằng “${replacedBy.program_title}”.`) : null,
      e.error ? el("div", { class: "alert bad small" }, e.error) : null,
      e.note ? el("div", { class: "note" }, e.note) : null,
      e.warning ? el("div", { class: "warning-note" }, `⚠ ${e.warning}`) : null,
      occurrenceActions(e));
  }

  function renderWeek(entries) {
    const box = clear(document.getElementById("week"));
    const end = Loa.addDays(start, 6);
    document.getElementById("week-range").textContent = `${Loa.dayTitle(start)} – ${Loa.dayTitle(end)}`;
    const today = Loa.localDate(new Date());
    for (let i = 0; i < 7; i++) {
      const day = Loa.addDays(start, i);
      const items = entries.filter((e) => Loa.localDate(new Date(e.start)) === day);
      items.sort((a, b) => new Date(a.start) - new Date(b.start));
      const section = el("section", { class: `card day${day === today ? " today" : ""}`, "data-date": day },
        el("h2", {}, Loa.dayTitle(day)));
      if (!items.length) {
        section.append(el("p", { class: "muted" }, "Không có buổi phát."));
      } else {
        section.append(el("ul", { class: "plain" }, items.map((e) =>
          entryItem(e, items.filter((o) => o.start === e.start))))); // same instant
      }
      box.append(section);
    }
  }

  function renderMonth(entries) {
    const box = clear(document.getElementById("month"));
    const [y, m] = month.split("-").map(Number);
    document.getElementById("week-range").textContent = `Tháng ${m}/${y}`;
    const first = `${month}-01`;
    const gridStart = monday(first);
    const today = Loa.localDate(new Date());
    const grid = el("div", { class: "month-grid", id: "month-grid" },
      Loa.WEEKDAYS.map((d) => el("div", { class: "head" }, Loa.WEEKDAY_SHORT[d])));
    for (let i = 0; i < 42; i++) {
      const day = Loa.addDays(gridStart, i);
      if (i >= 35 && day.slice(0, 7) !== month) break;
      const items = entries.filter((e) => Loa.localDate(new Date(e.start)) === day)
        .sort((a, b) => new Date(a.start) - new Date(b.start));
      const cell = el("button", {
        type: "button", class: `cell${day.slice(0, 7) !== month ? " other" : ""}${day === today ? " today" : ""}`,
        "data-date": day, "aria-label": `${Loa.dayTitle(day)}: ${items.length} buổi phát`,
      },
        el("span", { class: "num" }, String(Number(day.slice(8, 10)))),
        items.slice(0, 4).map((e) => el("span", { class: `mini ${e.status}` }, `${Loa.timeText(e.start)} ${e.program_title}`)),
        items.length > 4 ? el("span", { class: "mini" }, `+${items.length - 4} buổi`) : null,
        items.length ? el("span", { class: "count" }, `${items.length} buổi`) : null);
      cell.addEventListener("click", () => { view = "week"; start = monday(day); syncView(); loadView(); });
      grid.append(cell);
    }
    box.append(el("div", { class: "card" }, grid,
      el("p", { class: "muted small" }, "Bấm vào một ngày để xem tuần có ngày đó.")));
  }

  async function loadView() {
    const target = document.getElementById(view === "week" ? "week" : "month");
    try {
      if (view === "week") {
        renderWeek((await api("GET", `/api/timetable?from=${start}&to=${Loa.addDays(start, 6)}`)) || []);
      } else {
        const gridStart = monday(`${month}-01`);
        renderMonth((await api("GET", `/api/timetable?from=${gridStart}&to=${Loa.addDays(gridStart, 41)}`)) || []);
      }
    } catch (err) {
      clear(target).append(el("div", { class: "alert bad" }, err.message));
    }
  }

  function renderSlots() {
    const box = clear(document.getElementById("slots"));
    if (!slots.length) {
      box.append(el("p", { class: "muted" }, "Chưa có khung giờ nào."));
      return;
    }
    const sorted = [...slots].sort((a, b) => (a.time || "").localeCompare(b.time || ""));
    box.append(el("ul", { class: "plain", id: "slot-list" }, sorted.map((slot) => {
      const path = `/api/slots/${encodeURIComponent(slot.id)}`;
      const actions = [];
      if (Loa.can.edit()) {
        const toggle = el("button", { type: "button", class: "small", "data-action": slot.paused ? "resume" : "pause" },
          slot.paused ? "Cho phát tiếp" : "Tạm dừng");
        toggle.addEventListener("click", () => run(toggle, async () => {
          await api("POST", `${path}/${slot.paused ? "resume" : "pause"}`);
          await reloadAll(slot.paused ? "Khung giờ đã phát tiếp." : "Đã tạm dừng khung giờ.");
        }));
        const remove = el("button", { type: "button", class: "small", "data-action": "delete" }, "Xóa");
        remove.addEventListener("click", async () => {
          const ok = await Loa.confirmBox({ title: "Xóa khung giờ?", body: [`“${programTitle(slot.program_id)}” (${slotWhen(slot)}) sẽ không phát nữa.`], ok: "Xóa khung giờ", danger: true });
          if (!ok) return;
          run(remove, async () => {
            await api("DELETE", path);
            await reloadAll("Đã xóa khung giờ.");
          });
        });
        actions.push(toggle, remove);
      }
      return el("li", { "data-slot": slot.id },
        el("div", { class: "item-head" },
          el("span", { class: "title" }, programTitle(slot.program_id)),
          el("span", {}, slotWhen(slot)),
          Loa.priorityBadge(slot.priority),
          slot.paused ? el("span", { class: "badge paused" }, "Đang tạm dừng") : null),
        clusterList.length && slot.clusters
          ? el("div", { class: "muted small", "data-clusters": slot.clusters.join(" ") },
            `Cụm loa: ${Loa.clusterText(slot.clusters, clusterList)}`)
          : null,
        actions.length ? el("div", { class: "actions" }, actions) : null);
    })));
  }

  async function loadSlots() {
    try {
      [programs, slots] = await Promise.all([api("GET", "/api/programs"), api("GET", "/api/slots")]);
      renderSlots();
      fillProgramSelect();
    } catch (err) {
      clear(document.getElementById("slots")).append(el("div", { class: "alert bad" }, err.message));
    }
  }

  function fillProgramSelect() {
    const select = document.getElementById("slot-program");
    const chosen = select.value;
    clear(select);
    select.append(el("option", { value: "" }, programs.length ? "— Chọn chương trình —" : "Chưa có chương trình nào"));
    for (const p of programs) select.append(el("option", { value: p.id }, p.title));
    if (chosen) select.value = chosen;
    const wanted = params.get("program");
    if (!chosen && wanted) select.value = wanted;
  }

  function showFormError(message) {
    const box = document.getElementById("slot-error");
    box.textContent = message;
    box.classList.remove("hidden");
  }
  function hideFormError() {
    document.getElementById("slot-error").classList.add("hidden");
  }

  function setupForm() {
    const form = document.getElementById("slot-form");
    if (!Loa.can.edit()) {
      form.closest("section").classList.add("hidden");
      return;
    }
    const daysBox = document.getElementById("slot-days");
    for (const d of Loa.WEEKDAYS) {
      daysBox.append(el("label", { class: "inline" },
        el("input", { type: "checkbox", name: "days", value: d, id: `slot-day-${d}` }), Loa.WEEKDAY_LABELS[d]));
    }
    Loa.setDate("slot-date", Loa.localDate(new Date()));
    const sync = () => {
      const weekly = document.getElementById("slot-kind-weekly").checked;
      document.getElementById("slot-weekly").classList.toggle("hidden", !weekly);
      document.getElementById("slot-once").classList.toggle("hidden", weekly);
    };
    form.querySelectorAll('input[name="kind"]').forEach((r) => r.addEventListener("change", sync));
    const replaceButton = document.getElementById("slot-replace");
    replaceButton.addEventListener("click", () => run(replaceButton, async () => {
      if (!replaceTarget) return;
      const programId = document.getElementById("slot-program").value;
      await replace(replaceTarget.slot_id, replaceTarget.original_start, programId, replaceTarget.title, replaceTarget.original_start);
    }));
    form.addEventListener("input", () => { replaceTarget = null; replaceButton.classList.add("hidden"); });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = document.getElementById("slot-submit");
      hideFormError();
      run(button, async () => {
        try {
          const programId = document.getElementById("slot-program").value;
          const time = Loa.parseClock(document.getElementById("slot-time").value);
          if (!programId) throw new Error("Vui lòng chọn chương trình.");
          if (!time) throw new Error("Giờ phát phải có dạng giờ:phút theo 24 giờ, ví dụ 06:00 hoặc 17:30.");
          const body = { program_id: programId, time: `${time}:00`, priority: document.getElementById("slot-priority").value };
          if (clusterChoice) Object.assign(body, clusterChoice.value());
          if (document.getElementById("slot-kind-weekly").checked) {
            const days = [...form.querySelectorAll('input[name="days"]:checked')].map((c) => c.value);
            if (!days.length) throw new Error("Vui lòng chọn ít nhất một thứ trong tuần.");
            body.days = days;
          } else {
            const date = document.getElementById("slot-date").value;
            if (!date) throw new Error("Ngày phát phải có dạng ngày/tháng/năm, ví dụ 05/12/2026.");
            body.date = date;
          }
          await api("POST", "/api/slots", body);
          await reloadAll(`Đã thêm “${programTitle(programId)}” vào lịch lúc ${time}.`);
        } catch (err) {
          showFormError(err.message);
          if (err.code === "same_start" && err.body) {
            replaceTarget = { slot_id: err.body.other_slot_id, original_start: err.body.original_start, title: err.body.other_title };
            replaceButton.textContent = `Thay thế buổi phát “${err.body.other_title}” lần đó`;
            replaceButton.classList.remove("hidden");
          }
          throw err;
        }
      });
    });
  }

  /* "Cụm loa phát" in the form, when the station has speaker clusters besides its own. */
  async function setupClusters() {
    clusterList = await Loa.clusters();
    if (!clusterList.length || !Loa.can.edit()) return;
    clusterChoice = Loa.clusterPicker(clusterList, { prefix: "slot" });
    document.getElementById("slot-error").before(clusterChoice.node);
    renderSlots();
  }

  function syncView() {
    document.getElementById("view-week").setAttribute("aria-pressed", String(view === "week"));
    document.getElementById("view-month").setAttribute("aria-pressed", String(view === "month"));
    document.getElementById("week").classList.toggle("hidden", view !== "week");
    document.getElementById("month").classList.toggle("hidden", view !== "month");
    const url = new URL(window.location.href);
    url.searchParams.set("from", view === "week" ? start : `${month}-01`);
    url.searchParams.set("view", view);
    window.history.replaceState(null, "", url);
  }

  function shift(direction) {
    if (view === "week") {
      start = direction === 0 ? monday(Loa.localDate(new Date())) : Loa.addDays(start, 7 * direction);
    } else if (direction === 0) {
      month = Loa.localDate(new Date()).slice(0, 7);
    } else {
      const [y, m] = month.split("-").map(Number);
      const d = new Date(Date.UTC(y, m - 1 + direction, 1));
      month = d.toISOString().slice(0, 7);
    }
    syncView();
    loadView();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.getElementById("week-prev").addEventListener("click", () => shift(-1));
    document.getElementById("week-next").addEventListener("click", () => shift(1));
    document.getElementById("week-today").addEventListener("click", () => shift(0));
    document.getElementById("view-week").addEventListener("click", () => { view = "week"; syncView(); loadView(); });
    document.getElementById("view-month").addEventListener("click", () => { view = "month"; month = start.slice(0, 7); syncView(); loadView(); });
    syncView();
    setupForm();
    reloadAll();
    run(null, setupClusters);
  });
})();
