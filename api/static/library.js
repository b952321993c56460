/* "Thư viện âm thanh": jingles and audio files, to listen to, upload and delete. */
"use strict";

(() => {
  const { api, el, clear, run, showNotice } = Loa;
  const $ = (id) => document.getElementById(id);
  const BUILT_IN = { intro: "Nhạc hiệu mở đầu (có sẵn)", outro: "Nhạc hiệu kết thúc (có sẵn)" };

  function item(m) {
    const holder = el("div", {});
    const play = el("button", { type: "button", class: "small", "data-action": "play" }, "▶ Nghe");
    play.addEventListener("click", () => run(play, async () => {
      const url = `/api/media/${m.kind}/${encodeURIComponent(m.name)}/audio`;
      clear(holder).append(el("audio", { controls: true, src: url, preload: "auto" }));
      holder.querySelector("audio").play().catch(() => {});
    }));
    const actions = [play];
    if (Loa.can.edit() && !m.builtIn) {
      const remove = el("button", { type: "button", class: "small", "data-action": "delete" }, "Xóa");
      remove.addEventListener("click", async () => {
        const ok = await Loa.confirmBox({ title: `Xóa “${m.name}”?`, body: ["Không thể hoàn tác."], ok: "Xóa", danger: true });
        if (!ok) return;
        run(remove, async () => {
          await api("DELETE", `/api/media/${m.kind}/${encodeURIComponent(m.name)}`);
          showNotice(`Đã xóa “${m.name}”.`);
          await load();
        });
      });
      actions.push(remove);
    }
    return el("li", { "data-media": `${m.kind}:${m.name}` },
      el("div", { class: "item-head" },
        el("span", { class: "title" }, m.builtIn ? BUILT_IN[m.name] : m.name),
        m.duration_seconds ? el("span", { class: "muted small" }, Loa.durationText(m.duration_seconds)) : null),
      el("div", { class: "actions" }, actions), holder);
  }

  async function load() {
    const media = (await api("GET", "/api/media")) || [];
    const jingles = media.filter((m) => m.kind === "jingle");
    for (const name of Object.keys(BUILT_IN)) {
      if (!jingles.some((m) => m.name === name)) jingles.unshift({ kind: "jingle", name, builtIn: true });
    }
    const audios = media.filter((m) => m.kind === "audio");
    clear($("jingle-list")).append(el("ul", { class: "plain", id: "jingles" }, jingles.map(item)));
    const box = clear($("audio-list"));
    if (!audios.length) box.append(el("p", { class: "muted" }, "Chưa có tệp âm thanh nào."));
    else box.append(el("ul", { class: "plain", id: "audios" }, audios.map(item)));
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".edit-only").forEach((n) => n.classList.toggle("hidden", !Loa.can.edit()));
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
    run(null, load);
  });
})();
