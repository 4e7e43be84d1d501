/* The payment return page while the payment is pending: instead of a page
   that reloads itself (WCAG 2.2.1), ask the status endpoint every few
   seconds, for about two minutes at most, and when the status is final put
   its message (rendered by the server, the same as after a reload) into the
   page's polite live region, hide «Проверить статус» and show the link to the
   account's new state. If it is still pending by then, say so once and leave
   «Проверить статус» to the resident. Without JavaScript that link is all. */
(function () {
  "use strict";
  var region = document.querySelector("[data-status-url]");
  if (!region || !window.fetch) {
    return;
  }
  var url = region.getAttribute("data-status-url");
  var every = 3000;
  var left = 40; // 40 × 3 s = 2 minutes

  function show(selector, visible) {
    var node = document.querySelector(selector);
    if (node) {
      node.hidden = !visible;
    }
  }

  function settle(html) {
    region.innerHTML = html;
    show("[data-payment-pending]", false);
    show("[data-payment-final]", true);
  }

  function later() {
    left -= 1;
    if (left > 0) {
      window.setTimeout(ask, every);
    } else {
      var note = document.createElement("div");
      note.className = "alert alert-warning";
      note.textContent = region.getAttribute("data-timeout-text");
      region.innerHTML = "";
      region.appendChild(note);
    }
  }

  function ask() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data && data.final) {
          settle(data.html);
        } else {
          later();
        }
      })
      .catch(later);
  }

  window.setTimeout(ask, every);
})();
