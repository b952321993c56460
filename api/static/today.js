/* "Hôm nay": what is on air (with a stop button), what comes next, and alerts. */
"use strict";

(() => {
  const { api, el, clear, run, showNotice } = Loa;
  const PROBLEM_OUTCOMES = { missed: "bị lỡ", failed: "bị lỗi", interrupted: "bị ngắt giữa chừng" };

  function renderOnAir(onAir) {
    const box = clear(document.getElementById("onair"));
    if (!onAir) {
      box.append(el("p", { class: "muted", id: "onair-empty" }, "Hiện không phát chương trình nào."));
      return;
    }
    const stop = el("button", { type: "button", class: "danger", id: "stop-onair" }, "■ Dừng phát");
    stop.addEventListener("click", () => {
      if (!window.confirm(`Dừng phát “${onAir.program_title}” ngay bây giờ?`)) return;
      run(stop, async () => {
        await api("POST", "/api/onair/stop");
        showNotice("Đã dừng phát.");
        await refresh();
      });
    });
    box.append(
      el("p", { class: "live" }, "● ĐANG PHÁT"),
      el("p", { class: "big", id: "onair-title-text" }, onAir.program_title),
      el("p", {}, `Bắt đầu lúc ${Loa.timeText(onAir.actual_start)}`,
        onAir.duration_seconds ? ` · dài ${Loa.durationText(onAir.duration_seconds)}` : "", " ",
        Loa.priorityBadge(onAir.priority)),
      Loa.can.onAir() ? el("div", { class: "actions" }, stop) : null,
    );
  }

  function renderNext(entries) {
    const box = clear(document.getElementById("next"));
    if (!entries || entries.length === 0) {
      box.append(el("p", { class: "muted" }, "Chưa có buổi phát nào sắp tới."));
      return;
    }
    const today = Loa.localDate(new Date());
    box.append(el("ul", { class: "plain", id: "next-list" }, entries.map((e) => {
      const day = Loa.localDate(new Date(e.start));
      return el("li", {},
        el("div", { class: "item-head" },
          el("span", { class: "time" }, Loa.timeText(e.start)),
          day !== today ? el("span", { class: "muted" }, Loa.dayTitle(day)) : null,
          el("span", { class: "title" }, e.program_title),
          Loa.priorityBadge(e.priority), Loa.statusBadge(e.status)),
        e.topic ? el("div", { class: "muted small" }, e.topic) : null);
    })));
  }

  function healthAlerts(health) {
    const alerts = [];
    if (!health) return alerts;
    if (!health.sound_device) {
      alerts.push(["bad", "Không tìm thấy thiết bị âm thanh: loa sẽ không phát được. " +
        "Kiểm tra card âm thanh và dây nối sang âm ly." +
        (health.sound_device_error ? ` (${health.sound_device_error})` : "")]);
    }
    if (health.scheduler_running === false) {
      alerts.push(["bad", "Bộ hẹn giờ phát sóng đang dừng: các chương trình sẽ không tự phát. Hãy khởi động lại Loa."]);
    }
    if (health.database === false) {
      alerts.push(["bad", "Không kết nối được cơ sở dữ liệu."]);
    }
    const engines = health.engines || {};
    const names = Object.keys(engines);
    const down = names.filter((n) => !engines[n]);
    if (names.length && down.length === names.length) {
      alerts.push(["bad", "Không giọng đọc nào dùng được: bài mới sẽ không dựng được."]);
    } else if (down.length) {
      alerts.push(["warn", `Giọng đọc tạm thời không dùng được: ${down.join(", ")} (Loa dùng giọng dự phòng).`]);
    }
    return alerts;
  }

  function logAlerts(entries) {
    return (entries || [])
      .filter((e) => PROBLEM_OUTCOMES[e.outcome])
      .map((e) => [e.outcome === "interrupted" ? "warn" : "bad",
        `Buổi phát “${e.program_title || e.program}” lúc ${Loa.timeText(e.scheduled_start)} ${PROBLEM_OUTCOMES[e.outcome]}` +
        (e.error ? `: ${e.error}` : ".")]);
  }

  function renderAlerts(alerts, failures) {
    const box = clear(document.getElementById("alerts"));
    for (const message of failures) box.append(el("div", { class: "alert warn" }, message));
    if (alerts.length === 0 && failures.length === 0) {
      box.append(el("div", { class: "alert good" }, "Mọi thứ bình thường."));
      return;
    }
    for (const [level, message] of alerts) box.append(el("div", { class: `alert ${level}` }, message));
  }

  async function refresh() {
    const today = Loa.localDate(new Date());
    const failures = [];
    const [now, health, log] = await Promise.all([
      api("GET", "/api/now").catch((err) => { failures.push(err.message); return null; }),
      api("GET", "/api/health").catch((err) => { failures.push(err.message); return null; }),
      api("GET", `/api/log?from=${today}&to=${today}`).catch((err) => { failures.push(err.message); return []; }),
    ]);
    if (now) {
      renderOnAir(now.on_air);
      renderNext(now.next);
    }
    renderAlerts([...healthAlerts(health), ...logAlerts(log)], failures);
    document.getElementById("updated").textContent = `Cập nhật lúc ${Loa.timeText(new Date().toISOString())}`;
  }

  document.addEventListener("DOMContentLoaded", () => {
    refresh();
    setInterval(refresh, 15000);
  });
})();
