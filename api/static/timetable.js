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
  let editing = null; // the slot whose values the form shows, while it is being changed

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
            if (editing && editing.id === slot.id) stopEditing();
            await reloadAll("Đã xóa khung giờ.");
          });
        });
        const edit = el("button", { type: "button", class: "small", "data-action": "edit" }, "Sửa");
        edit.addEventListener("click", () => startEditing(slot));
        actions.push(edit, toggle, remove);
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

  /* A refused save, new slot or change alike: the message in the form; a new one-off that
     starts when another airing starts may replace that airing instead. (Not offered for a
     change: the slot being changed would stay where it is.) */
  function formFailed(err, { offerReplace }) {
    showFormError(err.message);
    if (offerReplace && err.code === "same_start" && err.body) {
      replaceTarget = { slot_id: err.body.other_slot_id, original_start: err.body.original_start, title: err.body.other_title };
      const button = document.getElementById("slot-replace");
      button.textContent = `Thay thế buổi phát “${err.body.other_title}” lần đó`;
      button.classList.remove("hidden");
    }
  }

  const $ = (id) => document.getElementById(id);

  /* A date field of the form: "" when empty, else the ISO date (a Vietnamese Error when the
     text is not a date). */
  function formDate(id, what) {
    const typed = $(`${id}-text`) ? $(`${id}-text`).value.trim() : "";
    const iso = $(id).value;
    if (typed && !iso) throw new Error(`${what} phải có dạng ngày/tháng/năm, ví dụ 05/12/2026.`);
    return iso;
  }

  /* What the form says, as the API's slot fields ("" / null for what is left empty). */
  function readForm() {
    const form = $("slot-form");
    const programId = $("slot-program").value;
    const time = Loa.parseClock($("slot-time").value);
    if (!programId) throw new Error("Vui lòng chọn chương trình.");
    if (!time) throw new Error("Giờ phát phải có dạng giờ:phút theo 24 giờ, ví dụ 06:00 hoặc 17:30.");
    const fields = { program_id: programId, time: `${time}:00`, priority: $("slot-priority").value };
    const minutes = $("slot-max-minutes").value.trim();
    fields.max_duration_seconds = null;
    if (minutes) {
      const seconds = Math.round(Number(minutes.replace(",", ".")) * 60);
      if (!Number.isFinite(seconds) || seconds < 1 || seconds > 86400) {
        throw new Error("Thời lượng phát tối đa phải từ 1 giây đến 1440 phút (24 giờ), hoặc để trống.");
      }
      fields.max_duration_seconds = seconds;
    }
    if ($("slot-kind-weekly").checked) {
      const days = [...form.querySelectorAll('input[name="days"]:checked')].map((c) => c.value);
      if (!days.length) throw new Error("Vui lòng chọn ít nhất một thứ trong tuần.");
      fields.days = days;
      fields.valid_from = formDate("slot-valid-from", "Ngày bắt đầu phát") || null;
      fields.valid_until = formDate("slot-valid-until", "Ngày hết hạn") || null;
      if (fields.valid_from && fields.valid_until && fields.valid_from > fields.valid_until) {
        throw new Error("Ngày bắt đầu phát phải trước ngày hết hạn.");
      }
    } else {
      const date = formDate("slot-date", "Ngày phát");
      if (!date) throw new Error("Ngày phát phải có dạng ngày/tháng/năm, ví dụ 05/12/2026.");
      fields.date = date;
    }
    if (clusterChoice) fields.clusters = clusterChoice.value().clusters || null;
    return fields;
  }

  /* A new slot: what is empty is left out (a weekly slot then starts today, on every cluster). */
  async function createSlot(fields) {
    const body = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
    await api("POST", "/api/slots", body);
    await reloadAll(`Đã thêm “${programTitle(fields.program_id)}” vào lịch lúc ${fields.time.slice(0, 5)}.`);
  }

  /* A change: only what differs from the slot as it was shown is sent, so a change made
     meanwhile by someone else to another field is kept. */
  async function saveSlot(slot, fields) {
    const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    const sorted = (list) => (Array.isArray(list) ? [...list].sort() : null);
    const changes = {};
    if (fields.program_id !== slot.program_id) changes.program_id = fields.program_id;
    if (fields.time.slice(0, 5) !== (slot.time || "").slice(0, 5)) changes.time = fields.time;
    if (fields.priority !== slot.priority) changes.priority = fields.priority;
    if (!same(fields.max_duration_seconds, slot.max_duration_seconds)) changes.max_duration_seconds = fields.max_duration_seconds;
    if (fields.date) {
      if (fields.date !== slot.date) changes.date = fields.date;
    } else {
      const wasWeekly = !slot.date;
      if (!wasWeekly || !same(fields.days, slot.days)) changes.days = fields.days;
      // A one-off made weekly starts today unless told otherwise, as a new weekly slot does.
      const from = fields.valid_from || (wasWeekly ? null : Loa.localDate(new Date()));
      if (!same(from, slot.valid_from)) changes.valid_from = from;
      if (!same(fields.valid_until, slot.valid_until)) changes.valid_until = fields.valid_until;
    }
    if (clusterChoice && !same(sorted(fields.clusters), sorted(slot.clusters))) changes.clusters = fields.clusters;
    if (!Object.keys(changes).length) {
      stopEditing();
      showNotice("Khung giờ không có gì thay đổi.");
      return;
    }
    const saved = await api("PATCH", `/api/slots/${encodeURIComponent(slot.id)}`, changes);
    stopEditing();
    await reloadAll(`Đã lưu thay đổi của khung giờ “${programTitle(saved.program_id)}” (${slotWhen(saved)}).`);
  }

  /* The form shows the slot's values; saving changes it ("Hủy" goes back to a new slot). */
  function startEditing(slot) {
    editing = slot;
    Loa.clearFlash();
    replaceTarget = null;
    $("slot-replace").classList.add("hidden");
    hideFormError();
    $("slot-program").value = slot.program_id;
    const weekly = !slot.date;
    $(weekly ? "slot-kind-weekly" : "slot-kind-once").checked = true;
    for (const box of $("slot-form").querySelectorAll('input[name="days"]')) {
      box.checked = weekly && (slot.days || []).includes(box.value);
    }
    Loa.setDate("slot-date", slot.date || Loa.localDate(new Date()));
    Loa.setDate("slot-valid-from", weekly ? slot.valid_from : "");
    Loa.setDate("slot-valid-until", weekly ? slot.valid_until : "");
    $("slot-time").value = (slot.time || "").slice(0, 5);
    $("slot-priority").value = slot.priority || "normal";
    $("slot-max-minutes").value = slot.max_duration_seconds ? String(+(slot.max_duration_seconds / 60).toFixed(2)) : "";
    if (clusterChoice) clusterChoice.set(slot.clusters);
    syncKind();
    $("add-slot-title").textContent = `Sửa khung giờ “${programTitle(slot.program_id)}” (${slotWhen(slot)})`;
    $("slot-submit").textContent = "Lưu thay đổi";
    $("slot-cancel-edit").classList.remove("hidden");
    $("slot-form").closest("section").classList.add("editing");
    $("slot-form").closest("section").scrollIntoView({ block: "start" });
    $("slot-program").focus({ preventScroll: true });
  }

  function stopEditing() {
    editing = null;
    replaceTarget = null;
    $("slot-replace").classList.add("hidden");
    hideFormError();
    $("slot-form").reset();
    Loa.setDate("slot-date", Loa.localDate(new Date()));
    Loa.setDate("slot-valid-from", "");
    Loa.setDate("slot-valid-until", "");
    if (clusterChoice) clusterChoice.reset();
    syncKind();
    $("add-slot-title").textContent = "Thêm khung giờ phát";
    $("slot-submit").textContent = "Thêm vào lịch";
    $("slot-cancel-edit").classList.add("hidden");
    $("slot-form").closest("section").classList.remove("editing");
  }

  function syncKind() {
    const weekly = $("slot-kind-weekly").checked;
    $("slot-weekly").classList.toggle("hidden", !weekly);
    $("slot-once").classList.toggle("hidden", weekly);
  }

  function setupForm() {
    const form = $("slot-form");
    if (!Loa.can.edit()) {
      form.closest("section").classList.add("hidden");
      return;
    }
    const daysBox = $("slot-days");
    for (const d of Loa.WEEKDAYS) {
      daysBox.append(el("label", { class: "inline" },
        el("input", { type: "checkbox", name: "days", value: d, id: `slot-day-${d}` }), Loa.WEEKDAY_LABELS[d]));
    }
    Loa.setDate("slot-date", Loa.localDate(new Date()));
    form.querySelectorAll('input[name="kind"]').forEach((r) => r.addEventListener("change", syncKind));
    const replaceButton = $("slot-replace");
    replaceButton.addEventListener("click", () => run(replaceButton, async () => {
      if (!replaceTarget) return;
      const programId = $("slot-program").value;
      await replace(replaceTarget.slot_id, replaceTarget.original_start, programId, replaceTarget.title, replaceTarget.original_start);
    }));
    form.addEventListener("input", () => { replaceTarget = null; replaceButton.classList.add("hidden"); });
    $("slot-cancel-edit").addEventListener("click", () => { stopEditing(); Loa.clearFlash(); });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = $("slot-submit");
      hideFormError();
      const slot = editing;
      run(button, async () => {
        try {
          const fields = readForm();
          await (slot ? saveSlot(slot, fields) : createSlot(fields));
        } catch (err) {
          formFailed(err, { offerReplace: !slot });
          throw err;
        }
      });
    });
  }

  /* "Cụm loa phát" in the form, when the station has speaker clusters besides its own. */
  async function setupClusters() {
    clusterList = await Loa.clusters();
    if (!clusterList.length || !Loa.can.edit()) return;
    clusterChoice = Loa.clusterPicker(clusterList, { prefix: "slot", zones: true, zoneAsClusters: true });
    document.getElementById("slot-error").before(clusterChoice.node);
    if (editing) clusterChoice.set(editing.clusters);
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
