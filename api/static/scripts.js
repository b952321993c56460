/* "Bài viết": list, create (typed or uploaded), edit, approve, reading preview, audio preview. */
"use strict";

(() => {
  const { api, el, clear, run, showNotice } = Loa;
  let scripts = [];
  let current = null;
  let audioUrl = null;

  const $ = (id) => document.getElementById(id);

  function renderList() {
    const box = clear($("script-list"));
    const filter = $("script-filter").value;
    const shown = scripts.filter((s) => !filter || s.status === filter);
    if (!shown.length) {
      box.append(el("p", { class: "muted" }, "Chưa có bài nào."));
      return;
    }
    box.append(el("ul", { class: "plain", id: "scripts" }, shown.map((s) => el("li", {
      class: current && current.id === s.id ? "selected" : null, "data-script": s.id,
    },
      el("a", { href: `/bai-viet?id=${s.id}`, class: "script-link", onclick: (event) => {
        event.preventDefault();
        select(s.id);
      } },
        el("div", { class: "item-head" }, el("span", { class: "title" }, s.title), Loa.scriptBadge(s.status)),
        el("div", { class: "muted small" }, s.topic || "Chưa có chuyên mục"))))));
    const topics = clear($("topics"));
    for (const t of [...new Set(scripts.map((s) => s.topic).filter(Boolean))].sort()) {
      topics.append(el("option", { value: t }));
    }
  }

  async function loadList() {
    try {
      scripts = (await api("GET", "/api/scripts")) || [];
      scripts.sort((a, b) => b.id - a.id);
      renderList();
    } catch (err) {
      clear($("script-list")).append(el("div", { class: "alert bad" }, err.message));
    }
  }

  function highlight(text, tokens) {
    const wanted = tokens.filter(Boolean);
    if (!wanted.length) return [text];
    const parts = [];
    let rest = text;
    while (rest) {
      let best = -1;
      let token = "";
      for (const t of wanted) {
        const at = rest.indexOf(t);
        if (at >= 0 && (best < 0 || at < best)) {
          best = at;
          token = t;
        }
      }
      if (best < 0) {
        parts.push(rest);
        break;
      }
      parts.push(rest.slice(0, best), el("mark", {}, token));
      rest = rest.slice(best + token.length);
    }
    return parts;
  }

  async function loadPreview(id) {
    const box = clear($("preview"));
    box.append(el("p", { class: "muted" }, "Đang phân tích cách đọc…"));
    try {
      const preview = await api("GET", `/api/scripts/${id}/preview`);
      clear(box);
      const sentences = (preview && preview.sentences) || [];
      const warned = sentences.filter((s) => (s.warnings || []).length).length;
      box.append(el("p", { class: warned ? "alert warn" : "alert good", id: "preview-summary" },
        warned ? `${sentences.length} câu, ${warned} câu cần xem lại.` : `${sentences.length} câu, không có cảnh báo.`));
      box.append(el("ol", { class: "sentences", id: "sentences" }, sentences.map((s) => {
        const warnings = s.warnings || [];
        return el("li", { class: warnings.length ? "has-warning" : null },
          el("div", { class: "reading" }, highlight(s.reading || "", [])),
          s.original !== s.reading
            ? el("div", { class: "original" }, "Bài gốc: ", highlight(s.original || "", warnings.map((w) => w.token)))
            : null,
          warnings.map((w) => el("div", { class: "warning" }, `⚠ ${w.message}`)));
      })));
    } catch (err) {
      clear(box).append(el("div", { class: "alert bad" }, err.message));
    }
  }

  function resetAudio() {
    const player = $("player");
    player.removeAttribute("src");
    player.load();
    player.classList.add("hidden");
    if (audioUrl) URL.revokeObjectURL(audioUrl);
    audioUrl = null;
  }

  function showEditor(script) {
    current = script;
    $("editor-title").textContent = script.title;
    $("editor-body").classList.remove("hidden");
    const status = clear($("editor-status"));
    status.append(Loa.scriptBadge(script.status), " ",
      el("span", { class: "muted small" },
        script.status === "approved" && script.approved_by
          ? `Duyệt bởi ${script.approved_by}${script.approved_at ? " lúc " + Loa.dateTimeText(script.approved_at) : ""}`
          : `Bản sửa số ${script.revision || 1}`));
    $("edit-title").value = script.title || "";
    $("edit-topic").value = script.topic || "";
    $("edit-text").value = script.text || "";
    $("edit-hint").textContent = script.status === "approved"
      ? "Lưu thay đổi sẽ đưa bài về bản nháp; bài phải được duyệt lại trước khi phát."
      : "Bài phải được lãnh đạo duyệt trước khi đưa lên sóng.";
    $("approve").classList.toggle("hidden", !(Loa.can.approve() && script.status !== "approved"));
    for (const id of ["edit-title", "edit-topic", "edit-text"]) $(id).readOnly = !Loa.can.edit();
    resetAudio();
    renderList();
    loadPreview(script.id);
  }

  async function select(id) {
    await run(null, async () => {
      const script = await api("GET", `/api/scripts/${id}`);
      const url = new URL(window.location.href);
      url.searchParams.set("id", String(id));
      window.history.replaceState(null, "", url);
      showEditor(script);
    });
  }

  async function afterCreate(script, message) {
    await loadList();
    await select(script.id);
    showNotice(message);
  }

  function setup() {
    document.querySelectorAll(".edit-only").forEach((n) => n.classList.toggle("hidden", !Loa.can.edit()));
    $("script-filter").addEventListener("change", renderList);

    $("upload-form").addEventListener("submit", (event) => {
      event.preventDefault();
      run($("upload-submit"), async () => {
        const file = $("upload-file").files[0];
        if (!file) throw new Error("Vui lòng chọn một tệp.");
        const form = new FormData();
        form.append("file", file);
        if ($("upload-title-input").value.trim()) form.append("title", $("upload-title-input").value.trim());
        if ($("upload-topic").value.trim()) form.append("topic", $("upload-topic").value.trim());
        const script = await api("POST", "/api/scripts/upload", form);
        $("upload-form").reset();
        await afterCreate(script, `Đã tải lên bài “${script.title}”.`);
      });
    });

    $("new-form").addEventListener("submit", (event) => {
      event.preventDefault();
      run($("new-submit"), async () => {
        const script = await api("POST", "/api/scripts", {
          title: $("new-title-input").value.trim(),
          topic: $("new-topic").value.trim(),
          text: $("new-text").value,
        });
        $("new-form").reset();
        await afterCreate(script, `Đã lưu bản nháp “${script.title}”.`);
      });
    });

    $("edit-form").addEventListener("submit", (event) => {
      event.preventDefault();
      if (!current) return;
      run($("edit-save"), async () => {
        const script = await api("PUT", `/api/scripts/${current.id}`, {
          title: $("edit-title").value.trim(),
          topic: $("edit-topic").value.trim(),
          text: $("edit-text").value,
        });
        showNotice("Đã lưu thay đổi.");
        await loadList();
        showEditor(script);
      });
    });

    $("approve").addEventListener("click", () => {
      if (!current) return;
      run($("approve"), async () => {
        const title = current.title;
        const id = current.id;
        let script;
        try {
          // The revision on screen: if someone edited the text since, the API refuses (409).
          script = await api("POST", `/api/scripts/${id}/approve`, { revision: current.revision });
        } catch (err) {
          if (err.code === "revision_changed") {
            await loadList();
            await select(id); // show the text as it is now; the message says what happened
          }
          throw err;
        }
        await loadList();
        if (script && script.id) showEditor(script);
        else await select(current.id);
        showNotice(`Đã duyệt bài “${title}”.`);
      });
    });

    $("delete-script").addEventListener("click", () => {
      if (!current || !window.confirm(`Xóa bài “${current.title}”? Không thể hoàn tác.`)) return;
      run($("delete-script"), async () => {
        await api("DELETE", `/api/scripts/${current.id}`);
        showNotice(`Đã xóa bài “${current.title}”.`);
        current = null;
        $("editor-body").classList.add("hidden");
        $("editor-title").textContent = "Chọn một bài để xem";
        await loadList();
      });
    });

    $("listen").addEventListener("click", () => {
      if (!current) return;
      const button = $("listen");
      run(button, async () => {
        button.textContent = "Đang dựng…";
        try {
          const response = await fetch(`/api/scripts/${current.id}/audio`, { credentials: "same-origin" });
          if (!response.ok) {
            const body = await response.json().catch(() => null);
            throw new Error((body && body.message) || `Không dựng được bản nghe thử (mã ${response.status}).`);
          }
          resetAudio();
          audioUrl = URL.createObjectURL(await response.blob());
          const player = $("player");
          player.src = audioUrl;
          player.classList.remove("hidden");
          player.play().catch(() => {});
        } finally {
          button.textContent = "▶ Dựng và nghe thử";
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", async () => {
    setup();
    await loadList();
    const wanted = new URLSearchParams(window.location.search).get("id");
    if (wanted) await select(wanted);
  });
})();
