/* "Chương trình": programs built from segments (jingles, scripts, silence, audio files). */
"use strict";

(() => {
  const { api, el, clear, run, showNotice } = Loa;
  const $ = (id) => document.getElementById(id);
  let scripts = [];
  let media = [];
  let segments = [];

  const scriptTitle = (id) => {
    const s = scripts.find((x) => String(x.id) === String(id));
    return s ? s.title : `bài số ${id}`;
  };

  function segmentText(seg) {
    switch (seg.type) {
      case "jingle":
        return seg.name === "intro" ? "Nhạc hiệu mở đầu"
          : seg.name === "outro" ? "Nhạc hiệu kết thúc" : `Nhạc hiệu “${seg.name}”`;
      case "script": return `Bài: ${scriptTitle(seg.script_id)}`;
      case "silence": return `Khoảng lặng ${seg.seconds} giây`;
      case "audio": return `Âm thanh “${seg.name}”`;
      case "relay": return `Tiếp sóng ${seg.url} (${Math.round(seg.seconds / 60)} phút)`;
      default: return seg.type;
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
      if (Loa.can.edit()) {
        actions.push(el("a", { class: "btn small", href: `/lich?program=${encodeURIComponent(p.id)}#add-slot-title` }, "Xếp lịch"));
        const remove = el("button", { type: "button", class: "small" }, "Xóa");
        remove.addEventListener("click", () => {
          if (!window.confirm(`Xóa chương trình “${p.title}”?`)) return;
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
          p.topic ? el("span", { class: "muted small" }, p.topic) : null),
        el("div", { class: "small" }, (p.segments || []).map(segmentText).join(" · ")),
        el("div", { class: "actions" }, actions), holder);
    })));
  }

  function renderMedia() {
    const box = clear($("media-list"));
    if (!media.length) {
      box.append(el("p", { class: "muted small" }, "Đang dùng nhạc hiệu có sẵn (intro, outro)."));
    } else {
      box.append(el("ul", { class: "plain" }, media.map((m) => el("li", {},
        el("span", { class: "title" }, m.name), " ",
        el("span", { class: "muted small" },
          `${m.kind === "jingle" ? "nhạc hiệu" : "âm thanh"}${m.duration_seconds ? " · " + Loa.durationText(m.duration_seconds) : ""}`)))));
    }
    const audioSelect = clear($("add-audio"));
    const audios = media.filter((m) => m.kind === "audio");
    audioSelect.append(el("option", { value: "" }, audios.length ? "— Chọn âm thanh —" : "Chưa có tệp âm thanh"));
    for (const m of audios) audioSelect.append(el("option", { value: m.name }, m.name));
  }

  function fillScriptSelect() {
    const select = clear($("add-script"));
    select.append(el("option", { value: "" }, scripts.length ? "— Chọn bài —" : "Chưa có bài viết"));
    for (const s of scripts) {
      select.append(el("option", { value: s.id },
        `${s.title} (${Loa.SCRIPT_STATUS_LABELS[s.status] || s.status})`));
    }
  }

  async function load() {
    try {
      const [programs, allScripts, allMedia] = await Promise.all([
        api("GET", "/api/programs"),
        api("GET", "/api/scripts"),
        api("GET", "/api/media").catch(() => []),
      ]);
      scripts = allScripts || [];
      media = allMedia || [];
      fillScriptSelect();
      renderMedia();
      renderPrograms(programs || []);
    } catch (err) {
      clear($("program-list")).append(el("div", { class: "alert bad" }, err.message));
    }
  }

  function setup() {
    document.querySelectorAll(".edit-only").forEach((n) => n.classList.toggle("hidden", !Loa.can.edit()));
    $("add-script-button").addEventListener("click", () => {
      const id = $("add-script").value;
      if (!id) return Loa.showError(new Error("Vui lòng chọn một bài."));
      segments.push({ type: "script", script_id: Number(id) });
      renderSegments();
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
    $("program-form").addEventListener("submit", (event) => {
      event.preventDefault();
      run($("program-submit"), async () => {
        if (!segments.some((s) => s.type === "script" || s.type === "audio")) {
          throw new Error("Chương trình cần ít nhất một bài viết hoặc một tệp âm thanh.");
        }
        const all = [
          ...($("program-intro").checked ? [{ type: "jingle", name: "intro" }] : []),
          ...segments,
          ...($("program-outro").checked ? [{ type: "jingle", name: "outro" }] : []),
        ];
        const program = await api("POST", "/api/programs", {
          title: $("program-title").value.trim(),
          topic: $("program-topic").value.trim(),
          segments: all,
        });
        segments = [];
        $("program-form").reset();
        renderSegments();
        showNotice(`Đã tạo chương trình “${program.title}”. Bấm “Xếp lịch” để đưa lên lịch phát.`);
        await load();
      });
    });
    $("media-form").addEventListener("submit", (event) => {
      event.preventDefault();
      run($("media-submit"), async () => {
        const file = $("media-file").files[0];
        const name = $("media-name").value.trim();
        if (!file) throw new Error("Vui lòng chọn một tệp WAV hoặc MP3.");
        if (!name) throw new Error("Vui lòng đặt tên cho tệp.");
        const form = new FormData();
        form.append("file", file);
        form.append("kind", $("media-kind").value);
        form.append("name", name);
        await api("POST", "/api/media", form);
        $("media-form").reset();
        showNotice(`Đã tải lên “${name}”.`);
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
