/* "Phát trực tiếp": the station's microphone on air now, and its end (approver, operator). */
"use strict";

(() => {
  const { api, el, clear, run, showNotice } = Loa;
  const $ = (id) => document.getElementById(id);
  const allowed = () => ["admin", "approver", "operator"].includes(Loa.role());
  const LEVELS = { emergency: "khẩn cấp", priority: "ưu tiên" };

  function show(state) {
    const box = clear($("live-state"));
    const on = state && state.on_air;
    if (on) {
      const since = state.started_at || state.ordered_at;
      box.append(el("p", { class: "big" }, "● ĐANG PHÁT TRỰC TIẾP"),
        el("p", {}, `Từ ${new Date(since).toLocaleTimeString("vi-VN")}, mức ${LEVELS[state.priority] || state.priority}, do ${state.ordered_by} bắt đầu (thiết bị: ${state.device}).`));
    } else {
      box.append(el("p", {}, "Không phát trực tiếp."));
    }
    $("live-form").classList.toggle("hidden", on || !allowed());
    $("live-stop-box").classList.toggle("hidden", !on || !allowed());
    $("live-not-allowed").classList.toggle("hidden", allowed());
  }

  async function refresh() {
    show(await api("GET", "/api/live"));
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("live-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const priority = $("live-priority").value;
      if (!window.confirm(`Bắt đầu phát trực tiếp (mức ${LEVELS[priority]}) ngay bây giờ?`)) return;
      run($("live-start"), async () => {
        show(await api("POST", "/api/live", { priority }));
        showNotice("Đã bắt đầu phát trực tiếp. Micro đang được phát ra loa.");
      });
    });
    $("live-stop").addEventListener("click", () => {
      run($("live-stop"), async () => {
        const state = await api("DELETE", "/api/live");
        const seconds = state.seconds == null ? "" : ` sau ${Math.round(state.seconds)} giây`;
        showNotice(`Đã kết thúc phát trực tiếp${seconds}.`);
        show({ on_air: false });
      });
    });
    run(null, refresh);
    setInterval(() => run(null, refresh), 3000);
  });
})();
