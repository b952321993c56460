/* "Nhật ký phát sóng": the as-run log with filters; each entry says which revision aired and
   why it differs from the plan, and what aired can be heard again. */
"use strict";

(() => {
  const { api, el, clear, run } = Loa;
  const $ = (id) => document.getElementById(id);
  const OUTCOMES = {
    aired: "Đã phát", late: "Phát trễ", interrupted: "Bị ngắt", missed: "Bị lỡ", failed: "Lỗi", skipped: "Đã bỏ qua",
  };
  let audioUrl = null;

  function listen(entry, holder) {
    const button = el("button", { type: "button", class: "small", "data-action": "listen" }, "▶ Nghe lại");
    button.addEventListener("click", () => run(button, async () => {
      const response = await fetch(`/api/log/${entry.id}/audio`, { credentials: "same-origin" });
      if (!response.ok) {
        const body = await response.json().catch(() => null);
        throw new Error((body && body.message) || "Không nghe lại được buổi phát này.");
      }
      if (audioUrl) URL.revokeObjectURL(audioUrl);
      audioUrl = URL.createObjectURL(await response.blob());
      clear(holder).append(el("audio", { controls: true, src: audioUrl }));
      holder.querySelector("audio").play().catch(() => {});
    }));
    return button;
  }

  function render(entries) {
    const box = clear($("log-table"));
    if (!entries.length) {
      box.append(el("p", { class: "muted" }, "Không có buổi phát nào trong khoảng này."));
      return;
    }
    const rows = entries.map((e) => {
      const holder = el("div", { class: "listen" });
      const notes = [
        e.error ? el("div", { class: "alert bad small" }, e.error) : null,
        e.note ? el("div", { class: "note" }, e.note) : null,
      ];
      return el("tr", { "data-entry": e.id },
        el("td", { "data-label": "Giờ theo lịch" }, Loa.dateTimeText(e.scheduled_start)),
        el("td", { "data-label": "Kết quả" }, e.outcome ? Loa.badge(`status-${e.outcome}`, OUTCOMES[e.outcome] || e.outcome)
          : Loa.badge("status-on_air", "Đang phát")),
        el("td", { "data-label": "Chương trình" }, e.program_title || "(không tên)"),
        el("td", { "data-label": "Chuyên mục" }, e.topic_name || ""),
        el("td", { "data-label": "Phát thực tế" }, e.actual_start ? Loa.timeText(e.actual_start) : "—",
          e.end ? ` → ${Loa.timeText(e.end)}` : ""),
        el("td", { "data-label": "Mức" }, Loa.priorityBadge(e.priority) || "Thường"),
        el("td", { "data-label": "Trễ", class: "num" }, e.lateness_seconds ? `${e.lateness_seconds.toFixed(1)} giây` : ""),
        el("td", { "data-label": "Giọng đọc", class: "small" }, e.engines && e.engines.length ? Loa.voiceText(e.engines) : ""),
        el("td", { "data-label": "Ghi chú", class: "small" }, notes,
          e.render_id ? listen(e, holder) : null, holder));
    });
    box.append(el("table", { id: "log", class: "cards" },
      el("thead", {}, el("tr", {}, ["Giờ theo lịch", "Kết quả", "Chương trình", "Chuyên mục", "Phát thực tế", "Mức",
        "Trễ", "Giọng đọc", "Ghi chú, nghe lại"].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows)));
    box.append(el("p", { class: "muted small" }, `${entries.length} buổi phát.`));
  }

  async function load() {
    const params = new URLSearchParams();
    for (const [key, id] of [["from", "log-from"], ["to", "log-to"], ["outcome", "log-outcome"],
      ["program", "log-program"], ["topic", "log-topic"]]) {
      const value = $(id).value.trim();
      if (value) params.set(key, value);
    }
    params.set("limit", "500");
    const entries = await api("GET", `/api/log?${params}`);
    render(entries || []);
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const today = Loa.localDate(new Date());
    Loa.setDate("log-from", Loa.addDays(today, -6));
    Loa.setDate("log-to", today);
    $("log-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      run($("log-submit"), load);
    });
    api("GET", "/api/programs").then((programs) => {
      for (const p of programs || []) $("log-program").append(el("option", { value: p.id }, p.title));
    }).catch(() => {});
    Loa.columns().then((list) => Loa.fillColumnSelect($("log-topic"), list, { empty: "Tất cả" })).catch(() => {});
    await run(null, load);
  });
})();
