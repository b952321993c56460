/* "Chương trình": programs built from segments (jingles, scripts, bulletins of the day,
   silence, audio files); create, edit, listen, turn script files into scripts. */
"use strict";

(() => {
  const { api, el, clear, run, showNotice } = Loa;
  const $ = (id) => document.getElementById(id);
  let scripts = [];
  let media = [];
  let columns = [];
  let segments = [];
  let editing = null; // the program being edited, or null for a new one

  const scriptTitle = (id) => {
    const s = scripts.find((x) => String(x.id) === String(id));
    return s ? s.title : "bài đã bị xóa";
  };
  const columnName = (id) => {
    const c = columns.find((x) => x.id === id);
    return c ? c.name : "chuyên mục đã bị xóa";
  };

  function segmentText(seg) {
    switch (seg.type) {
      case "jingle":
        return seg.name === "intro" ? "Nhạc hiệu mở đầu"
          : seg.name === "outro" ? "Nhạc hiệu kết thúc" : `Nhạc hiệu “${seg.name}”`;
      case "script": return `Bài: ${scriptTitle(seg.script_id)}`;
      case "bulletin": return `Bản tin trong ngày: ${columnName(seg.column)}`;
      case "file": return `Tệp bài “${seg.name}” (chưa chuyển thành bài viết)`;
      case "silence": return `Khoảng lặng ${seg.seconds} giây`;
      case "audio": return `Âm thanh “${seg.name}”`;
      case "relay": return `Tiếp sóng ${seg.url} (${Math.round(seg.seconds / 60)} phút)`;
      default: return "Phần khác";
    }
  }

  function renderSegments() {
    const list = clear($("segments"));
    $("segments-empty").classList.toggle("hidden", segments.length > 0);
    segments.forEach((seg, i) => {
      const up = el("button", { type: "button", class: "small", "aria-label": "Lên trên", disabled: i === 0 }, "↑");
      const down = el("button", { type: "button", class: "small", "aria-label": "Xuống dưới", disabled: i === segments.length - 1 }, "↓");
      const remove = el("button", { type: "button", class: "small", "aria-label": "Bỏ phần này" }, "✕ Bỏ");
      up.addEventListener("click", () => { [segments[i - 1], segments[i]] = [segments[i], segments[i - 1]]; renderSegments(); });
      down.addEventListener("click", () => { [segments[i + 1], segments[i]] = [segments[i], segments[i + 1]]; renderSegments(); });
      remove.addEventListener("click", () => { segments.splice(i, 1); renderSegments(); });
      list.append(el("li", {}, el("div", { class: "seg" }, el("span", {}, segmentText(seg)), up, down, remove)));
    });
  }

  async function listen(button, program, holder) {
    await run(button, async () => {
      button.textContent = "Đang dựng…";
      try {
        const response = await fetch(`/api/programs/${encodeURIComponent(program.id)}/audio`, { credentials: "same-origin" });
        if (!response.ok) {
          const body = await response.json().catch(() => null);
          throw new Error((body && body.message) || `Không dựng được bản nghe thử (mã ${response.status}).`);
        }
        const url = URL.createObjectURL(await response.blob());
        clear(holder).append(el("audio", { controls: true, src: url }));
      } finally {
        button.textContent = "▶ Nghe thử";
      }
    });
  }

  function startEdit(program) {
    editing = program;
    $("new-program-title").textContent = `Sửa chương trình “${program.title}”`;
    $("program-submit").textContent = "Lưu chương trình";
    $("program-cancel").classList.remove("hidden");
    $("program-title").value = program.title;
    $("program-topic").value = program.topic || "";
    const all = [...(program.segments || [])];
    const intro = all.length && all[0].type === "jingle" && all[0].name === "intro";
    const outro = all.length && all[all.length - 1].type === "jingle" && all[all.length - 1].name === "outro";
    $("program-intro").checked = Boolean(intro);
    $("program-outro").checked = Boolean(outro);
    segments = all.slice(intro ? 1 : 0, outro ? all.length - 1 : all.length).map((s) => ({ ...s }));
    renderSegments();
    $("program-card").scrollIntoView({ block: "start" });
    $("program-title").focus();
  }

  function stopEdit() {
    editing = null;
    segments = [];
    $("program-form").reset();
    $("new-program-title").textContent = "Tạo chương trình";
    $("program-submit").textContent = "Tạo chương trình";
    $("program-cancel").classList.add("hidden");
    renderSegments();
  }

  function renderPrograms(programs) {
    const box = clear($("program-list"));
    if (!programs.length) {
      box.append(el("p", { class: "muted" }, "Chưa có chương trình nào."));
      return;
    }
    box.append(el("ul", { class: "plain", id: "programs" }, programs.map((p) => {
      const holder = el("div", {});
      const play = el("button", { type: "button", class: "small" }, "▶ Nghe thử");
      play.addEventListener("click", () => listen(play, p, holder));
      const actions = [play];
      const files = (p.segments || []).filter((s) => s.type === "file");
      if (Loa.can.edit()) {
        const edit = el("button", { type: "button", class: "small", "data-action": "edit" }, "Sửa");
        edit.addEventListener("click", () => startEdit(p));
        actions.push(edit);
        if (files.length) {
          const convert = el("button", { type: "button", class: "small", "data-action": "import" }, "Chuyển tệp bài thành bài viết");
          convert.addEventListener("click", () => run(convert, async () => {
            await api("POST", `/api/programs/${encodeURIComponent(p.id)}/import-scripts`);
            showNotice(`Đã chuyển ${files.length} tệp bài của “${p.title}” thành bài viết: sửa chúng ở trang “Bài viết”.`);
            await load();
          }));
          actions.push(convert);
        }
        actions.push(el("a", { class: "btn small", href: `/lich?program=${encodeURIComponent(p.id)}#add-slot-title` }, "Xếp lịch"));
        const remove = el("button", { type: "button", class: "small" }, "Xóa");
        remove.addEventListener("click", async () => {
          const ok = await Loa.confirmBox({ title: `Xóa chương trình “${p.title}”?`, body: [(p.segments || []).map(segmentText).join(" · ")], ok: "Xóa", danger: true });
          if (!ok) return;
          run(remove, async () => {
            await api("DELETE", `/api/programs/${encodeURIComponent(p.id)}`);
            showNotice(`Đã xóa chương trình “${p.title}”.`);
            await load();
          });
        });
        actions.push(remove);
      }
      return el("li", { "data-program": p.id },
        el("div", { class: "item-head" }, el("span", { class: "title" }, p.title),
          p.topic_name ? el("span", { class: "muted small" }, p.topic_name) : null),
        el("div", { class: "small" }, (p.segments || []).map(segmentText).join(" · ")),
        files.length ? el("div", { class: "warning-note" }, "Chương trình này đọc tệp bài trong thư mục cài đặt: bấm “Chuyển tệp bài thành bài viết” để sửa nội dung ngay trên trang.") : null,
        el("div", { class: "actions" }, actions), holder);
    })));
  }

  function fillSelects() {
    const select = clear($("add-script"));
    select.append(el("option", { value: "" }, scripts.length ? "— Chọn bài —" : "Chưa có bài viết"));
    for (const s of scripts) {
      select.append(el("option", { value: s.id },
        `${s.title} (${Loa.SCRIPT_STATUS_LABELS[s.status] || s.status})`));
    }
    Loa.fillColumnSelect($("add-bulletin"), columns, { empty: "— Chọn chuyên mục —" });
    Loa.fillColumnSelect($("program-topic"), columns);
    const audioSelect = clear($("add-audio"));
    const audios = media.filter((m) => m.kind === "audio");
    audioSelect.append(el("option", { value: "" }, audios.length ? "— Chọn âm thanh —" : "Chưa có tệp âm thanh"));
    for (const m of audios) audioSelect.append(el("option", { value: m.name }, m.name));
  }

  async function load() {
    try {
      const [programs, allScripts, allMedia, allColumns] = await Promise.all([
        api("GET", "/api/programs"),
        api("GET", "/api/scripts"),
        api("GET", "/api/media").catch(() => []),
        Loa.columns(true),
      ]);
      scripts = allScripts || [];
      media = allMedia || [];
      columns = allColumns || [];
      fillSelects();
      renderPrograms(programs || []);
      renderSegments();
    } catch (err) {
      clear($("program-list")).append(el("div", { class: "alert bad" }, err.message));
    }
  }

  function addScript() {
    const id = $("add-script").value;
    if (!id) return false;
    segments.push({ type: "script", script_id: Number(id) });
    $("add-script").value = "";
    renderSegments();
    return true;
  }

  function addBulletin() {
    const column = $("add-bulletin").value;
    if (!column) return false;
    segments.push({ type: "bulletin", column });
    $("add-bulletin").value = "";
    renderSegments();
    return true;
  }

  function bodySegment(seg) {
    switch (seg.type) {
      case "script": return { type: "script", script_id: seg.script_id };
      case "bulletin": return { type: "bulletin", column: seg.column };
      case "file": return { type: "file", path: seg.path };
      case "silence": return { type: "silence", seconds: seg.seconds };
      default: return { type: seg.type, name: seg.name };
    }
  }

  function setup() {
    document.querySelectorAll(".edit-only").forEach((n) => n.classList.toggle("hidden", !Loa.can.edit()));
    $("add-script-button").addEventListener("click", () => {
      if (!addScript()) Loa.showError(new Error("Vui lòng chọn một bài."));
    });
    $("add-bulletin-button").addEventListener("click", () => {
      if (!addBulletin()) Loa.showError(new Error("Vui lòng chọn một chuyên mục."));
    });
    $("add-silence-button").addEventListener("click", () => {
      const seconds = Number($("add-silence").value);
      if (!(seconds > 0)) return Loa.showError(new Error("Khoảng lặng phải dài hơn 0 giây."));
      segments.push({ type: "silence", seconds });
      renderSegments();
    });
    $("add-audio-button").addEventListener("click", () => {
      const name = $("add-audio").value;
      if (!name) return Loa.showError(new Error("Vui lòng chọn một tệp âm thanh."));
      segments.push({ type: "audio", name });
      renderSegments();
    });
    $("program-cancel").addEventListener("click", stopEdit);
    $("program-form").addEventListener("submit", (event) => {
      event.preventDefault();
      run($("program-submit"), async () => {
        // A script or column chosen but not added with its button is what the editor meant.
        addBulletin();
        addScript();
        if (!segments.some((s) => ["script", "audio", "bulletin", "file"].includes(s.type))) {
          throw new Error("Chương trình cần ít nhất một bài viết, một bản tin trong ngày hoặc một tệp âm thanh.");
        }
        const all = [
          ...($("program-intro").checked ? [{ type: "jingle", name: "intro" }] : []),
          ...segments.map(bodySegment),
          ...($("program-outro").checked ? [{ type: "jingle", name: "outro" }] : []),
        ];
        const body = { title: $("program-title").value.trim(), topic: $("program-topic").value, segments: all };
        const wasEditing = editing;
        const program = wasEditing
          ? await api("PUT", `/api/programs/${encodeURIComponent(wasEditing.id)}`, body)
          : await api("POST", "/api/programs", body);
        stopEdit();
        showNotice(wasEditing
          ? `Đã lưu chương trình “${program.title}”: các buổi phát sắp tới sẽ phát nội dung mới.`
          : `Đã tạo chương trình “${program.title}”. Bấm “Xếp lịch” để đưa lên lịch phát.`);
        await load();
      });
    });
    renderSegments();
  }

  document.addEventListener("DOMContentLoaded", () => {
    setup();
    load();
  });
})();
