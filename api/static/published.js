/* "Đã đăng để nghe lại": what was published to the public page and the podcast feeds;
   editors can withdraw an item. */
"use strict";

(() => {
  const { api, el, clear, run } = Loa;
  const $ = (id) => document.getElementById(id);
  const STATUS = {
    published: ["status-aired", "Đang đăng"],
    withdrawn: ["status-skipped", "Đã gỡ"],
    expired: ["status-skipped", "Hết hạn lưu"],
    failed: ["status-failed", "Lỗi"],
  };

  function minutes(seconds) {
    if (seconds === null || seconds === undefined) return "";
    const total = Math.round(seconds);
    return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
  }

  async function withdraw(item, button) {
    const reason = window.prompt(`Gỡ “${item.title}” khỏi trang Nghe lại và podcast?\nLý do (không bắt buộc):`, "");
    if (reason === null) return;
    await run(button, async () => {
      await api("POST", `/api/publications/${item.id}/withdraw`, { reason });
      Loa.showNotice(`Đã gỡ “${item.title}”.`);
      await load();
    });
  }

  function render(items) {
    const box = clear($("pub-table"));
    if (!items.length) {
      box.append(el("p", { class: "muted" }, "Chưa có bài nào được đăng."));
      return;
    }
    const rows = items.map((item) => {
      const [cls, label] = STATUS[item.status] || ["", item.status];
      const shown = item.status === "published" && !item.public ? "Hết hạn lưu" : label;
      const links = item.public
        ? [el("a", { href: item.page_url, target: "_blank", rel: "noopener" }, "Trang nghe lại"), " · ",
          el("a", { href: item.audio_url, target: "_blank", rel: "noopener" }, "MP3")]
        : [];
      const note = item.status === "withdrawn"
        ? `Gỡ bởi ${item.withdrawn_by || "?"} lúc ${Loa.dateTimeText(item.withdrawn_at)}${item.withdrawal_reason ? ": " + item.withdrawal_reason : ""}`
        : item.error || "";
      const action = Loa.can.edit() && item.status === "published"
        ? el("button", { type: "button", class: "btn small danger", dataset: { withdraw: String(item.id) },
          onclick: (event) => withdraw(item, event.currentTarget) }, "Gỡ xuống")
        : null;
      return el("tr", { dataset: { publication: String(item.id) } },
        el("td", {}, Loa.dateTimeText(item.aired_at)),
        el("td", {}, item.program_title || item.program),
        el("td", {}, item.column || item.topic || ""),
        el("td", { class: "num" }, minutes(item.duration_seconds)),
        el("td", {}, Loa.badge(cls, shown)),
        el("td", {}, links),
        el("td", { class: "small" }, note),
        el("td", {}, action));
    });
    box.append(el("table", { id: "publications" },
      el("thead", {}, el("tr", {}, ["Giờ phát", "Chương trình", "Chuyên mục", "Độ dài", "Trạng thái",
        "Liên kết", "Ghi chú", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows)));
  }

  async function load() {
    const params = new URLSearchParams({ limit: "300" });
    if ($("pub-status").value) params.set("status", $("pub-status").value);
    render((await api("GET", `/api/publications?${params}`)) || []);
  }

  document.addEventListener("DOMContentLoaded", async () => {
    $("pub-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      run($("pub-submit"), load);
    });
    await run(null, load);
  });
})();
