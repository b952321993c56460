/* "Thông báo khẩn": an announcement that plays now, with an explicit confirmation, and a stop. */
"use strict";

(() => {
  const { api, el, clear, run, showNotice } = Loa;
  const $ = (id) => document.getElementById(id);
  const STORAGE_KEY = "loa_announcement";
  let approved = [];
  let pending = null;
  let clusterList = [];
  let where = null; // "Cụm loa phát", when the station has speaker clusters

  function fromText() {
    return $("source-text").checked;
  }

  function syncSource() {
    $("source-text-box").classList.toggle("hidden", !fromText());
    $("source-script-box").classList.toggle("hidden", fromText());
  }

  function collect() {
    const repeat = Number($("announce-repeat").value || 1);
    const every = Number($("announce-every").value || 0);
    if (!Number.isInteger(repeat) || repeat < 1) throw new Error("Số lần phát phải là số nguyên từ 1 trở lên.");
    if (!(every >= 0)) throw new Error("Khoảng cách giữa các lần phát không hợp lệ.");
    if (repeat > 1 && every <= 0) throw new Error("Phát nhiều lần thì cần nhập số phút giữa các lần.");
    const body = { priority: $("announce-priority").value, repeat, every_minutes: every };
    if (where) Object.assign(body, where.value());
    let what;
    let text;
    if (fromText()) {
      text = $("announce-text").value.trim();
      if (!text) throw new Error("Vui lòng nhập nội dung thông báo.");
      body.text = text;
      body.title = $("announce-title").value.trim() || "Thông báo khẩn";
      what = body.title;
    } else {
      const id = $("announce-script").value;
      if (!id) throw new Error("Vui lòng chọn một bài đã duyệt.");
      body.script_id = Number(id);
      const script = approved.find((s) => String(s.id) === id);
      what = script.title;
      text = script.text;
    }
    return { body, what, text };
  }

  function showConfirm() {
    const { body, what, text } = pending;
    const level = body.priority === "emergency" ? "KHẨN CẤP" : "ƯU TIÊN";
    const times = body.repeat > 1
      ? `Phát ${body.repeat} lần, cách nhau ${body.every_minutes} phút.`
      : "Phát 1 lần.";
    clear($("confirm-summary")).append(
      el("p", { class: "big" }, `Phát thông báo ${level} ngay bây giờ?`),
      el("p", {}, "Tiêu đề: ", el("strong", { id: "confirm-what" }, what)),
      el("p", {}, "Mọi loa sẽ đọc, bắt đầu bằng:"),
      el("blockquote", { class: "excerpt", id: "confirm-excerpt" }, Loa.excerpt(text, 2)),
      el("p", {}, times),
      el("p", { id: "confirm-where" }, whereText(body)),
      el("p", {}, body.priority === "emergency"
        ? "Chương trình đang phát (nếu có) sẽ bị ngắt."
        : "Chương trình thường đang phát (nếu có) sẽ bị ngắt."));
    $("form-card").classList.add("hidden");
    $("confirm-card").classList.remove("hidden");
    $("announce-confirm").focus();
  }

  function whereText(body) {
    if (body.clusters) return `Phát ở các cụm loa: ${Loa.clusterText(body.clusters, clusterList)}.`;
    if (body.zone) {
      const names = clusterList.filter((c) => c.zone === body.zone).map((c) => c.name);
      return `Phát ở các cụm loa của vùng “${body.zone}”: ${names.join(", ")}.`;
    }
    return "Mọi loa trong xã sẽ phát thông báo này.";
  }

  async function setupClusters() {
    clusterList = await Loa.clusters();
    if (!clusterList.length) return;
    where = Loa.clusterPicker(clusterList, { prefix: "announce", zones: true });
    $("announce-where").append(where.node);
  }

  function hideConfirm() {
    $("confirm-card").classList.add("hidden");
    $("form-card").classList.remove("hidden");
    pending = null;
  }

  function showActive(active) {
    const card = $("active-card");
    if (!active) {
      card.classList.add("hidden");
      return;
    }
    const starts = active.starts || [];
    clear($("active")).append(
      el("p", { class: "big live", id: "active-what" }, `● ${active.what || "Thông báo"}`),
      el("p", {}, Loa.priorityBadge(active.priority)),
      starts.length
        ? el("p", {}, `Các lần phát: ${starts.map((s) => `${Loa.timeText(s)}`).join(", ")}`)
        : null);
    card.classList.remove("hidden");
  }

  function remember(active) {
    if (active) localStorage.setItem(STORAGE_KEY, JSON.stringify(active));
    else localStorage.removeItem(STORAGE_KEY);
    showActive(active);
  }

  function remembered() {
    try {
      const active = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
      if (!active) return null;
      const starts = active.starts || [];
      const last = starts.length ? new Date(starts[starts.length - 1]).getTime() : 0;
      // Forget an announcement whose last repeat started over an hour ago.
      if (last && Date.now() - last > 3600 * 1000) return null;
      return active;
    } catch (err) {
      return null;
    }
  }

  async function loadScripts() {
    const scripts = (await api("GET", "/api/scripts?status=approved")) || [];
    approved = scripts.filter((s) => s.status === "approved");
    const select = clear($("announce-script"));
    select.append(el("option", { value: "" }, approved.length ? "— Chọn bài đã duyệt —" : "Chưa có bài nào được duyệt"));
    for (const s of approved) select.append(el("option", { value: s.id }, s.title));
  }

  function setup() {
    const mayType = Loa.can.announceText();
    $("source-text").disabled = !mayType;
    $("text-note").textContent = "Nội dung nhập mới được coi như đã duyệt bởi bạn.";
    if (!mayType) {
      $("source-text").closest("label").append(
        el("span", { class: "muted small" }, " (chỉ lãnh đạo duyệt mới được nhập nội dung mới)"));
    }
    document.querySelectorAll('input[name="source"]').forEach((r) => r.addEventListener("change", syncSource));
    $("announce-form").addEventListener("submit", (event) => {
      event.preventDefault();
      try {
        Loa.clearFlash();
        pending = collect();
        showConfirm();
      } catch (err) {
        Loa.showError(err);
      }
    });
    $("announce-back").addEventListener("click", hideConfirm);
    $("announce-confirm").addEventListener("click", () => {
      if (!pending) return;
      const { body, what } = pending;
      run($("announce-confirm"), async () => {
        const announcement = await api("POST", "/api/announcements", body);
        hideConfirm();
        remember({ ...announcement, what, priority: announcement.priority || body.priority });
        showNotice(`Đã bắt đầu phát thông báo “${what}”.`);
      });
    });
    $("stop-announcement").addEventListener("click", async () => {
      const active = remembered();
      if (!active) return;
      const ok = await Loa.confirmBox({
        title: "Dừng thông báo?", body: [`“${active.what || "Thông báo"}” sẽ dừng và các lần phát lại bị hủy.`],
        ok: "Dừng thông báo", danger: true,
      });
      if (!ok) return;
      run($("stop-announcement"), async () => {
        try {
          await api("DELETE", `/api/announcements/${encodeURIComponent(active.id)}`);
        } catch (err) {
          if (err.status !== 404) throw err;
        }
        remember(null);
        showNotice("Đã dừng thông báo.");
      });
    });
  }

  // The station's list wins over this browser's memory: an announcement started on another
  // device can be stopped here, and one that is over or cancelled elsewhere is forgotten.
  async function loadActive() {
    const local = remembered();
    const list = (await api("GET", "/api/announcements")) || [];
    const current = list.find((a) => local && a.id === local.id) || list[0];
    remember(current ? { ...current, what: current.title } : null);
  }

  document.addEventListener("DOMContentLoaded", () => {
    setup();
    showActive(remembered());
    run(null, loadActive);
    run(null, loadScripts);
    run(null, setupClusters);
  });
})();
