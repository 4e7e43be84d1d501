/* The site's own behaviour (no inline scripts: the CSP forbids them).
   - A form's error summary takes the focus when the page opens, so screen
     readers read it first and keyboard users start from it.
   - The captcha's "another picture" button fetches a new challenge. */
(function () {
  "use strict";

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  function refreshCaptcha(button) {
    var box = button.closest("[data-captcha]");
    var form = button.closest("form");
    if (!box || !form || !window.fetch) {
      return;
    }
    fetch(button.getAttribute("data-refresh-url"), {
      headers: { "X-Requested-With": "XMLHttpRequest" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        var image = box.querySelector("img.captcha");
        var audio = box.querySelector("a.captcha-audio");
        var key = form.querySelector("input[name$='captcha_0']");
        var answer = form.querySelector("input[name$='captcha_1']");
        var status = box.querySelector("[data-captcha-status]");
        if (image) image.src = data.image_url;
        if (audio && data.audio_url) audio.href = data.audio_url;
        if (key) key.value = data.key;
        if (answer) {
          answer.value = "";
          answer.focus();
        }
        if (status) status.textContent = status.getAttribute("data-done");
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-captcha-refresh]");
    if (button) {
      event.preventDefault();
      refreshCaptcha(button);
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusErrorSummary);
  } else {
    focusErrorSummary();
  }
})();
