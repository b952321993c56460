/* "Báo cáo thời lượng": minutes and broadcasts per column per month; Excel and CSV files. */
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

  function query() {
    return new URLSearchParams({ from: pick("report-from"), to: pick("report-to") }).toString();
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
        el("th", { class: "num" }, "Số phút"), el("th", { class: "num" }, "Số buổi phát"))),
      el("tbody", {}, rows.map((r) => el("tr", {},
        el("td", {}, monthText(r.month)), el("td", {}, r.topic_name || "(chưa phân loại)"),
        el("td", { class: "num" }, number(r.minutes)), el("td", { class: "num" }, String(r.broadcasts))))),
      el("tfoot", {}, el("tr", {},
        el("td", { colspan: 2 }, "Tổng cộng"),
        el("td", { class: "num" }, number(minutes)), el("td", { class: "num" }, String(broadcasts))))));
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
    run(null, load);
  });
})();
