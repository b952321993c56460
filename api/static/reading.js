/* "Sửa cách đọc": the form where an editor proposes how a word is read (tried on its sentence,
   heard in the station's voice) and the approver's confirmation. Shared by "Bài viết" (from
   a flagged word of the reading preview) and "Giọng đọc" (the station lexicon). */
"use strict";

const LoaReading = (() => {
  const { api, el, clear, run } = Loa;
  let open = null; // one form at a time: {node, onClose}
  let audioUrl = null;
  let firstVoice = null;

  /* The voice a sample is read with when the caller names none: the chain's first. */
  async function defaultVoice() {
    if (!firstVoice) {
      const catalogue = await api("GET", "/api/voices");
      firstVoice = (catalogue.chain || [])[0] || "espeak";
    }
    return firstVoice;
  }

  function close() {
    if (!open) return;
    const { node, onClose } = open;
    open = null;
    node.remove();
    if (audioUrl) URL.revokeObjectURL(audioUrl);
    audioUrl = null;
    if (onClose) onClose();
  }

  /* The form for ``word`` (as written in the script), tried on ``sentence``. ``onDone(entry)``
     runs after the proposal is saved. Returns the form's node (the caller places it). */
  function proposalForm({ word, sentence, scriptId, voice, onDone, onClose }) {
    close();
    const text = sentence || word;
    const input = el("input", {
      type: "text", id: "reading-input", autocomplete: "off", spellcheck: "false",
      placeholder: "Viết như đọc, bằng chữ: ví dụ “vê en e i đê”",
    });
    const result = el("div", { id: "reading-result", "aria-live": "polite" });
    const player = el("audio", { id: "reading-player", class: "hidden", controls: true, preload: "none" });
    const note = el("input", { type: "text", id: "reading-note", autocomplete: "off", placeholder: "Ví dụ: tên ứng dụng định danh điện tử" });
    const tryButton = el("button", { type: "button", id: "reading-try" }, "Xem câu sẽ đọc thế nào");
    const listen = el("button", { type: "button", id: "reading-listen" }, "▶ Nghe thử");
    const submit = el("button", { type: "button", class: "primary", id: "reading-submit" }, "Gửi đề xuất");
    const cancel = el("button", { type: "button", id: "reading-cancel" }, "Huỷ");
    const node = el("div", { class: "reading-form card", id: "reading-form", "data-word": word },
      el("label", { for: "reading-input" }, `Đọc “${word}” là`),
      input,
      el("p", { class: "muted small" }, "Chỉ dùng chữ (có dấu), dấu cách và dấu gạch nối; số hãy viết bằng chữ."),
      el("label", { for: "reading-note" }, "Ghi chú cho người duyệt (không bắt buộc)"),
      note,
      el("div", { class: "actions" }, tryButton, listen, submit, cancel),
      result, player);

    const reading = () => {
      const value = input.value.trim();
      if (!value) throw new Error(`Vui lòng viết cách đọc “${word}”.`);
      return value;
    };
    async function tried() {
      const preview = await api("POST", "/api/lexicon/try", { text, word, reading: reading() });
      const said = (preview.sentences || []).map((s) => s.reading).join(" ");
      clear(result).append(el("p", { class: "alert good" }, "Sẽ đọc: ", el("q", { id: "reading-said" }, said)));
      return said;
    }
    tryButton.addEventListener("click", () => run(tryButton, tried));
    listen.addEventListener("click", () => run(listen, async () => {
      const said = await tried();
      // A sample is at most 300 characters: the word's own reading when the sentence is long.
      const sample = said.length <= 300 ? said : reading();
      const blob = await Loa.audioBlob("POST", `/api/voices/${encodeURIComponent(voice || await defaultVoice())}/sample`, { text: sample });
      if (audioUrl) URL.revokeObjectURL(audioUrl);
      audioUrl = URL.createObjectURL(blob);
      player.src = audioUrl;
      player.classList.remove("hidden");
      player.play().catch(() => {});
    }));
    submit.addEventListener("click", () => run(submit, async () => {
      const body = { word, reading: reading() };
      if (note.value.trim()) body.note = note.value.trim();
      if (scriptId) body.script_id = scriptId;
      const entry = await api("POST", "/api/lexicon", body);
      close();
      Loa.showNotice(Loa.can.approve()
        ? `Đã ghi đề xuất đọc “${entry.word}” là “${entry.reading}”. Bấm “✔ Duyệt” để dùng từ nay.`
        : `Đã gửi đề xuất đọc “${entry.word}” là “${entry.reading}”: lãnh đạo duyệt xong thì mọi bản tin đọc theo cách này.`);
      if (onDone) await onDone(entry);
    }));
    cancel.addEventListener("click", close);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        tryButton.click();
      }
    });
    open = { node, onClose };
    setTimeout(() => input.focus(), 0);
    return node;
  }

  /* The approver confirms a proposal into the station lexicon; every later render uses it. */
  async function approve(entry) {
    const done = await api("POST", `/api/lexicon/${entry.id}/approve`);
    Loa.showNotice(`Đã duyệt: từ nay đọc “${done.word}” là “${done.reading}”. Các chương trình sẽ được dựng lại.`);
    return done;
  }

  async function proposals() {
    return (await api("GET", "/api/lexicon?status=proposed")) || [];
  }

  return { proposalForm, approve, proposals, close };
})();
