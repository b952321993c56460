/* "Bài viết": list, create (typed or uploaded), edit, approve, reading preview (with "Sửa cách
   đọc" for a flagged word), audio preview, and "Tự đọc" (recorder.js). */
"use strict";

(() => {
  const { api, el, clear, run, showNotice } = Loa;
  let scripts = [];
  let current = null;
  let audioUrl = null;

  const $ = (id) => document.getElementById(id);

  let columnList = [];

  function renderList() {
    const box = clear($("script-list"));
    const filter = $("script-filter").value;
    const column = $("script-column-filter").value;
    const shown = scripts.filter((s) => (!filter || s.status === filter) && (!column || s.topic === column));
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
        el("div", { class: "muted small" }, [s.topic_name || "Chưa có chuyên mục",
          s.air_date ? `bản tin ngày ${Loa.dayInput(s.air_date)}` : ""].filter(Boolean).join(" · ")))))));
  }

  async function loadColumns() {
    columnList = await Loa.columns(true);
    for (const id of ["upload-topic", "new-topic", "edit-topic"]) Loa.fillColumnSelect($(id), columnList);
    Loa.fillColumnSelect($("script-column-filter"), columnList, { empty: "Tất cả" });
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

  // The voice a script is read with (its own, else its column's): "Nghe thử" of a reading.
  let topicVoices = null;
  async function voiceOf(script) {
    if (script.engine) return script.engine;
    if (!topicVoices) {
      const catalogue = await api("GET", "/api/voices");
      topicVoices = Object.fromEntries((catalogue.topics || []).map((t) => [t.topic, t.voice]));
    }
    return topicVoices[script.topic] || undefined;
  }

  /* "Sửa cách đọc" under a flagged word: its proposal waiting for approval (the approver
     confirms it here), or a button that opens the proposal form. */
  function readingFix(sentence, warning, pending, item) {
    if (!warning.correctable || !current) return null;
    const script = current;
    const waiting = pending.find((p) => p.word === warning.token);
    if (waiting) {
      const box = el("div", { class: "lexicon-pending", "data-word": warning.token },
        `Đã đề xuất đọc “${waiting.word}” là “${waiting.reading}”${waiting.proposed_by ? ` (${waiting.proposed_by})` : ""} — chờ lãnh đạo duyệt.`);
      if (Loa.can.approve()) {
        const ok = el("button", { type: "button", class: "ok small", "data-action": "approve-reading" }, "✔ Duyệt cách đọc này");
        ok.addEventListener("click", () => run(ok, async () => {
          await LoaReading.approve(waiting);
          await loadPreview(script.id);
        }));
        box.append(" ", ok);
      }
      return box;
    }
    if (!Loa.can.edit()) return null;
    const fix = el("button", { type: "button", class: "small", "data-action": "fix-reading", "data-word": warning.token }, "Sửa cách đọc");
    fix.addEventListener("click", async () => {
      const voice = await voiceOf(script).catch(() => undefined);
      fix.classList.add("hidden");
      item.append(LoaReading.proposalForm({
        word: warning.token, sentence: sentence.original, scriptId: script.id, voice,
        onDone: () => loadPreview(script.id),
        onClose: () => fix.classList.remove("hidden"),
      }));
    });
    return fix;
  }

  async function loadPreview(id) {
    const box = clear($("preview"));
    box.append(el("p", { class: "muted" }, "Đang phân tích cách đọc…"));
    try {
      const [preview, pending] = await Promise.all([
        api("GET", `/api/scripts/${id}/preview`),
        LoaReading.proposals().catch(() => []),
      ]);
      if (!current || current.id !== Number(id)) return;
      LoaReading.close();
      clear(box);
      const sentences = (preview && preview.sentences) || [];
      const warned = sentences.filter((s) => (s.warnings || []).length).length;
      box.append(el("p", { class: warned ? "alert warn" : "alert good", id: "preview-summary" },
        warned ? `${sentences.length} câu, ${warned} câu cần xem lại.` : `${sentences.length} câu, không có cảnh báo.`));
      box.append(el("ol", { class: "sentences", id: "sentences" }, sentences.map((s) => {
        const warnings = s.warnings || [];
        const item = el("li", { class: warnings.length ? "has-warning" : null },
          el("div", { class: "reading" }, highlight(s.reading || "", [])),
          s.original !== s.reading
            ? el("div", { class: "original" }, "Bài gốc: ", highlight(s.original || "", warnings.map((w) => w.token)))
            : null);
        for (const w of warnings) {
          item.append(el("div", { class: "warning", "data-code": w.code }, `⚠ ${w.message}`));
          const fix = readingFix(s, w, pending, item);
          if (fix) item.append(el("div", { class: "fix" }, fix));
        }
        return item;
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

  let warningsAsked = 0;
  async function showWarnings(script) {
    const asked = ++warningsAsked;
    try {
      const warnings = (await api("GET", "/api/timetable/warnings?hours=168")) || [];
      const mine = warnings.filter((w) => w.warning_script_id === script.id);
      if (asked !== warningsAsked) return mine; // a newer answer shows instead
      const box = clear($("editor-warnings"));
      for (const w of mine) {
        box.append(el("div", { class: "alert warn", "data-warning": "fallback" },
          `⚠ Buổi phát “${w.program_title}” lúc ${Loa.dateTimeText(w.start)}: ${w.warning}`));
      }
      return mine;
    } catch (err) {
      return [];
    }
  }

  function showEditor(script, { titleSource } = {}) {
    current = script;
    document.querySelector(".grid.side").classList.add("selected");
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
    Loa.setDate("edit-date", script.air_date || "");
    $("edit-text").value = script.text || "";
    const check = $("title-check");
    check.classList.toggle("hidden", !titleSource || titleSource === "given");
    clear(check).append(titleSource === "guessed"
      ? `Loa chưa chắc về tiêu đề: đã lấy “${script.title}” từ câu đầu của bài. Hãy sửa tiêu đề cho dễ phân biệt với các bài khác rồi bấm “Lưu thay đổi”.`
      : `Loa lấy tiêu đề “${script.title}” từ dòng đầu của bài. Hãy kiểm tra lại.`);
    const approvedBox = $("approved-version");
    approvedBox.classList.toggle("hidden", !script.approved_text);
    $("approved-text").textContent = script.approved_text ? Loa.excerpt(script.approved_text, 3, 600) : "";
    $("edit-hint").textContent = script.status === "approved"
      ? "Lưu thay đổi sẽ đưa bài về bản nháp; bài phải được duyệt lại trước khi phát."
      : "Bài phải được lãnh đạo duyệt trước khi đưa lên sóng.";
    $("approve").classList.toggle("hidden", !(Loa.can.approve() && script.status !== "approved"));
    for (const id of ["edit-title", "edit-text", "edit-date-text"]) $(id).readOnly = !Loa.can.edit();
    $("edit-topic").disabled = !Loa.can.edit();
    resetAudio();
    renderList();
    loadPreview(script.id);
    showWarnings(script);
    run(null, () => LoaRecorder.show(script, {
      hasUnsavedEdits: () => Boolean(current) && current.id === script.id && $("edit-text").value !== script.text,
    }));
    if (window.matchMedia("(max-width: 859px)").matches) {
      $("editor").scrollIntoView({ block: "start" });
    }
    if (titleSource && titleSource !== "given") $("edit-title").focus();
  }

  async function select(id, options) {
    await run(null, async () => {
      const script = await api("GET", `/api/scripts/${id}`);
      const url = new URL(window.location.href);
      url.searchParams.set("id", String(id));
      window.history.replaceState(null, "", url);
      showEditor(script, options);
    });
  }

  async function afterCreate(script, message) {
    await loadList();
    await select(script.id, { titleSource: script.title_source });
    showNotice(message);
  }

  function setup() {
    document.querySelectorAll(".edit-only").forEach((n) => n.classList.toggle("hidden", !Loa.can.edit()));
    $("script-filter").addEventListener("change", renderList);
    $("script-column-filter").addEventListener("change", renderList);

    $("upload-form").addEventListener("submit", (event) => {
      event.preventDefault();
      run($("upload-submit"), async () => {
        const file = $("upload-file").files[0];
        if (!file) throw new Error("Vui lòng chọn một tệp.");
        const form = new FormData();
        form.append("file", file);
        if ($("upload-title-input").value.trim()) form.append("title", $("upload-title-input").value.trim());
        if ($("upload-topic").value) form.append("topic", $("upload-topic").value);
        if ($("upload-date-text").value.trim() && !$("upload-date").value) throw new Error("Ngày phát phải có dạng ngày/tháng/năm, ví dụ 05/12/2026.");
        if ($("upload-date").value) form.append("air_date", $("upload-date").value);
        const script = await api("POST", "/api/scripts/upload", form);
        $("upload-form").reset();
        Loa.setDate("upload-date", "");
        await afterCreate(script, `Đã tải lên bài “${script.title}”.`);
      });
    });

    $("new-form").addEventListener("submit", (event) => {
      event.preventDefault();
      run($("new-submit"), async () => {
        if ($("new-date-text").value.trim() && !$("new-date").value) throw new Error("Ngày phát phải có dạng ngày/tháng/năm, ví dụ 05/12/2026.");
        const script = await api("POST", "/api/scripts", {
          title: $("new-title-input").value.trim(),
          topic: $("new-topic").value,
          text: $("new-text").value,
          air_date: $("new-date").value || null,
        });
        $("new-form").reset();
        Loa.setDate("new-date", "");
        await afterCreate(script, `Đã lưu bản nháp “${script.title}”.`);
      });
    });

    $("edit-form").addEventListener("submit", (event) => {
      event.preventDefault();
      if (!current) return;
      run($("edit-save"), async () => {
        if ($("edit-date-text").value.trim() && !$("edit-date").value) throw new Error("Ngày phát phải có dạng ngày/tháng/năm, ví dụ 05/12/2026.");
        const wasApproved = current.status === "approved";
        const saved = await api("PUT", `/api/scripts/${current.id}`, {
          title: $("edit-title").value.trim(),
          topic: $("edit-topic").value,
          text: $("edit-text").value,
          air_date: $("edit-date").value || null,
        });
        await loadList();
        const script = await api("GET", `/api/scripts/${saved.id}`);
        showEditor(script);
        const affected = await showWarnings(script);
        if (wasApproved && script.status !== "approved" && affected.length) {
          Loa.flash("error", `Đã lưu. Bài trở về bản nháp: ${affected.length} buổi phát sắp tới sẽ phát bản đã duyệt trước đó nếu bài không được duyệt lại kịp.`);
        } else {
          showNotice("Đã lưu thay đổi.");
        }
      });
    });

    $("approve").addEventListener("click", async () => {
      if (!current) return;
      const ok = await Loa.confirmBox({
        title: `Duyệt bài “${current.title}”?`,
        body: ["Bài đã duyệt được phát theo lịch. Nội dung bắt đầu bằng:"],
        quote: Loa.excerpt(current.text), ok: "✔ Duyệt bài này",
      });
      if (!ok) return;
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

    $("delete-script").addEventListener("click", async () => {
      if (!current) return;
      const ok = await Loa.confirmBox({
        title: `Xóa bài “${current.title}”?`, body: ["Không thể hoàn tác. Nội dung bắt đầu bằng:"],
        quote: Loa.excerpt(current.text), ok: "Xóa bài", danger: true,
      });
      if (!ok) return;
      run($("delete-script"), async () => {
        await api("DELETE", `/api/scripts/${current.id}`);
        showNotice(`Đã xóa bài “${current.title}”.`);
        current = null;
        document.querySelector(".grid.side").classList.remove("selected");
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
    await run(null, loadColumns);
    await loadList();
    const wanted = new URLSearchParams(window.location.search).get("id");
    if (wanted) await select(wanted);
  });
})();
