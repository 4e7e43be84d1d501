/* The readings form's live preview: after the resident stops typing for a
   moment, the form is sent to the preview endpoint (it saves nothing) and
   the panel shows what these readings would add to the month's bill.
   Without JavaScript the «Рассчитать» button does the same by re-rendering
   the page. Only the latest answer is shown (an older, slower one is
   dropped). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  var panel = document.getElementById("readings-preview");
  if (!form || !panel || !window.fetch || !window.FormData) {
    return;
  }
  var timer = null;
  var sent = 0;

  function update() {
    var ticket = ++sent;
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "XMLHttpRequest" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data && ticket === sent) {
          panel.innerHTML = data.html;
        }
      })
      .catch(function () {});
  }

  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 400);
  });
})();
