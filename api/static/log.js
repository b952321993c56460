/* "Nhật ký phát sóng": the as-run log with filters. */
"use strict";

(() => {
  const { api, el, clear, run } = Loa;
  const $ = (id) => document.getElementById(id);
  const OUTCOMES = {
    aired: "Đã phát", late: "Phát trễ", interrupted: "Bị ngắt", missed: "Bị lỡ", failed: "Lỗi", skipped: "Đã bỏ qua",
  };

  function render(entries) {
    const box = clear($("log-table"));
    if (!entries.length) {
      box.append(el("p", { class: "muted" }, "Không có buổi phát nào trong khoảng này."));
      return;
    }
    const rows = entries.map((e) => el("tr", {},
      el("td", {}, Loa.dateTimeText(e.scheduled_start)),
      el("td", {}, e.actual_start ? Loa.timeText(e.actual_start) : "—",
        e.end ? ` → ${Loa.timeText(e.end)}` : ""),
      el("td", {}, e.program_title || e.program),
      el("td", {}, e.topic || ""),
      el("td", {}, Loa.priorityBadge(e.priority) || "Thường"),
      el("td", {}, e.outcome ? Loa.badge(`status-${e.outcome}`, OUTCOMES[e.outcome] || e.outcome)
        : Loa.badge("status-on_air", "Đang phát")),
      el("td", { class: "num" }, e.lateness_seconds ? `${e.lateness_seconds.toFixed(1)} giây` : ""),
      el("td", { class: "small" }, (e.engines || []).join(", ")),
      el("td", { class: "small" }, e.error || "")));
    box.append(el("table", { id: "log" },
      el("thead", {}, el("tr", {}, ["Giờ theo lịch", "Phát thực tế", "Chương trình", "Chuyên mục", "Mức",
        "Kết quả", "Trễ", "Giọng đọc", "Ghi chú"].map((h) => el("th", {}, h)))),
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
    $("log-from").value = Loa.addDays(today, -6);
    $("log-to").value = today;
    $("log-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      run($("log-submit"), load);
    });
    api("GET", "/api/programs").then((programs) => {
      for (const p of programs || []) $("log-program").append(el("option", { value: p.id }, p.title));
    }).catch(() => {});
    await run(null, load);
  });
})();
