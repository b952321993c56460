/* Loa operator page: shared helpers (no build step, no framework).
   Every mutation goes through the JSON API with the session cookie and the X-CSRF-Token header. */
"use strict";

const Loa = (() => {
  const meta = (name) => {
    const node = document.querySelector(`meta[name="${name}"]`);
    return node ? node.getAttribute("content") || "" : "";
  };

  const csrfToken = () => meta("csrf-token") || sessionStorage.getItem("loa_csrf") || "";
  const role = () => meta("loa-role");
  const userName = () => meta("loa-user");
  const timezone = () => meta("loa-timezone") || "Asia/Ho_Chi_Minh";

  const ROLE_LABELS = {
    admin: "Quản trị",
    approver: "Lãnh đạo duyệt",
    editor: "Biên tập viên",
    operator: "Nhân viên vận hành",
  };
  const STATUS_LABELS = {
    planned: "Đã lên lịch",
    rendered: "Đã dựng",
    on_air: "Đang phát",
    aired: "Đã phát",
    late: "Phát trễ",
    missed: "Bị lỡ",
    failed: "Lỗi",
    skipped: "Đã bỏ qua",
    interrupted: "Bị ngắt",
  };
  const PRIORITY_LABELS = { normal: "Thường", priority: "Ưu tiên", emergency: "Khẩn cấp" };
  const SCRIPT_STATUS_LABELS = { draft: "Bản nháp", approved: "Đã duyệt" };
  const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const WEEKDAY_LABELS = {
    mon: "Thứ Hai", tue: "Thứ Ba", wed: "Thứ Tư", thu: "Thứ Năm",
    fri: "Thứ Sáu", sat: "Thứ Bảy", sun: "Chủ nhật",
  };
  const WEEKDAY_SHORT = { mon: "T2", tue: "T3", wed: "T4", thu: "T5", fri: "T6", sat: "T7", sun: "CN" };

  const can = {
    edit: () => ["admin", "approver", "editor"].includes(role()),
    approve: () => ["admin", "approver"].includes(role()),
    admin: () => role() === "admin",
    announceText: () => ["admin", "approver"].includes(role()),
    onAir: () => ["admin", "approver", "editor", "operator"].includes(role()),
  };

  class ApiError extends Error {
    constructor(status, code, message, body) {
      super(message);
      this.status = status;
      this.code = code;
      this.body = body;
    }
  }

  function loginUrl() {
    const next = window.location.pathname + window.location.search;
    return "/dang-nhap?next=" + encodeURIComponent(next);
  }

  /* One request to the API: the CSRF token, a JSON or FormData body; a network failure and an
     expired session (401, sent to the login page) become ApiErrors. Returns the response. */
  async function send(method, path, body, headers = {}) {
    const init = { method, headers, credentials: "same-origin" };
    if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken();
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      throw new ApiError(0, "network_error", "Không kết nối được với máy chủ của đài. Kiểm tra mạng rồi thử lại.");
    }
    if (response.status === 401 && !path.startsWith("/api/session")) {
      window.location.assign(loginUrl());
      throw new ApiError(401, "unauthenticated", "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.");
    }
    return response;
  }

  /* The ApiError of a refused request, with the Vietnamese message the API sent. */
  function refusal(status, data) {
    const message = data && typeof data === "object" && data.message
      ? data.message
      : `Máy chủ báo lỗi (mã ${status}). Vui lòng thử lại.`;
    return new ApiError(status, (data && data.code) || "http_error", message, data);
  }

  /* Call the JSON API; returns the parsed body (or null for 204); throws ApiError with the
     Vietnamese message the API sent. */
  async function api(method, path, body) {
    const response = await send(method, path, body, { Accept: "application/json" });
    if (response.status === 204) return null;
    const type = response.headers.get("content-type") || "";
    const data = type.includes("json") ? await response.json().catch(() => null) : await response.text();
    if (!response.ok) throw refusal(response.status, data);
    return data;
  }

  /* DOM builder: el("p", {class: "x"}, "text", child). Text is never parsed as HTML. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on") && typeof value === "function") {
        node.addEventListener(key.slice(2), value);
      } else if (key === "dataset") {
        Object.assign(node.dataset, value);
      } else if (value === true) {
        node.setAttribute(key, "");
      } else {
        node.setAttribute(key, String(value));
      }
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function flash(kind, message) {
    const box = document.getElementById("flash");
    if (!box) return;
    clear(box);
    if (!message) return;
    box.append(el("div", { class: `flash ${kind}`, role: kind === "error" ? "alert" : "status" }, message));
    box.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }
  const showError = (err) => flash("error", err && err.message ? err.message : String(err));
  const showNotice = (message) => flash("notice", message);
  const clearFlash = () => flash("", "");

  /* Run an action bound to a button: disables it meanwhile, shows the API's message on error. */
  async function run(button, action) {
    if (button) button.disabled = true;
    try {
      clearFlash();
      return await action();
    } catch (err) {
      showError(err);
      return undefined;
    } finally {
      if (button) button.disabled = false;
    }
  }

  // Dates and times, always in the station's time zone.
  const fmt = (options) => new Intl.DateTimeFormat("vi-VN", { timeZone: timezone(), ...options });
  const timeText = (iso) => (iso ? fmt({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso)) : "");
  const dateText = (iso) => (iso ? fmt({ day: "2-digit", month: "2-digit", year: "numeric" }).format(new Date(iso)) : "");
  const dateTimeText = (iso) => (iso ? `${timeText(iso)} ${dateText(iso)}` : "");

  function localParts(date) {
    const parts = {};
    for (const p of fmt({
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      second: "2-digit", hourCycle: "h23",
    }).formatToParts(date)) parts[p.type] = p.value;
    return parts;
  }

  /* "YYYY-MM-DD" of an instant in the station's time zone. */
  function localDate(date) {
    const p = new Intl.DateTimeFormat("en-CA", {
      timeZone: timezone(), year: "numeric", month: "2-digit", day: "2-digit",
    }).formatToParts(date || new Date());
    const get = (t) => p.find((x) => x.type === t).value;
    return `${get("year")}-${get("month")}-${get("day")}`;
  }

  function addDays(isoDate, days) {
    const d = new Date(isoDate + "T12:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  function weekdayOf(isoDate) {
    const d = new Date(isoDate + "T12:00:00Z");
    return WEEKDAYS[(d.getUTCDay() + 6) % 7];
  }

  function dayTitle(isoDate) {
    const [y, m, d] = isoDate.split("-");
    return `${WEEKDAY_LABELS[weekdayOf(isoDate)]}, ${d}/${m}/${y}`;
  }

  /* The station's UTC offset ("+07:00") at an instant, to build ISO strings from local input. */
  function offsetAt(date) {
    const p = localParts(date);
    const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    const minutes = Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60000);
    const sign = minutes >= 0 ? "+" : "-";
    const abs = Math.abs(minutes);
    return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  }

  /* "2026-08-03T06:30" typed in station time -> ISO 8601 with the station's offset. */
  function localInputToIso(value) {
    if (!value) return "";
    const withSeconds = value.length === 16 ? value + ":00" : value;
    return withSeconds + offsetAt(new Date(withSeconds + "Z"));
  }

  /* ISO instant -> "2026-08-03T06:30" in station time, for a datetime-local input. */
  function isoToLocalInput(iso) {
    const p = localParts(new Date(iso));
    return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
  }

  function durationText(seconds) {
    if (seconds === null || seconds === undefined) return "";
    const total = Math.round(seconds);
    const m = Math.floor(total / 60);
    const s = total % 60;
    return m ? `${m} phút ${s ? s + " giây" : ""}`.trim() : `${s} giây`;
  }

  const badge = (cls, text) => el("span", { class: `badge ${cls}` }, text);
  const statusBadge = (status) => badge(`status-${status}`, STATUS_LABELS[status] || status);
  const priorityBadge = (priority) =>
    priority && priority !== "normal" ? badge(`prio-${priority}`, PRIORITY_LABELS[priority] || priority) : null;
  const scriptBadge = (status) => badge(`script-${status}`, SCRIPT_STATUS_LABELS[status] || status);

  async function logout() {
    try {
      await api("DELETE", "/api/session");
    } catch (err) {
      // Logging out of an expired session still ends on the login page.
    }
    sessionStorage.removeItem("loa_csrf");
    window.location.assign("/dang-nhap");
  }

  /* File inputs with a Vietnamese button and the chosen file's name, whatever the browser's
     own language. The real input stays in the form (and keyboard-focusable). */
  function filePickers() {
    for (const input of document.querySelectorAll('input[type="file"]')) {
      const empty = "Chưa chọn tệp nào";
      const name = el("span", { class: "file-name muted" }, empty);
      const button = el("label", { for: input.id, class: "btn" }, "Chọn tệp…");
      const picker = el("div", { class: "file-picker" });
      input.replaceWith(picker);
      picker.append(input, button, name);
      input.addEventListener("change", () => {
        name.textContent = input.files.length ? input.files[0].name : empty;
      });
      if (input.form) input.form.addEventListener("reset", () => { name.textContent = empty; });
    }
  }

  /* The first sentences of a text, so that a confirmation says which text it is about. */
  function excerpt(text, sentences = 2, max = 280) {
    const flat = String(text || "").replace(/\s+/g, " ").trim();
    const parts = flat.match(/[^.!?…]+[.!?…]*/g) || [flat];
    let out = parts.slice(0, sentences).join(" ").trim();
    if (out.length > max) out = out.slice(0, max).replace(/\s+\S*$/, "") + "…";
    else if (parts.length > sentences) out += " …";
    return out;
  }

  /* An in-page confirmation (the browser's confirm() cannot show the text): resolves true
     when the person agrees. ``body``: nodes or text; ``quote``: the text being acted on. */
  function confirmBox({ title, body, quote, ok = "Đồng ý", danger = false }) {
    const dialog = document.getElementById("confirm-dialog");
    document.getElementById("confirm-dialog-title").textContent = title;
    const box = clear(document.getElementById("confirm-dialog-body"));
    for (const part of [].concat(body || [])) box.append(typeof part === "string" ? el("p", {}, part) : part);
    if (quote) box.append(el("blockquote", { class: "excerpt", id: "confirm-dialog-quote" }, quote));
    const okButton = document.getElementById("confirm-dialog-ok");
    okButton.textContent = ok;
    okButton.className = danger ? "danger" : "primary";
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  // Columns (chuyên mục): one list, shown by name everywhere.
  let columnsCache = null;
  async function columns(reload) {
    if (!columnsCache || reload) columnsCache = (await api("GET", "/api/columns")) || [];
    return columnsCache;
  }
  function fillColumnSelect(select, list, { empty = "— Chưa chọn —", chosen } = {}) {
    const keep = chosen !== undefined ? chosen : select.value;
    clear(select);
    select.append(el("option", { value: "" }, empty));
    for (const c of list) select.append(el("option", { value: c.id }, c.name));
    select.value = keep || "";
  }

  /* An audio answer of the API (a sample, a recording) as a Blob; errors as for api(). */
  async function audioBlob(method, path, body) {
    const response = await send(method, path, body);
    if (!response.ok) throw refusal(response.status, await response.json().catch(() => null));
    return response.blob();
  }

  /* The speaker clusters (cụm loa), "local" (the station's own loudspeakers) first; an empty
     list when the station has no cluster service, or none but its own loudspeakers. */
  let clustersCache = null;
  async function clusters() {
    if (!clustersCache) {
      try {
        clustersCache = (await api("GET", "/api/clusters")) || [];
      } catch (err) {
        if (err.status !== 503) throw err;
        clustersCache = [];
      }
    }
    return clustersCache.some((c) => c.id !== "local") ? clustersCache : [];
  }
  const clusterText = (ids, list) => (ids && ids.length
    ? ids.map((id) => (list.find((c) => c.id === id) || { name: id }).name).join(", ")
    : "mọi cụm loa");

  /* "Phát ở": every cluster, chosen clusters, or (``zones``) the clusters of a zone. Returns
     {node, value(), set(ids), reset()}: value() is {} (everywhere), {clusters: [...]} or
     {zone}; with ``zoneAsClusters`` a zone gives {clusters: the ids of its clusters now}
     (for what takes cluster ids only, e.g. a slot), and a hint says so. value() throws a
     Vietnamese Error when "chosen" has nothing ticked. set(ids): null → everywhere, else
     "chosen" with those ticked. */
  function clusterPicker(list, { prefix, zones = false, zoneAsClusters = false }) {
    const zoneNames = [...new Set(list.map((c) => c.zone).filter(Boolean))];
    const withZones = zones && zoneNames.length > 0;
    const radio = (value, label, checked, ...extra) => el("label", { class: "inline" },
      el("input", { type: "radio", name: `${prefix}-where`, value, id: `${prefix}-where-${value}`, checked }), label, ...extra);
    const boxes = el("div", { class: "cluster-boxes hidden", id: `${prefix}-clusters`, role: "group", "aria-label": "Các cụm loa" },
      list.map((c) => el("label", { class: "inline" },
        el("input", { type: "checkbox", value: c.id, name: `${prefix}-cluster` }), c.name)));
    const zoneSelect = el("select", { id: `${prefix}-zone`, class: "hidden", "aria-label": "Vùng" },
      zoneNames.map((z) => el("option", { value: z }, z)));
    const zoneHint = zoneAsClusters
      ? el("span", { class: "muted small", id: `${prefix}-zone-hint` }, " (các cụm loa hiện có của vùng này)")
      : null;
    const node = el("fieldset", { class: "cluster-picker", id: `${prefix}-where` },
      el("legend", {}, "Cụm loa phát"),
      radio("all", "Mọi cụm loa", true), radio("some", "Chỉ các cụm loa đã chọn", false),
      withZones ? radio("zone", "Các cụm loa của một vùng", false, zoneHint) : null,
      boxes, withZones ? zoneSelect : null);
    const chosen = () => node.querySelector(`input[name="${prefix}-where"]:checked`).value;
    node.addEventListener("change", () => {
      boxes.classList.toggle("hidden", chosen() !== "some");
      zoneSelect.classList.toggle("hidden", chosen() !== "zone");
    });
    function value() {
      if (chosen() === "some") {
        const ids = [...boxes.querySelectorAll("input:checked")].map((b) => b.value);
        if (!ids.length) throw new Error("Vui lòng chọn ít nhất một cụm loa (hoặc chọn “Mọi cụm loa”).");
        return { clusters: ids };
      }
      if (chosen() === "zone") {
        if (!zoneAsClusters) return { zone: zoneSelect.value };
        const ids = list.filter((c) => c.zone === zoneSelect.value).map((c) => c.id);
        if (!ids.length) throw new Error(`Vùng “${zoneSelect.value}” không còn cụm loa nào.`);
        return { clusters: ids };
      }
      return {};
    }
    function set(ids) {
      const some = Array.isArray(ids) && ids.length > 0;
      node.querySelector(`#${prefix}-where-${some ? "some" : "all"}`).checked = true;
      for (const b of boxes.querySelectorAll("input")) b.checked = some && ids.includes(b.value);
      node.dispatchEvent(new Event("change"));
    }
    const reset = () => set(null);
    return { node, value, set, reset };
  }

  // Voices by what they are to an operator, never by engine name.
  const VOICE_LABELS = { gtts: "giọng đọc trực tuyến (Google)", espeak: "giọng máy dự phòng (không cần mạng)", fake: "giọng thử" };
  const voiceText = (engines) => (engines || []).map((e) => VOICE_LABELS[e] || "giọng đọc khác").join(", ");

  /* Dates as dd/mm/yyyy and times as 24-hour HH:MM whatever the browser's language:
     date inputs become text (the ISO value stays in a hidden input with the original id). */
  function parseDay(text) {
    const m = String(text || "").trim().match(/^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/);
    if (!m) return "";
    const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return "";
    return `${y}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  }
  const dayInput = (iso) => (iso ? `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}` : "");
  function parseClock(text) {
    const m = String(text || "").trim().match(/^(\d{1,2})[:hH.](\d{2})$/);
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) return "";
    return `${m[1].padStart(2, "0")}:${m[2]}`;
  }
  function setDate(id, iso) {
    const hidden = document.getElementById(id);
    hidden.value = iso || "";
    const shown = document.getElementById(`${id}-text`);
    if (shown) shown.value = dayInput(iso);
  }
  function dateFields(root) {
    for (const input of (root || document).querySelectorAll('input[type="date"]')) {
      const shown = el("input", {
        type: "text", id: `${input.id}-text`, inputmode: "numeric", placeholder: "dd/mm/yyyy",
        autocomplete: "off", class: "date-text", "aria-label": input.getAttribute("aria-label") || null,
      });
      const label = document.querySelector(`label[for="${input.id}"]`);
      if (label) label.setAttribute("for", shown.id);
      shown.value = dayInput(input.value);
      input.type = "hidden";
      input.after(shown);
      const sync = () => {
        input.value = parseDay(shown.value);
        shown.classList.toggle("invalid", Boolean(shown.value.trim()) && !input.value);
        input.dispatchEvent(new Event("change"));
      };
      shown.addEventListener("input", sync);
      shown.addEventListener("blur", () => { if (input.value) shown.value = dayInput(input.value); });
    }
    for (const input of (root || document).querySelectorAll('input[type="time"]')) timePicker(input);
  }

  /* A 24-hour time field: typed as HH:MM, or picked from a panel of hours (00–23) and
     minutes (every 5; any minute can be typed). The same on every browser and language. */
  const pad2 = (n) => String(n).padStart(2, "0");
  function timePicker(input) {
    if (input.closest(".time-picker")) return input;
    input.type = "text";
    input.setAttribute("inputmode", "numeric");
    input.setAttribute("placeholder", "HH:MM (24 giờ)");
    input.setAttribute("autocomplete", "off");
    input.classList.add("time-text");
    input.addEventListener("blur", () => { const v = parseClock(input.value); if (v) input.value = v; });
    const name = input.getAttribute("aria-label")
      || (input.id && document.querySelector(`label[for="${input.id}"]`)?.textContent) || "giờ";
    const open = el("button", {
      type: "button", class: "time-open", "aria-haspopup": "dialog", "aria-expanded": "false",
      "aria-label": `Chọn ${name.split("(")[0].trim().toLowerCase()}`, title: "Chọn giờ",
    }, "Chọn");
    const panel = el("div", { class: "time-panel hidden", role: "dialog", "aria-label": "Chọn giờ (24 giờ)" });
    const wrap = el("div", { class: "time-picker" });
    input.replaceWith(wrap);
    wrap.append(input, open, panel);
    const current = () => (parseClock(input.value) || "").split(":");
    const set = (hour, minute) => {
      input.value = `${hour}:${minute}`;
      input.classList.remove("invalid");
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    };
    function close(focus) {
      panel.classList.add("hidden");
      open.setAttribute("aria-expanded", "false");
      document.removeEventListener("pointerdown", outside, true);
      if (focus) input.focus();
    }
    function outside(event) {
      if (!wrap.contains(event.target)) close(false);
    }
    function render() {
      const [hour, minute] = current();
      const grid = (label, values, chosen, pick, cls) => el("div", { class: "time-group" },
        el("div", { class: "time-label" }, label),
        el("div", { class: `time-grid ${cls}` }, values.map((v) => el("button", {
          type: "button", "aria-pressed": String(v === chosen), "data-value": v,
          onclick: () => pick(v),
        }, v))));
      clear(panel).append(
        grid("Giờ", Array.from({ length: 24 }, (_, i) => pad2(i)), hour, (h) => {
          set(h, current()[1] || "00");
          render();
          const first = panel.querySelector(".minutes button[aria-pressed='true']") || panel.querySelector(".minutes button");
          if (first) first.focus();
        }, "hours"),
        grid("Phút", Array.from({ length: 12 }, (_, i) => pad2(i * 5)), minute, (m) => {
          set(current()[0] || "00", m);
          close(true);
        }, "minutes"));
    }
    open.addEventListener("click", () => {
      if (!panel.classList.contains("hidden")) return close(true);
      render();
      panel.classList.remove("hidden");
      open.setAttribute("aria-expanded", "true");
      document.addEventListener("pointerdown", outside, true);
      const chosen = panel.querySelector(".hours button[aria-pressed='true']") || panel.querySelector(".hours button");
      if (chosen) chosen.focus();
    });
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        close(true);
      }
    });
    return input;
  }

  function menu() {
    const toggle = document.getElementById("menu-toggle");
    if (!toggle) return;
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      document.body.classList.toggle("menu-open", open);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const out = document.getElementById("logout");
    if (out) out.addEventListener("click", logout);
    menu();
    filePickers();
    dateFields();
  });

  return {
    api, ApiError, el, clear, flash, showError, showNotice, clearFlash, run,
    role, userName, csrfToken, can, timezone,
    ROLE_LABELS, STATUS_LABELS, PRIORITY_LABELS, SCRIPT_STATUS_LABELS, WEEKDAYS, WEEKDAY_LABELS, WEEKDAY_SHORT,
    timeText, dateText, dateTimeText, localDate, addDays, weekdayOf, dayTitle,
    localInputToIso, isoToLocalInput, durationText,
    badge, statusBadge, priorityBadge, scriptBadge,
    excerpt, confirmBox, columns, fillColumnSelect, voiceText, parseDay, parseClock, dayInput, setDate, dateFields,
    timePicker, audioBlob, clusters, clusterPicker, clusterText,
  };
})();
