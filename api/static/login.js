/* Login page: name + password -> POST /api/session, then go where the operator was headed. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("login-form");
  const safeNext = (value) =>
    value && value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\") ? value : "/";

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
