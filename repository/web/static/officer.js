// The counter's start form: the applicant's identifier is checked as it is typed and masked once
// entered (it travels in the form's body only, never in a URL). No inline script: the CSP forbids it.
"use strict";
(function () {
  const input = document.getElementById("owner_id");
  if (!input) return;
  const hint = document.getElementById("owner_id_hint");
  function check(value) {
    const v = value.replace(/\s/g, "");
    if (!v) return "";
    if (/^\d{12}$/.test(v)) return "ok:Số định danh cá nhân 12 chữ số";
    if (/^\d{10}(-\d{3})?$/.test(v)) return "ok:Mã số thuế / mã số doanh nghiệp";
    if (/\D/.test(v.replace("-", ""))) return "bad:Chỉ gồm chữ số";
    return "bad:Cần 12 chữ số (định danh) hoặc 10 chữ số (mã số thuế), đang có " + v.replace("-", "").length;
  }
  function show() {
    const result = check(input.value);
    hint.textContent = result.slice(result.indexOf(":") + 1);
    hint.className = "hint " + (result.startsWith("bad") ? "error" : "muted");
    input.setCustomValidity(result.startsWith("bad") ? hint.textContent : "");
  }
  input.addEventListener("input", show);
  input.addEventListener("blur", () => { if (check(input.value).startsWith("ok")) input.type = "password"; });
  input.addEventListener("focus", () => { input.type = "text"; });
})();

// Forms that undo something (detach, cancel a case, change the applicant) ask first: data-confirm
// holds the question.
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});

// The print button of the document page.
const printButton = document.getElementById("print");
if (printButton) printButton.addEventListener("click", () => window.print());
