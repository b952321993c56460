/* "Tự đọc" on the script page: the editor reads the script in their own voice, recorded in the
   browser (MediaRecorder) sentence by sentence with the sentence shown large (a prompter) or
   the whole script at once, or uploads a recording. The station trims, filters and levels it
   and airs it instead of a voice while it matches the text; the page says when it no longer
   does (the text was edited after recording). */
"use strict";

const LoaRecorder = (() => {
  const { api, el, clear, run, showNotice } = Loa;
  const $ = (id) => document.getElementById(id);
  // Formats a browser records in, best first (the station decodes all of them).
  const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"];
  let script = null; // the script shown
  let state = null; // GET …/recordings
  let index = 0; // the prompter's sentence (0-based)
  let mode = "sentences";
  let recorder = null; // the recording under way
  let playUrl = null;
  let unsaved = () => false;

  const seconds = (s) => new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 }).format(s);
  const clock = (ms) => {
    const total = Math.floor(ms / 1000);
    return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
  };

  function statusNode() {
    if (!state) return null;
    const total = state.sentences.length;
    const done = state.sentences.filter((s) => s.recorded).length;
    if (state.airs === "whole") {
      return el("p", { class: "alert good", id: "rec-airs", "data-airs": "whole" },
        "✔ Bài sẽ phát bằng giọng tự đọc (bản thu cả bài).");
    }
    if (state.airs === "sentences") {
      return el("p", { class: "alert good", id: "rec-airs", "data-airs": "sentences" },
        `✔ Bài sẽ phát bằng giọng tự đọc (đủ ${total}/${total} câu).`);
    }
    if (state.note) {
      return el("p", { class: "alert warn", id: "rec-airs", "data-airs": "voice" }, `⚠ ${state.note}.`);
    }
    return el("p", { class: "muted", id: "rec-airs", "data-airs": "voice" },
      done ? `Đã thu ${done}/${total} câu. Thu đủ các câu thì bài sẽ phát bằng giọng tự đọc.`
        : "Chưa có bản tự đọc: bài được đọc bằng giọng máy.");
  }

  function processingText(p) {
    if (!p) return "";
    const parts = [];
    const cut = (p.trimmed_start_seconds || 0) + (p.trimmed_end_seconds || 0);
    if (cut >= 0.05) parts.push(`đã cắt ${seconds(cut)} giây im lặng ở đầu và cuối`);
    if (typeof p.gain_db === "number" && Math.abs(p.gain_db) >= 0.5) {
      parts.push(`${p.gain_db > 0 ? "tăng" : "giảm"} âm lượng ${seconds(Math.abs(p.gain_db))} dB`);
    }
    parts.push("đã lọc tiếng ù");
    return parts.join(", ");
  }

  async function play(rec, button) {
    await run(button, async () => {
      const q = rec.sentence ? `?sentence=${rec.sentence}` : "";
      const blob = await Loa.audioBlob("GET", `/api/scripts/${script.id}/recordings/audio${q}`);
      if (playUrl) URL.revokeObjectURL(playUrl);
      playUrl = URL.createObjectURL(blob);
      const player = $("rec-player");
      player.src = playUrl;
      player.classList.remove("hidden");
      button.closest("li").append(player);
      player.play().catch(() => {});
    });
  }

  function recordingItem(rec) {
    const what = rec.sentence ? `Câu ${rec.sentence}` : "Cả bài";
    const listen = el("button", { type: "button", class: "small", "data-action": "play" }, "▶ Nghe lại");
    listen.addEventListener("click", () => play(rec, listen));
    const actions = [listen];
    if (Loa.can.edit()) {
      const remove = el("button", { type: "button", class: "small", "data-action": "delete" }, "Xoá bản thu");
      remove.addEventListener("click", async () => {
        const ok = await Loa.confirmBox({
          title: `Xoá bản tự đọc (${what.toLowerCase()})?`, quote: Loa.excerpt(rec.recorded_text, 2),
          body: ["Bản thu này sẽ bị xoá; phần ấy sẽ được đọc bằng giọng máy cho đến khi thu lại."],
          ok: "Xoá bản thu", danger: true,
        });
        if (!ok) return;
        run(remove, async () => {
          const q = rec.sentence ? `?sentence=${rec.sentence}` : "";
          state = await api("DELETE", `/api/scripts/${script.id}/recordings${q}`);
          render();
          showNotice(`Đã xoá bản tự đọc (${what.toLowerCase()}).`);
        });
      });
      actions.push(remove);
    }
    return el("li", { "data-recording": rec.sentence || "whole", class: rec.current ? null : "outdated" },
      el("div", { class: "item-head" },
        el("span", { class: "title" }, what),
        rec.current ? el("span", { class: "badge status-aired" }, "Khớp với bài")
          : el("span", { class: "badge status-late", "data-outdated": "" }, "Đã cũ"),
        el("span", { class: "muted small" }, `${seconds(rec.duration_seconds)} giây · ${rec.created_by || ""} ${Loa.dateTimeText(rec.created_at)}`)),
      rec.current ? null : el("div", { class: "warning-note" }, rec.sentence
        ? "Câu này đã sửa hoặc đã xoá khỏi bài sau khi thu: bản thu không còn được dùng."
        : "Nội dung bài đã sửa sau khi thu: bản thu cả bài không còn được dùng, hãy thu lại."),
      el("div", { class: "muted small" }, `“${Loa.excerpt(rec.recorded_text, 1, 120)}” — ${processingText(rec.processing)}.`),
      el("div", { class: "actions" }, actions));
  }

  function renderPrompter() {
    const sentences = state.sentences;
    if (!sentences.length) return;
    index = Math.max(0, Math.min(index, sentences.length - 1));
    const s = sentences[index];
    $("rec-position").textContent = `Câu ${index + 1}/${sentences.length}${s.recorded ? " · đã thu" : ""}`;
    $("rec-prompter").textContent = s.text;
    $("rec-prompter").dataset.sentence = String(s.number);
    $("rec-next").textContent = index + 1 < sentences.length ? `Câu sau: ${Loa.excerpt(sentences[index + 1].text, 1, 120)}` : "Đây là câu cuối.";
    $("rec-prev").disabled = index === 0 || Boolean(recorder);
    $("rec-next-btn").disabled = index + 1 >= sentences.length || Boolean(recorder);
    $("rec-start").textContent = s.recorded ? "● Thu lại câu này" : "● Thu câu này";
    const list = clear($("rec-sentence-list"));
    sentences.forEach((item, i) => {
      const pick = el("button", { type: "button", class: "link", "data-sentence": item.number }, `${item.number}. ${Loa.excerpt(item.text, 1, 90)}`);
      pick.addEventListener("click", () => {
        if (recorder) return;
        index = i;
        renderPrompter();
      });
      list.append(el("li", { class: `${item.recorded ? "recorded" : ""}${i === index ? " current" : ""}` },
        item.recorded ? el("span", { class: "badge status-aired" }, "✓") : el("span", { class: "badge" }, "…"), " ", pick));
    });
    $("rec-count").textContent = `${sentences.filter((x) => x.recorded).length}/${sentences.length} câu đã thu`;
  }

  function render() {
    clear($("rec-status")).append(statusNode());
    const recs = state.recordings || [];
    clear($("rec-list")).append(recs.length
      ? el("ul", { class: "plain", id: "recordings" }, recs.map(recordingItem))
      : null);
    renderPrompter();
    $("rec-whole-text").textContent = state.sentences.map((s) => s.text).join(" ");
    const part = $("rec-part");
    const keep = part.value;
    clear(part).append(el("option", { value: "" }, "Cả bài"),
      state.sentences.map((s) => el("option", { value: s.number }, `Câu ${s.number}: ${Loa.excerpt(s.text, 1, 50)}`)));
    part.value = keep;
  }

  function setMode(next) {
    if (recorder) return;
    mode = next;
    for (const m of ["sentences", "whole", "upload"]) {
      $(`rec-mode-${m}`).setAttribute("aria-pressed", String(m === mode));
      $(`rec-${m}`).classList.toggle("hidden", m !== mode);
    }
  }

  function micProblem() {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return "Trình duyệt chỉ cho thu âm khi trang được mở qua HTTPS hoặc ngay trên máy của đài. Hãy dùng “Tải tệp lên” (thu bằng điện thoại hay máy ghi âm), hoặc nhờ người quản trị bật HTTPS.";
    }
    if (typeof MediaRecorder === "undefined") {
      return "Trình duyệt này không thu âm được: hãy dùng Chrome, Edge hoặc Firefox bản mới, hoặc “Tải tệp lên”.";
    }
    return null;
  }

  function micError(err) {
    if (err && err.name === "NotAllowedError") {
      return "Trình duyệt chưa được phép dùng micrô: bấm biểu tượng ổ khoá cạnh địa chỉ trang, cho phép micrô rồi thử lại.";
    }
    if (err && err.name === "NotFoundError") return "Không tìm thấy micrô: kiểm tra micrô đã cắm vào máy chưa.";
    return `Không mở được micrô (${(err && (err.message || err.name)) || "lỗi không rõ"}).`;
  }

  function meter(stream) {
    try {
      const context = new AudioContext();
      const analyser = context.createAnalyser();
      analyser.fftSize = 1024;
      context.createMediaStreamSource(stream).connect(analyser);
      const data = new Float32Array(analyser.fftSize);
      const bar = $("rec-level");
      const tick = () => {
        if (!recorder) return;
        analyser.getFloatTimeDomainData(data);
        let sum = 0;
        for (const v of data) sum += v * v;
        const db = 20 * Math.log10(Math.sqrt(sum / data.length) + 1e-9);
        bar.style.width = `${Math.max(0, Math.min(100, (db + 60) * (100 / 60)))}%`;
        $("rec-clock").textContent = clock(Date.now() - recorder.started);
        recorder.frame = requestAnimationFrame(tick);
      };
      recorder.context = context;
      tick();
    } catch (err) {
      // No level meter (old browser): the recording itself still works.
    }
  }

  function showLive(on) {
    $("rec-live").classList.toggle("hidden", !on);
    $("rec-start").classList.toggle("hidden", on);
    $("rec-stop").classList.toggle("hidden", !on);
    $("rec-whole-start").classList.toggle("hidden", on);
    $("rec-whole-stop").classList.toggle("hidden", !on);
    for (const id of ["rec-mode-sentences", "rec-mode-whole", "rec-mode-upload"]) $(id).disabled = on;
    if (on) $("rec-clock").textContent = "0:00";
    if (state) renderPrompter();
  }

  async function start(part) {
    if (!script || recorder) return;
    if (unsaved()) {
      throw new Error("Bài có thay đổi chưa lưu: hãy bấm “Lưu thay đổi” trước khi tự đọc, để bản thu khớp với nội dung bài.");
    }
    const problem = micProblem();
    if (problem) throw new Error(problem);
    let stream;
    try {
      // The station trims and levels the recording: the browser's own processing is off.
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
      });
    } catch (err) {
      throw new Error(micError(err));
    }
    const type = TYPES.find((t) => MediaRecorder.isTypeSupported(t)) || "";
    const media = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    const chunks = [];
    media.addEventListener("dataavailable", (event) => { if (event.data && event.data.size) chunks.push(event.data); });
    const stopped = new Promise((resolve) => media.addEventListener("stop", resolve, { once: true }));
    recorder = { media, stream, chunks, stopped, part, scriptId: script.id, type: media.mimeType || type, started: Date.now() };
    media.start(1000);
    showLive(true);
    meter(stream);
  }

  async function finish(keep) {
    const r = recorder;
    if (!r) return;
    if (r.media.state !== "inactive") r.media.stop();
    await r.stopped;
    r.stream.getTracks().forEach((t) => t.stop());
    if (r.frame) cancelAnimationFrame(r.frame);
    if (r.context) r.context.close().catch(() => {});
    recorder = null;
    showLive(false);
    if (!keep) return;
    const type = (r.type || "audio/webm").split(";")[0];
    const ext = type.includes("ogg") ? "ogg" : type.includes("mp4") ? "m4a" : "webm";
    const name = r.part ? `tu-doc-cau-${r.part}.${ext}` : `tu-doc-ca-bai.${ext}`;
    await upload(new File(r.chunks, name, { type }), r.part, r.scriptId);
  }

  async function upload(file, part, scriptId) {
    const form = new FormData();
    form.append("file", file);
    if (part) form.append("sentence", String(part));
    const answer = await api("POST", `/api/scripts/${scriptId}/recordings`, form);
    if (!script || script.id !== scriptId) return; // another script is shown now
    state = answer;
    if (part && mode === "sentences") {
      // On to the next sentence still to record (the prompter follows the reader).
      const next = state.sentences.findIndex((s, i) => i > index && !s.recorded);
      if (next >= 0) index = next;
    }
    render();
    showNotice(part ? `Đã lưu bản tự đọc câu ${part}.` : "Đã lưu bản tự đọc cả bài.");
  }

  async function show(shown, { hasUnsavedEdits } = {}) {
    if (recorder) await finish(false); // a recording of another script is dropped
    script = shown;
    unsaved = hasUnsavedEdits || (() => false);
    state = null;
    clear($("rec-status")).append(el("p", { class: "muted" }, "Đang tải…"));
    clear($("rec-list"));
    const problem = Loa.can.edit() ? micProblem() : null;
    $("rec-mic-note").classList.toggle("hidden", !problem);
    $("rec-mic-note").textContent = problem || "";
    const answer = await api("GET", `/api/scripts/${shown.id}/recordings`);
    if (!script || script.id !== shown.id) return;
    state = answer;
    index = Math.max(0, state.sentences.findIndex((s) => !s.recorded));
    render();
  }

  function setup() {
    for (const m of ["sentences", "whole", "upload"]) $(`rec-mode-${m}`).addEventListener("click", () => setMode(m));
    $("rec-prev").addEventListener("click", () => { index -= 1; renderPrompter(); });
    $("rec-next-btn").addEventListener("click", () => { index += 1; renderPrompter(); });
    $("rec-start").addEventListener("click", () => run(null, () => start(state.sentences[index].number)));
    $("rec-stop").addEventListener("click", () => run($("rec-stop"), () => finish(true)));
    $("rec-whole-start").addEventListener("click", () => run(null, () => start(null)));
    $("rec-whole-stop").addEventListener("click", () => run($("rec-whole-stop"), () => finish(true)));
    $("rec-upload-form").addEventListener("submit", (event) => {
      event.preventDefault();
      run($("rec-upload-submit"), async () => {
        if (!script) return;
        const file = $("rec-file").files[0];
        if (!file) throw new Error("Vui lòng chọn tệp ghi âm.");
        if (unsaved()) throw new Error("Bài có thay đổi chưa lưu: hãy bấm “Lưu thay đổi” trước, để bản thu khớp với nội dung bài.");
        await upload(file, $("rec-part").value ? Number($("rec-part").value) : null, script.id);
        $("rec-upload-form").reset();
      });
    });
    setMode("sentences");
  }

  document.addEventListener("DOMContentLoaded", setup);
  return { show };
})();
