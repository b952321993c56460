/* Login page: name + password -> POST /api/session, then go where the operator was headed. */
"use strict";

// Only a path on this server may follow the login. Browsers drop tab, CR and LF anywhere in
// a URL ("/\t/evil.example" becomes "//evil.example") and read "\" as "/": such a path is
// refused, and whatever is left must resolve to this very origin.
const safeNext = (value) => {
  if (!value || !value.startsWith("/") || value.startsWith("//")) return "/";
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return "/";
  let target;
  try {
    target = new URL(value, window.location.origin);
  } catch (error) {
    return "/";
  }
  return target.origin === window.location.origin ? target.pathname + target.search + target.hash : "/";
};

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("login-form");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = document.getElementById("login-submit");
    await Loa.run(button, async () => {
      const name = document.getElementById("login-name").value.trim();
      const password = document.getElementById("login-password").value;
      if (!name || !password) throw new Error("Vui lòng nhập tên đăng nhập và mật khẩu.");
      const session = await Loa.api("POST", "/api/session", { name, password });
      if (session && session.csrf_token) sessionStorage.setItem("loa_csrf", session.csrf_token);
      window.location.assign(safeNext(form.dataset.next));
    });
  });
});
