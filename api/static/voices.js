/* "Giọng đọc": the station's voices (each with a sample to hear), what happens without the
   Internet, the voice of each column, the cloud voices' API keys (never shown after saving),
   and the station lexicon (proposals waiting for an approver, readings in use). */
"use strict";

(() => {
  const { api, el, clear, run, showNotice } = Loa;
  const $ = (id) => document.getElementById(id);
  let catalogue = { voices: [], chain: [], topics: [], offline_fallback: "" };
  let sampleUrl = null;

  const voiceLabel = (id) => {
    const found = catalogue.voices.find((v) => v.id === id);
    return found ? found.label : id;
  };

  async function playSample(voice, button) {
    await run(button, async () => {
      const label = button.textContent;
      button.textContent = "Đang đọc…";
      try {
        const blob = await Loa.audioBlob("POST", `/api/voices/${encodeURIComponent(voice.id)}/sample`);
        if (sampleUrl) URL.revokeObjectURL(sampleUrl);
        sampleUrl = URL.createObjectURL(blob);
        const player = $("sample-player");
        player.src = sampleUrl;
        player.dataset.voice = voice.id;
        player.classList.remove("hidden");
        button.closest("li").append(player);
        player.play().catch(() => {});
      } finally {
        button.textContent = label;
      }
    });
  }

  function renderVoices() {
    const fallback = $("fallback");
    fallback.textContent = catalogue.offline_fallback;
    const ready = catalogue.voices.some((v) => !v.online && v.available && v.position);
    fallback.className = `alert ${ready ? "good" : "bad"}`;
    const ordered = [...catalogue.voices].sort((a, b) => (a.position || 99) - (b.position || 99));
    clear($("voice-list")).append(el("ul", { class: "plain", id: "voices" }, ordered.map((v) => {
      const listen = Loa.can.edit()
        ? el("button", { type: "button", class: "small", "data-action": "sample", disabled: !v.available }, "▶ Nghe thử")
        : null;
      if (listen) listen.addEventListener("click", () => playSample(v, listen));
      return el("li", { "data-voice": v.id },
        el("div", { class: "item-head" },
          el("span", { class: "title" }, v.label),
          v.position ? el("span", { class: "badge status-rendered" }, v.position === 1 ? "Giọng chính" : `Dự phòng thứ ${v.position - 1}`)
            : el("span", { class: "badge" }, "Chọn được cho chuyên mục"),
          el("span", { class: "badge" }, v.online ? "Cần Internet" : "Không cần mạng"),
          v.available ? el("span", { class: "badge status-aired" }, "Sẵn sàng")
            : el("span", { class: "badge status-missed" }, "Chưa dùng được")),
        v.reason ? el("div", { class: "muted small" }, v.reason) : null,
        listen ? el("div", { class: "actions" }, listen) : null);
    })));
  }

  async function renderColumns() {
    const columns = await Loa.columns(true);
    const box = clear($("column-voices"));
    if (!columns.length) {
      box.append(el("p", { class: "muted" }, "Chưa có chuyên mục nào (thêm ở trang “Quản lý”)."));
      return;
    }
    const saved = Object.fromEntries((catalogue.topics || []).map((t) => [t.topic, t]));
    const first = catalogue.chain.length ? voiceLabel(catalogue.chain[0]) : "giọng đầu tiên";
    box.append(el("ul", { class: "plain", id: "column-voice-list" }, columns.map((c) => {
      const select = el("select", { "aria-label": `Giọng đọc của chuyên mục ${c.name}`, "data-topic": c.id, disabled: !Loa.can.edit() },
        el("option", { value: "" }, `Theo thứ tự chung (${first})`),
        catalogue.voices.map((v) => el("option", { value: v.id }, v.label + (v.available ? "" : " — chưa dùng được"))));
      const mine = saved[c.id];
      select.value = mine ? mine.voice : "";
      select.addEventListener("change", () => run(select, async () => {
        const voice = select.value;
        if (voice) {
          await api("PUT", `/api/voices/topics/${encodeURIComponent(c.id)}`, { voice });
        } else {
          try {
            await api("DELETE", `/api/voices/topics/${encodeURIComponent(c.id)}`);
          } catch (err) {
            if (err.status !== 404) throw err;
          }
        }
        // Only the columns change: the rest of the page (a key being typed) stays as it is.
        catalogue = await api("GET", "/api/voices");
        await renderColumns();
        showNotice(voice
          ? `Bài của chuyên mục “${c.name}” sẽ đọc bằng giọng ${voiceLabel(voice)}.`
          : `Bài của chuyên mục “${c.name}” đọc theo thứ tự giọng chung.`);
      }));
      return el("li", { "data-column": c.id, class: "column-voice" },
        el("span", { class: "title" }, c.name),
        select,
        mine && mine.updated_by
          ? el("div", { class: "muted small" }, `Đặt bởi ${mine.updated_by}${mine.updated_at ? " lúc " + Loa.dateTimeText(mine.updated_at) : ""}`)
          : null);
    })));
  }

  function providerItem(p) {
    const state = p.key_set
      ? el("span", { class: "badge status-aired", "data-key": "saved" }, "Khoá: đã lưu")
      : el("span", { class: "badge status-missed" }, "Chưa có khoá");
    const where = p.source === "database"
      ? `Lưu trên trang này${p.updated_by ? " bởi " + p.updated_by : ""}${p.updated_at ? " lúc " + Loa.dateTimeText(p.updated_at) : ""}.`
      : p.source === "settings" ? "Khoá nằm trong tệp cài đặt của đài (loa.toml / loa.env)." : "";
    const item = el("li", { "data-provider": p.provider },
      el("div", { class: "item-head" }, el("span", { class: "title" }, p.label), state),
      where ? el("div", { class: "muted small" }, where) : null);
    if (!Loa.can.admin()) {
      item.append(el("div", { class: "muted small" }, "Chỉ quản trị viên được đặt hoặc xoá khoá."));
      return item;
    }
    const input = el("input", {
      type: "password", id: `key-${p.provider}`, autocomplete: "off", spellcheck: "false",
      placeholder: p.key_set ? "Dán khoá mới để thay" : "Dán khoá API vào đây",
    });
    const save = el("button", { type: "button", class: "primary", "data-action": "save-key" }, "Lưu khoá");
    save.addEventListener("click", () => run(save, async () => {
      const key = input.value.trim();
      if (!key) throw new Error("Vui lòng dán khoá API.");
      const saved = await api("PUT", `/api/voices/providers/${p.provider}/key`, { api_key: key });
      input.value = "";
      await load();
      showNotice(`Đã lưu khoá của ${saved.label}. Khoá sẽ không hiện lại.`);
    }));
    item.append(el("label", { for: input.id }, `Khoá API ${p.label}`),
      el("div", { class: "row key-row" }, input, save));
    if (p.source === "database") {
      const remove = el("button", { type: "button", class: "small", "data-action": "delete-key" }, "Xoá khoá đã lưu");
      remove.addEventListener("click", async () => {
        const ok = await Loa.confirmBox({
          title: `Xoá khoá của ${p.label}?`,
          body: ["Giọng đọc này sẽ không dùng được nữa (trừ khi tệp cài đặt có khoá); bài sẽ đọc bằng giọng dự phòng."],
          ok: "Xoá khoá", danger: true,
        });
        if (!ok) return;
        run(remove, async () => {
          await api("DELETE", `/api/voices/providers/${p.provider}/key`);
          await load();
          showNotice(`Đã xoá khoá của ${p.label}.`);
        });
      });
      item.append(el("div", { class: "actions" }, remove));
    }
    return item;
  }

  async function renderProviders() {
    const providers = (await api("GET", "/api/voices/providers")) || [];
    clear($("provider-list")).append(el("ul", { class: "plain", id: "providers" }, providers.map(providerItem)));
  }

  function entryRow(e, actions) {
    return el("tr", { "data-entry": e.id, "data-word": e.word },
      el("td", { "data-label": "Từ" }, el("strong", {}, e.word)),
      el("td", { "data-label": "Đọc là" }, e.reading),
      el("td", { "data-label": "Người đề xuất" }, `${e.proposed_by || "—"}, ${Loa.dateTimeText(e.proposed_at)}`,
        e.note ? el("div", { class: "muted small" }, e.note) : null),
      el("td", { "data-label": e.decided_by ? "Người duyệt" : "Việc" },
        e.decided_by ? `${e.decided_by}, ${Loa.dateTimeText(e.decided_at)}` : null,
        actions ? el("div", { class: "actions" }, actions) : null));
  }

  function entryTable(id, rows, empty) {
    if (!rows.length) return el("p", { class: "muted", id }, empty);
    return el("div", { class: "table-wrap" }, el("table", { class: "cards", id },
      el("thead", {}, el("tr", {}, ["Từ", "Đọc là", "Đề xuất", "Duyệt"].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows)));
  }

  async function renderLexicon() {
    const entries = (await api("GET", "/api/lexicon")) || [];
    const pending = entries.filter((e) => e.status === "proposed");
    const approved = entries.filter((e) => e.status === "approved");
    const closed = entries.filter((e) => e.status === "rejected" || e.status === "retired");
    clear($("lexicon-pending")).append(entryTable("lexicon-proposed", pending.map((e) => {
      if (!Loa.can.approve()) return entryRow(e, [el("span", { class: "badge status-late" }, "Chờ duyệt")]);
      const ok = el("button", { type: "button", class: "ok small", "data-action": "approve" }, "✔ Duyệt");
      ok.addEventListener("click", () => run(ok, async () => {
        await LoaReading.approve(e);
        await renderLexicon();
      }));
      const no = el("button", { type: "button", class: "small", "data-action": "reject" }, "Từ chối");
      no.addEventListener("click", () => run(no, async () => {
        await api("POST", `/api/lexicon/${e.id}/reject`);
        showNotice(`Đã từ chối đề xuất đọc “${e.word}” là “${e.reading}”.`);
        await renderLexicon();
      }));
      return entryRow(e, [ok, no]);
    }), "Không có đề xuất nào đang chờ duyệt."));
    clear($("lexicon-approved")).append(entryTable("lexicon-in-use", approved.map((e) => {
      if (!Loa.can.approve()) return entryRow(e, null);
      const retire = el("button", { type: "button", class: "small", "data-action": "retire" }, "Thôi dùng");
      retire.addEventListener("click", async () => {
        const ok = await Loa.confirmBox({
          title: `Thôi đọc “${e.word}” là “${e.reading}”?`,
          body: ["Các bản tin dựng sau sẽ đọc từ này theo cách mặc định của máy."], ok: "Thôi dùng",
        });
        if (!ok) return;
        run(retire, async () => {
          await api("DELETE", `/api/lexicon/${e.id}`);
          showNotice(`Đã thôi dùng cách đọc “${e.word}”.`);
          await renderLexicon();
        });
      });
      return entryRow(e, [retire]);
    }), "Chưa có cách đọc nào do đài đặt."));
    $("lexicon-closed-box").classList.toggle("hidden", !closed.length);
    clear($("lexicon-closed")).append(entryTable("lexicon-closed-list", closed.map((e) => entryRow(e, [
      el("span", { class: "badge" }, e.status === "rejected" ? "Đã từ chối" : "Đã thôi dùng")])), ""));
  }

  async function load() {
    catalogue = await api("GET", "/api/voices");
    renderVoices();
    await Promise.all([renderColumns(), renderProviders(), renderLexicon()]);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".edit-only").forEach((n) => n.classList.toggle("hidden", !Loa.can.edit()));
    $("lexicon-start").addEventListener("click", () => {
      const word = $("lexicon-word").value.trim();
      if (!word) {
        Loa.showError(new Error("Vui lòng nhập từ cần sửa cách đọc."));
        return;
      }
      const box = clear($("lexicon-form-box"));
      box.append(LoaReading.proposalForm({
        word, sentence: word, voice: catalogue.chain[0],
        onDone: async () => {
          $("lexicon-word").value = "";
          await renderLexicon();
        },
      }));
    });
    $("lexicon-word").addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        $("lexicon-start").click();
      }
    });
    run(null, load);
  });
})();
