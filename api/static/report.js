/* "Báo cáo thời lượng": minutes and broadcasts per topic per month, with a CSV export. */
"use strict";

(() => {
  const { api, el, clear, run } = Loa;
  const $ = (id) => document.getElementById(id);

  const monthText = (month) => {
    const [y, m] = month.split("-");
    return `Tháng ${Number(m)}/${y}`;
  };
  const number = (value) => new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 }).format(value);

  function query() {
    const params = new URLSearchParams();
    if ($("report-from").value) params.set("from", $("report-from").value);
    if ($("report-to").value) params.set("to", $("report-to").value);
    return params.toString();
  }

  function render(rows) {
    const box = clear($("report-table"));
    if (!rows.length) {
      box.append(el("p", { class: "muted" }, "Chưa có buổi phát nào trong khoảng này."));
      return;
    }
    const minutes = rows.reduce((sum, r) => sum + r.minutes, 0);
    const broadcasts = rows.reduce((sum, r) => sum + r.broadcasts, 0);
    box.append(el("table", { id: "report" },
      el("thead", {}, el("tr", {},
        el("th", {}, "Tháng"), el("th", {}, "Chuyên mục"),
        el("th", { class: "num" }, "Số phút"), el("th", { class: "num" }, "Số buổi"))),
      el("tbody", {}, rows.map((r) => el("tr", {},
        el("td", {}, monthText(r.month)), el("td", {}, r.topic || "(chưa phân loại)"),
        el("td", { class: "num" }, number(r.minutes)), el("td", { class: "num" }, String(r.broadcasts))))),
      el("tfoot", {}, el("tr", {},
        el("td", { colspan: 2 }, "Tổng cộng"),
        el("td", { class: "num" }, number(minutes)), el("td", { class: "num" }, String(broadcasts))))));
  }

  async function load() {
    const q = query();
    $("report-csv").setAttribute("href", `/api/reports/airtime.csv${q ? "?" + q : ""}`);
    render((await api("GET", `/api/reports/airtime${q ? "?" + q : ""}`)) || []);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const month = Loa.localDate(new Date()).slice(0, 7);
    const [y, m] = month.split("-").map(Number);
    const back = new Date(Date.UTC(y, m - 1 - 5, 1)).toISOString().slice(0, 7);
    $("report-from").value = back;
    $("report-to").value = month;
    $("report-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      run($("report-submit"), load);
    });
    run(null, load);
  });
})();
