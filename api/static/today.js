/* "Hôm nay": alerts (including airings that will not air as planned), scripts waiting for
   approval, what is on air (with a stop button), what comes next and what already aired. */
"use strict";

(() => {
  const { api, el, clear, run, showNotice } = Loa;
  const PROBLEM_OUTCOMES = { missed: "bị lỡ", failed: "bị lỗi", interrupted: "bị ngắt giữa chừng" };
  let audioUrl = null;

  function renderOnAir(onAir) {
    const box = clear(document.getElementById("onair"));
    if (!onAir) {
      box.append(el("p", { class: "muted", id: "onair-empty" }, "Hiện không phát chương trình nào."));
      return;
    }
    const stop = el("button", { type: "button", class: "danger", id: "stop-onair" }, "■ Dừng phát");
    stop.addEventListener("click", async () => {
      const ok = await Loa.confirmBox({
        title: "Dừng phát ngay?", body: [`“${onAir.program_title}” đang phát trên mọi loa.`],
        ok: "Dừng phát", danger: true,
      });
      if (!ok) return;
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
        e.topic_name ? el("div", { class: "muted small" }, e.topic_name) : null,
        e.warning ? el("div", { class: "warning-note" }, `⚠ ${e.warning}`) : null);
    })));
  }

  function listenButton(entry, holder) {
    const button = el("button", { type: "button", class: "small", "data-action": "listen" }, "▶ Nghe lại");
    button.addEventListener("click", () => run(button, async () => {
      const response = await fetch(`/api/log/${entry.log_id}/audio`, { credentials: "same-origin" });
      if (!response.ok) {
        const body = await response.json().catch(() => null);
        throw new Error((body && body.message) || "Không nghe lại được buổi phát này.");
      }
      if (audioUrl) URL.revokeObjectURL(audioUrl);
      audioUrl = URL.createObjectURL(await response.blob());
      clear(holder).append(el("audio", { controls: true, src: audioUrl }));
    }));
    return button;
  }

  function renderDone(entries) {
    const box = clear(document.getElementById("done"));
    const now = Date.now();
    const past = (entries || []).filter((e) => new Date(e.start).getTime() <= now || !["planned", "rendered"].includes(e.status));
    if (!past.length) {
      box.append(el("p", { class: "muted" }, "Hôm nay chưa có buổi phát nào."));
      return;
    }
    box.append(el("ul", { class: "plain", id: "done-list" }, past.map((e) => {
      const holder = el("div", {});
      return el("li", { class: `occ ${e.status}` },
        el("div", { class: "item-head" },
          el("span", { class: "time" }, Loa.timeText(e.start)),
          el("span", { class: "title" }, e.program_title),
          Loa.priorityBadge(e.priority), Loa.statusBadge(e.status),
          e.render_id && e.log_id ? listenButton(e, holder) : null),
        e.error ? el("div", { class: "alert bad small" }, e.error) : null,
        e.note ? el("div", { class: "note" }, e.note) : null,
        holder);
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
      alerts.push(["warn", `Tạm thời không dùng được ${Loa.voiceText(down)}: Loa dùng giọng dự phòng.`]);
    }
    return alerts;
  }

  function logAlerts(entries) {
    return (entries || [])
      .filter((e) => PROBLEM_OUTCOMES[e.outcome] && !e.stopped_by_operator)
      .map((e) => [e.outcome === "interrupted" ? "warn" : "bad",
        `Buổi phát “${e.program_title || "không tên"}” lúc ${Loa.timeText(e.scheduled_start)} ${PROBLEM_OUTCOMES[e.outcome]}` +
        (e.error ? `: ${e.error}` : ".")]);
  }

  function warningAlerts(entries) {
    return (entries || []).map((e) => {
      const when = `${Loa.timeText(e.start)} ${Loa.localDate(new Date(e.start)) === Loa.localDate(new Date()) ? "hôm nay" : Loa.dateText(e.start)}`;
      const link = e.warning_script_id
        ? el("a", { href: `/bai-viet?id=${e.warning_script_id}`, class: "btn small" }, Loa.can.approve() ? "Mở bài để duyệt" : "Mở bài")
        : null;
      return ["warn", el("span", {}, `Buổi phát “${e.program_title}” lúc ${when}: ${e.warning} `, link)];
    });
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

  function renderWaiting(scripts) {
    const card = document.getElementById("waiting-card");
    if (!Loa.can.approve()) return;
    const box = clear(document.getElementById("waiting"));
    card.classList.remove("hidden");
    if (!scripts.length) {
      box.append(el("p", { class: "muted" }, "Không có bài nào chờ duyệt."));
      return;
    }
    box.append(el("ul", { class: "plain", id: "waiting-list" }, scripts.map((s) => el("li", {},
      el("a", { href: `/bai-viet?id=${s.id}`, class: "script-link" },
        el("div", { class: "item-head" }, el("span", { class: "title" }, s.title), Loa.scriptBadge(s.status)),
        el("div", { class: "muted small" }, [s.topic_name, s.air_date ? `bản tin ngày ${Loa.dayInput(s.air_date)}` : ""].filter(Boolean).join(" · ")))))));
  }

  async function refresh() {
    const today = Loa.localDate(new Date());
    const failures = [];
    const fail = (fallback) => (err) => { failures.push(err.message); return fallback; };
    const [now, health, log, day, warnings, drafts] = await Promise.all([
      api("GET", "/api/now").catch(fail(null)),
      api("GET", "/api/health").catch(fail(null)),
      api("GET", `/api/log?from=${today}&to=${today}`).catch(fail([])),
      api("GET", `/api/timetable?from=${today}&to=${today}`).catch(fail([])),
      api("GET", "/api/timetable/warnings?hours=48").catch(fail([])),
      Loa.can.approve() ? api("GET", "/api/scripts?status=draft").catch(fail([])) : Promise.resolve([]),
    ]);
    if (now) {
      renderOnAir(now.on_air);
      renderNext(now.next);
    }
    renderDone(day);
    renderWaiting(drafts || []);
    renderAlerts([...healthAlerts(health), ...warningAlerts(warnings), ...logAlerts(log)], failures);
    document.getElementById("updated").textContent = `Cập nhật lúc ${Loa.timeText(new Date().toISOString())}`;
  }

  document.addEventListener("DOMContentLoaded", () => {
    refresh();
    setInterval(refresh, 15000);
  });
})();
