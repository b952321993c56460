/* "Tiếp sóng": a relay program (national or provincial radio), its URL tested before saving. */
"use strict";

(() => {
  const { api, run, showNotice } = Loa;
  const $ = (id) => document.getElementById(id);

  async function check(url) {
    const result = await api("POST", "/api/relay/check", { url });
    if (!result.ok) {
      throw new Error(`Không nhận được âm thanh từ địa chỉ này: ${result.error || "không rõ lý do"}.`);
    }
    return result;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = $("relay-form");
    if (!form) return;
    form.closest(".card").classList.toggle("hidden", !Loa.can.edit());
    $("relay-check").addEventListener("click", () => {
      run($("relay-check"), async () => {
        await check($("relay-url").value.trim());
        showNotice("Kết nối tốt: đã nhận được âm thanh từ nguồn tiếp sóng.");
      });
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      run($("relay-submit"), async () => {
        const url = $("relay-url").value.trim();
        const minutes = Number($("relay-minutes").value);
        if (!(minutes > 0)) throw new Error("Thời lượng tiếp sóng phải lớn hơn 0 phút.");
        await check(url);  // a URL that does not answer is not saved
        const program = await api("POST", "/api/programs", {
          title: $("relay-title").value.trim(),
          topic: $("relay-topic").value.trim(),
          segments: [{ type: "relay", url, seconds: Math.round(minutes * 60) }],
        });
        form.reset();
        showNotice(`Đã tạo chương trình tiếp sóng “${program.title}”. Bấm “Xếp lịch” để đưa lên lịch phát.`);
        window.setTimeout(() => window.location.reload(), 800);
      });
    });
  });
})();
