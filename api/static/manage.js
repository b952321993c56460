/* "Quản lý": the columns (one list for scripts, programs and reports) and, for an admin, the
   accounts (create, reset a password, change the role, disable). */
"use strict";

(() => {
  const { api, el, clear, run, showNotice } = Loa;
  const $ = (id) => document.getElementById(id);

  async function loadColumns() {
    const list = await Loa.columns(true);
    const box = clear($("column-list"));
    if (!list.length) {
      box.append(el("p", { class: "muted" }, "Chưa có chuyên mục nào."));
      return;
    }
    box.append(el("ul", { class: "plain", id: "columns" }, list.map((c) => {
      const actions = [];
      if (Loa.can.edit()) {
        const rename = el("button", { type: "button", class: "small", "data-action": "rename" }, "Đổi tên");
        const holder = el("div", {});
        rename.addEventListener("click", () => {
          if (holder.querySelector("input")) return;
          const input = el("input", { type: "text", value: c.name, "aria-label": "Tên mới" });
          const save = el("button", { type: "button", class: "primary small" }, "Lưu tên");
          save.addEventListener("click", () => run(save, async () => {
            await api("PUT", `/api/columns/${encodeURIComponent(c.id)}`, { name: input.value.trim() });
            showNotice(`Đã đổi tên chuyên mục thành “${input.value.trim()}”.`);
            await loadColumns();
          }));
          holder.append(el("div", { class: "row" }, input, save));
          input.focus();
        });
        const remove = el("button", { type: "button", class: "small", "data-action": "delete" }, "Xóa");
        remove.addEventListener("click", async () => {
          const ok = await Loa.confirmBox({ title: `Xóa chuyên mục “${c.name}”?`, body: ["Chỉ xóa được chuyên mục chưa dùng ở đâu."], ok: "Xóa", danger: true });
          if (!ok) return;
          run(remove, async () => {
            await api("DELETE", `/api/columns/${encodeURIComponent(c.id)}`);
            showNotice(`Đã xóa chuyên mục “${c.name}”.`);
            await loadColumns();
          });
        });
        actions.push(rename, remove);
        return el("li", { "data-column": c.id }, el("div", { class: "item-head" }, el("span", { class: "title" }, c.name)),
          el("div", { class: "actions" }, actions), holder);
      }
      return el("li", { "data-column": c.id }, el("span", { class: "title" }, c.name));
    })));
  }

  async function loadUsers() {
    const users = (await api("GET", "/api/users")) || [];
    const box = clear($("user-list"));
    const rows = users.map((u) => {
      const self = u.name === Loa.userName();
      const role = el("select", { "aria-label": `Vai trò của ${u.name}`, disabled: self, "data-action": "role" },
        Object.entries(Loa.ROLE_LABELS).map(([value, label]) => el("option", { value }, label)));
      role.value = u.role;
      role.addEventListener("change", () => run(role, async () => {
        await api("PATCH", `/api/users/${encodeURIComponent(u.name)}`, { role: role.value });
        showNotice(`“${u.name}” giờ là ${Loa.ROLE_LABELS[role.value]}.`);
        await loadUsers();
      }));
      const reset = el("button", { type: "button", class: "small", "data-action": "password" }, "Đặt lại mật khẩu");
      const holder = el("div", {});
      reset.addEventListener("click", () => {
        if (holder.querySelector("input")) return;
        const input = el("input", { type: "password", "aria-label": `Mật khẩu mới của ${u.name}`, autocomplete: "new-password" });
        const save = el("button", { type: "button", class: "primary small" }, "Lưu mật khẩu");
        save.addEventListener("click", () => run(save, async () => {
          if (input.value.length < 8) throw new Error("Mật khẩu phải có ít nhất 8 ký tự.");
          await api("PUT", `/api/users/${encodeURIComponent(u.name)}/password`, { password: input.value });
          clear(holder);
          showNotice(`Đã đặt mật khẩu mới cho “${u.name}”.`);
        }));
        holder.append(el("div", { class: "row" }, input, save));
        input.focus();
      });
      const toggle = el("button", { type: "button", class: "small", "data-action": u.disabled ? "enable" : "disable", disabled: self },
        u.disabled ? "Mở khoá" : "Khoá tài khoản");
      toggle.addEventListener("click", async () => {
        if (!u.disabled) {
          const ok = await Loa.confirmBox({ title: `Khoá tài khoản “${u.name}”?`, body: ["Người này sẽ bị đăng xuất và không đăng nhập được nữa cho đến khi mở khoá."], ok: "Khoá tài khoản", danger: true });
          if (!ok) return;
        }
        run(toggle, async () => {
          await api("PATCH", `/api/users/${encodeURIComponent(u.name)}`, { disabled: !u.disabled });
          showNotice(u.disabled ? `Đã mở khoá “${u.name}”.` : `Đã khoá “${u.name}”.`);
          await loadUsers();
        });
      });
      return el("tr", { "data-user": u.name },
        el("td", { "data-label": "Tên" }, el("strong", {}, u.name), self ? " (bạn)" : ""),
        el("td", { "data-label": "Vai trò" }, role),
        el("td", { "data-label": "Trạng thái" }, u.disabled ? Loa.badge("paused", "Đã khoá") : (u.has_password ? "Đang dùng" : "Chưa có mật khẩu")),
        el("td", { "data-label": "Việc" }, el("div", { class: "actions" }, reset, toggle), holder));
    });
    box.append(el("table", { id: "users", class: "cards" },
      el("thead", {}, el("tr", {}, ["Tên", "Vai trò", "Trạng thái", "Việc"].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows)));
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".edit-only").forEach((n) => n.classList.toggle("hidden", !Loa.can.edit()));
    $("column-form").addEventListener("submit", (event) => {
      event.preventDefault();
      run($("column-submit"), async () => {
        const name = $("column-name").value.trim();
        if (!name) throw new Error("Vui lòng nhập tên chuyên mục.");
        await api("POST", "/api/columns", { name });
        $("column-name").value = "";
        showNotice(`Đã thêm chuyên mục “${name}”.`);
        await loadColumns();
      });
    });
    run(null, loadColumns);
    if (Loa.can.admin()) {
      $("users-card").classList.remove("hidden");
      $("user-form").addEventListener("submit", (event) => {
        event.preventDefault();
        run($("user-submit"), async () => {
          const name = $("account-name").value.trim();
          const password = $("user-password").value;
          if (!name) throw new Error("Vui lòng nhập tên đăng nhập.");
          if (password.length < 8) throw new Error("Mật khẩu phải có ít nhất 8 ký tự.");
          await api("POST", "/api/users", { name, role: $("user-role").value, password });
          $("user-form").reset();
          showNotice(`Đã tạo tài khoản “${name}”: người đó đăng nhập bằng tên và mật khẩu vừa đặt.`);
          await loadUsers();
        });
      });
      run(null, loadUsers);
    }
  });
})();
