// The review desk: "Xem trên trang" draws boxes over the words of a field on its page image, from the
// word boxes OCR kept (served through the access check). No inline script: the CSP forbids it.
"use strict";
(function () {
  const pages = document.getElementById("pages");
  if (!pages) return;
  const documentId = pages.dataset.document;
  const cache = {};
  const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d").toLowerCase();
  function words(page) {
    cache[page] = cache[page] || fetch(`/review/${documentId}/words/${page}.json`, {credentials: "same-origin"}).then((r) => r.json());
    return cache[page];
  }
  function clear() { document.querySelectorAll(".mark-box").forEach((b) => b.remove()); }
  async function locate(button) {
    clear();
    const input = document.getElementById(button.dataset.field);
    const figure = document.getElementById("page-" + button.dataset.page);
    if (!input || !figure) return;
    figure.scrollIntoView({block: "center"});
    const data = await words(button.dataset.page);
    const wanted = new Set(fold(input.value).split(/[\s,.;:/()-]+/).filter((t) => t.length > 1));
    if (!data.size || !wanted.size) return;
    const [w, h] = data.size;
    const stage = figure.querySelector(".stage");
    for (const word of data.words) {
      const tokens = fold(word.text).split(/[\s,.;:/()-]+/).filter(Boolean);
      if (!tokens.some((t) => wanted.has(t))) continue;
      const [x, y, bw, bh] = word.box;
      const box = document.createElement("span");
      box.className = "mark-box";
      box.style.left = (100 * x / w) + "%";
      box.style.top = (100 * y / h) + "%";
      box.style.width = (100 * bw / w) + "%";
      box.style.height = (100 * bh / h) + "%";
      stage.appendChild(box);
    }
  }
  document.querySelectorAll("button.locate").forEach((b) => b.addEventListener("click", () => locate(b)));
  document.querySelectorAll("#desk-form input[data-page]").forEach((input) => {
    input.addEventListener("focus", () => {
      const b = document.querySelector(`button.locate[data-field="${input.id}"]`);
      if (b) locate(b);
    });
  });
})();
