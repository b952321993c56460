/* "Cụm loa": every speaker cluster's state at a glance; an admin adds (token shown once) or
   removes one. Reads and changes everything through /api/clusters. */
"use strict";

(() => {
  const { api, el, clear, run, showNotice, dateTimeText } = Loa;
  const $ = (id) => document.getElementById(id);
  const isAdmin = () => Loa.role() === "admin";

  function yesNo(value, yes, no) {
    return el("span", { class: `badge ${value ? "status-aired" : "status-missed"}` }, value ? yes : no);
  }

  function lastAired(last) {
    if (!last) return "—";
    const when = last.actual_start || last.scheduled_start;
    return `${last.title || last.program || ""} (${dateTimeText(when)})`;
  }

  function offsetText(ms) {
    return ms === null || ms === undefined ? "—" : `${ms >= 0 ? "+" : ""}${Number(ms).toFixed(1)} ms`;
  }

  function row(cluster) {
    const remove = isAdmin() && cluster.id !== "local"
      ? el("button", { type: "button", class: "btn small danger", "data-id": cluster.id }, "Xoá")
      : null;
    if (remove) {
      remove.addEventListener("click", () => {
        if (!window.confirm(`Xoá cụm loa “${cluster.name}”? Mã truy cập của cụm sẽ hết hiệu lực ngay.`)) return;
        run(remove, async () => {
          await api("DELETE", `/api/clusters/${encodeURIComponent(cluster.id)}`);
          showNotice(`Đã xoá cụm loa “${cluster.name}”.`);
          await load();
        });
      });
    }
    const problems = (cluster.errors || []).length
      ? el("div", { class: "muted small" }, cluster.errors.join(" "))
      : null;
    return el("tr", { "data-cluster": cluster.id },
      el("td", {}, el("strong", {}, cluster.name), el("div", { class: "muted small" }, cluster.id), problems),
      el("td", { "data-label": "Khu vực" }, cluster.zone || "—"),
      el("td", { "data-label": "Trực tuyến" }, yesNo(cluster.online, "Trực tuyến", "Mất kết nối")),
      el("td", { "data-label": "Đồng bộ" }, yesNo(cluster.in_sync, "Đã đồng bộ", "Chưa đồng bộ")),
      el("td", { class: "num", "data-label": "Lệch giờ" }, offsetText(cluster.clock_offset_ms)),
      el("td", { "data-label": "Phát gần nhất" }, lastAired(cluster.last_aired)),
      el("td", { "data-label": "Liên lạc lần cuối" }, cluster.last_seen ? dateTimeText(cluster.last_seen) : "—"),
      el("td", {}, remove));
  }

  async function load() {
    const clusters = (await api("GET", "/api/clusters")) || [];
    const body = clear($("clusters-body"));
    for (const cluster of clusters) body.append(row(cluster));
  }

  function setup() {
    if (!isAdmin()) return;
    $("cluster-add-card").classList.remove("hidden");
    $("cluster-add-form").addEventListener("submit", (event) => {
      event.preventDefault();
      run($("cluster-add"), async () => {
        const created = await api("POST", "/api/clusters", {
          id: $("cluster-id").value.trim(),
          name: $("cluster-name").value.trim(),
          zone: $("cluster-zone").value.trim(),
        });
        const box = clear($("cluster-token"));
        box.append(
          el("p", {}, `Đã thêm cụm loa “${created.name}”. Mã truy cập (chỉ hiện một lần, hãy ghi lại):`),
          el("pre", { id: "cluster-token-value" }, created.token),
          el("p", { class: "muted small" },
            `Trên máy của cụm loa: broadcast agent --station ${window.location.origin} --cluster ${created.id} --token …`));
        box.classList.remove("hidden");
        $("cluster-add-form").reset();
        await load();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    setup();
    run(null, load);
    window.setInterval(() => run(null, load), 10_000);
  });
})();
