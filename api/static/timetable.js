/* "Lịch phát sóng": the week's occurrences grouped by day, adjust actions, slots, add a slot. */
"use strict";

(() => {
  const { api, el, clear, run, showNotice } = Loa;
  const ADJUSTABLE = ["planned", "rendered"];
  let start = new URLSearchParams(window.location.search).get("from") || Loa.localDate(new Date());
  let programs = [];
  let slots = [];

  const programTitle = (id) => {
    const p = programs.find((x) => x.id === id);
    return p ? p.title : id;
  };

  function slotWhen(slot) {
    const time = (slot.time || "").slice(0, 5);
    if (slot.date) {
      const [y, m, d] = slot.date.split("-");
      return `${time} ngày ${d}/${m}/${y}`;
    }
    const days = Array.isArray(slot.days) ? slot.days : Loa.WEEKDAYS;
    if (days.length === 7) return `${time} hằng ngày`;
    return `${time} ${days.map((d) => Loa.WEEKDAY_LABELS[d] || d).join(", ")}`;
  }

  async function reloadAll(message) {
    if (message) showNotice(message);
    await Promise.all([loadWeek(), loadSlots()]);
  }

  function moveForm(entry, container) {
    const input = el("input", {
      type: "datetime-local", value: Loa.isoToLocalInput(entry.start), class: "move-input",
      "aria-label": "Giờ phát mới",
    });
    const save = el("button", { type: "button", class: "primary small" }, "Lưu giờ mới");
    const cancel = el("button", { type: "button", class: "small" }, "Hủy");
    const form = el("div", { class: "move-form" },
      el("label", {}, "Dời sang", input), save, cancel);
    cancel.addEventListener("click", () => form.remove());
    save.addEventListener("click", () => run(save, async () => {
      if (!input.value) throw new Error("Vui lòng chọn ngày giờ mới.");
      const newStart = Loa.localInputToIso(input.value);
      await api("POST", `/api/slots/${encodeURIComponent(entry.slot_id)}/move`, {
        original_start: entry.original_start,
        new_start: newStart,
      });
      await reloadAll(`Đã dời “${entry.program_title}” sang ${Loa.timeText(newStart)} ngày ${Loa.dateText(newStart)}.`);
    }));
    container.append(form);
    input.focus();
  }

  function occurrenceActions(entry) {
    if (!Loa.can.edit() || !entry.slot_id) return null;
    const future = new Date(entry.start).getTime() > Date.now();
    const buttons = [];
    const slotPath = `/api/slots/${encodeURIComponent(entry.slot_id)}`;
    const wrapper = el("div", {});
    if (future && ADJUSTABLE.includes(entry.status)) {
      const skip = el("button", { type: "button", class: "small", "data-action": "skip" }, "Bỏ qua lần này");
      skip.addEventListener("click", () => {
        if (!window.confirm(`Bỏ qua buổi phát “${entry.program_title}” lúc ${Loa.dateTimeText(entry.start)}?`)) return;
        run(skip, async () => {
          await api("POST", `${slotPath}/skip`, { original_start: entry.original_start });
          await reloadAll("Đã bỏ qua buổi phát này.");
        });
      });
      const move = el("button", { type: "button", class: "small", "data-action": "move" }, "Dời lần này");
      move.addEventListener("click", () => {
        if (!wrapper.querySelector(".move-form")) moveForm(entry, wrapper);
      });
      const pause = el("button", { type: "button", class: "small", "data-action": "pause" }, "Tạm dừng khung giờ");
      pause.addEventListener("click", () => {
        if (!window.confirm(`Tạm dừng mọi lần phát của khung giờ này (“${entry.program_title}”)?`)) return;
        run(pause, async () => {
          await api("POST", `${slotPath}/pause`);
          await reloadAll("Đã tạm dừng khung giờ.");
        });
      });
      buttons.push(skip, move, pause);
    }
    if (entry.status === "skipped" || entry.moved) {
      const undo = el("button", { type: "button", class: "small", "data-action": "undo" },
        entry.status === "skipped" ? "Phát lại như cũ" : "Trả về giờ cũ");
      undo.addEventListener("click", () => run(undo, async () => {
        const q = encodeURIComponent(entry.original_start);
        await api("DELETE", `${slotPath}/adjustments?original_start=${q}`);
        await reloadAll("Đã trả buổi phát về như lịch gốc.");
      }));
      if (future || entry.status === "skipped") buttons.push(undo);
    }
    if (!buttons.length) return null;
    wrapper.prepend(el("div", { class: "actions" }, buttons));
    return wrapper;
  }

  function renderWeek(entries) {
    const box = clear(document.getElementById("week"));
    const end = Loa.addDays(start, 6);
    document.getElementById("week-range").textContent =
      `${Loa.dayTitle(start)} – ${Loa.dayTitle(end)}`;
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
        section.append(el("ul", { class: "plain" }, items.map((e) => el("li", {
          class: `occ ${e.status}`, "data-slot": e.slot_id || "", "data-program": e.program_id,
        },
          el("div", { class: "item-head" },
            el("span", { class: "time" }, Loa.timeText(e.start)),
            el("span", { class: "title" }, e.program_title),
            Loa.statusBadge(e.status), Loa.priorityBadge(e.priority),
            e.moved ? el("span", { class: "badge" }, `dời từ ${Loa.dateTimeText(e.original_start)}`) : null),
          el("div", { class: "muted small" },
            [e.topic, e.duration_seconds ? Loa.durationText(e.duration_seconds) : ""].filter(Boolean).join(" · ")),
          e.error ? el("div", { class: "alert bad small" }, e.error) : null,
          occurrenceActions(e)))));
      }
      box.append(section);
    }
  }

  async function loadWeek() {
    try {
      const entries = await api("GET", `/api/timetable?from=${start}&to=${Loa.addDays(start, 6)}`);
      renderWeek(entries || []);
    } catch (err) {
      clear(document.getElementById("week")).append(el("div", { class: "alert bad" }, err.message));
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
        remove.addEventListener("click", () => {
          if (!window.confirm(`Xóa khung giờ “${programTitle(slot.program_id)}” (${slotWhen(slot)})?`)) return;
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
    const wanted = new URLSearchParams(window.location.search).get("program");
    if (!chosen && wanted) select.value = wanted;
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
    document.getElementById("slot-date").value = Loa.localDate(new Date());
    const sync = () => {
      const weekly = document.getElementById("slot-kind-weekly").checked;
      document.getElementById("slot-weekly").classList.toggle("hidden", !weekly);
      document.getElementById("slot-once").classList.toggle("hidden", weekly);
    };
    form.querySelectorAll('input[name="kind"]').forEach((r) => r.addEventListener("change", sync));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = document.getElementById("slot-submit");
      run(button, async () => {
        const programId = document.getElementById("slot-program").value;
        const time = document.getElementById("slot-time").value;
        if (!programId) throw new Error("Vui lòng chọn chương trình.");
        if (!time) throw new Error("Vui lòng nhập giờ phát.");
        const body = {
          program_id: programId,
          time: time.length === 5 ? time + ":00" : time,
          priority: document.getElementById("slot-priority").value,
        };
        if (document.getElementById("slot-kind-weekly").checked) {
          const days = [...form.querySelectorAll('input[name="days"]:checked')].map((c) => c.value);
          if (!days.length) throw new Error("Vui lòng chọn ít nhất một thứ trong tuần.");
          body.days = days;
        } else {
          const date = document.getElementById("slot-date").value;
          if (!date) throw new Error("Vui lòng chọn ngày phát.");
          body.date = date;
        }
        await api("POST", "/api/slots", body);
        await reloadAll(`Đã thêm “${programTitle(programId)}” vào lịch lúc ${time}.`);
      });
    });
  }

  function shiftWeek(days) {
    start = days === 0 ? Loa.localDate(new Date()) : Loa.addDays(start, days);
    const url = new URL(window.location.href);
    url.searchParams.set("from", start);
    window.history.replaceState(null, "", url);
    loadWeek();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.getElementById("week-prev").addEventListener("click", () => shiftWeek(-7));
    document.getElementById("week-next").addEventListener("click", () => shiftWeek(7));
    document.getElementById("week-today").addEventListener("click", () => shiftWeek(0));
    setupForm();
    reloadAll();
  });
})();
