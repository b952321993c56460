/* "Báo cáo thời lượng": minutes and broadcasts per column per month, each speaker cluster on its
   own (with its totals); Excel and CSV files. */
"use strict";

(() => {
  const { api, el, clear, run } = Loa;
  const $ = (id) => document.getElementById(id);

  const monthText = (month) => {
    const [y, m] = month.split("-");
    return `Tháng ${Number(m)}/${y}`;
  };
  const number = (value) => new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 }).format(value);
  const pick = (prefix) => `${$(`${prefix}-year`).value}-${$(`${prefix}-month`).value}`;
  const SOURCES = { station: "Đài tự phát", relay: "Tiếp sóng", live: "Phát trực tiếp" };
  let clusterList = [];

  const clusterName = (id) => {
    const found = clusterList.find((c) => c.id === id);
    if (found) return found.name;
    return id === "local" ? "Loa tại đài" : id;
  };

  function query() {
    const q = { from: pick("report-from"), to: pick("report-to") };
    if ($("report-cluster").value) q.cluster = $("report-cluster").value;
    return new URLSearchParams(q).toString();
  }

  const sum = (rows, key) => rows.reduce((total, r) => total + r[key], 0);

  function render(rows) {
    const box = clear($("report-table"));
    if (!rows.length) {
      box.append(el("p", { class: "muted" }, "Chưa có buổi phát nào trong khoảng này."));
      return;
    }
    const clusterIds = [...new Set(rows.map((r) => r.cluster))];
    const manyClusters = clusterIds.length > 1 || clusterList.length > 0;
    const sources = rows.some((r) => r.source && r.source !== "station");
    const heads = ["Tháng", "Chuyên mục", sources ? "Nguồn" : null, manyClusters ? "Cụm loa" : null].filter(Boolean);
    const cell = (label, value, cls) => el("td", { "data-label": label, class: cls || null }, value);
    // One total per cluster: a broadcast heard in three villages counts in each of the three,
    // so the clusters are never added up together.
    const totals = clusterIds.map((id) => {
      const mine = rows.filter((r) => r.cluster === id);
      return el("tr", { "data-cluster-total": id },
        el("td", { colspan: heads.length },
          clusterIds.length > 1 || manyClusters ? `Tổng — ${clusterName(id)}` : "Tổng cộng"),
        cell("Số phút", number(sum(mine, "minutes")), "num"),
        cell("Số buổi phát", String(sum(mine, "broadcasts")), "num"));
    });
    box.append(el("table", { id: "report", class: "cards" },
      el("thead", {}, el("tr", {}, heads.map((h) => el("th", {}, h)),
        el("th", { class: "num" }, "Số phút"), el("th", { class: "num" }, "Số buổi phát"))),
      el("tbody", {}, rows.map((r) => el("tr", { "data-cluster": r.cluster },
        cell("Tháng", monthText(r.month)), cell("Chuyên mục", r.topic_name || "(chưa phân loại)"),
        sources ? cell("Nguồn", SOURCES[r.source] || r.source) : null,
        manyClusters ? cell("Cụm loa", clusterName(r.cluster)) : null,
        cell("Số phút", number(r.minutes), "num"), cell("Số buổi phát", String(r.broadcasts), "num")))),
      el("tfoot", {}, totals)));
    if (clusterIds.length > 1) {
      box.append(el("p", { class: "muted small" },
        "Mỗi cụm loa được tính riêng: một buổi phát ở ba cụm loa được tính ở cả ba cụm."));
    }
  }

  async function loadClusters() {
    clusterList = await Loa.clusters();
    if (!clusterList.length) return;
    const select = $("report-cluster");
    for (const c of clusterList) select.append(el("option", { value: c.id }, c.name));
    $("report-cluster-box").classList.remove("hidden");
  }

  async function load() {
    if (pick("report-from") > pick("report-to")) throw new Error("Tháng bắt đầu phải trước tháng kết thúc.");
    const q = query();
    $("report-csv").setAttribute("href", `/api/reports/airtime.csv?${q}`);
    $("report-xlsx").setAttribute("href", `/api/reports/airtime.xlsx?${q}`);
    render((await api("GET", `/api/reports/airtime?${q}`)) || []);
  }

  function fill(prefix, year, month) {
    const months = clear($(`${prefix}-month`));
    for (let m = 1; m <= 12; m++) months.append(el("option", { value: String(m).padStart(2, "0") }, `Tháng ${m}`));
    const years = clear($(`${prefix}-year`));
    const now = Number(Loa.localDate(new Date()).slice(0, 4));
    for (let y = now - 5; y <= now + 1; y++) years.append(el("option", { value: String(y) }, String(y)));
    months.value = String(month).padStart(2, "0");
    years.value = String(year);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const [y, m] = Loa.localDate(new Date()).slice(0, 7).split("-").map(Number);
    const back = new Date(Date.UTC(y, m - 1 - 5, 1));
    fill("report-from", back.getUTCFullYear(), back.getUTCMonth() + 1);
    fill("report-to", y, m);
    $("report-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      run($("report-submit"), load);
    });
    run(null, async () => {
      await loadClusters();
      await load();
    });
  });
})();
