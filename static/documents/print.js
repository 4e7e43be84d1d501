// The print view's "Печать" button (no inline scripts: CSP script-src 'self').
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".js-print").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
