/* A page that waits for the worker (a receipt being rendered, documents being
   prepared) asks the server again every few seconds instead of reloading
   itself (WCAG 2.2.1: a page that reloads on a timer is hard to read with a
   screen reader). The element [data-watch-url] is a polite live region:

   - data-watch-mode="away": the URL is the page itself, which answers
     something else once the work is done (the PDF, the print view); then the
     region says data-ready-text and the hidden [data-watch-ready] link
     shows — a file (the PDF) is also downloaded at once, as the resident
     asked, while the page stays; an answer carrying [data-watch-failed]
     says data-failed-text;
   - data-watch-mode="swap": the URL is the page itself; each answer's
     [data-watch-swap] element replaces ours, until the new one no longer
     carries data-pending; then the region says data-ready-text.

   It stops after about two minutes (data-timeout-text, if any). Without
   JavaScript the page's own «Обновить» link does the same by hand. */
(function () {
  "use strict";
  var region = document.querySelector("[data-watch-url]");
  if (!region || !window.fetch) {
    return;
  }
  var url = region.getAttribute("data-watch-url");
  var mode = region.getAttribute("data-watch-mode");
  var every = 4000;
  var left = 30; // 30 × 4 s = 2 minutes

  function say(text) {
    if (text) {
      region.textContent = text;
    }
  }

  function ready() {
    say(region.getAttribute("data-ready-text"));
    region.className = region.className.replace("alert-info", "alert-success");
    var link = document.querySelector("[data-watch-ready]");
    if (link) {
      link.hidden = false;
    }
  }

  function later() {
    left -= 1;
    if (left > 0) {
      window.setTimeout(ask, every);
    } else {
      say(region.getAttribute("data-timeout-text"));
    }
  }

  function away(response) {
    var type = response.headers.get("Content-Type") || "";
    if (!response.ok) {
      later();
    } else if (type.indexOf("text/html") !== 0) {
      ready();
      // The file the resident asked for: it downloads, the page stays.
      window.location.assign(url);
    } else {
      response.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (doc.querySelector("[data-watch-failed]")) {
          say(region.getAttribute("data-failed-text"));
        } else if (doc.querySelector("[data-watch-url]")) {
          later();
        } else {
          ready();
        }
      }, later);
    }
  }

  function swap(response) {
    if (!response.ok) {
      later();
      return;
    }
    response.text().then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-watch-swap]");
      var old = document.querySelector("[data-watch-swap]");
      if (!fresh || !old) {
        later();
        return;
      }
      old.replaceWith(fresh);
      if (fresh.hasAttribute("data-pending")) {
        later();
      } else {
        ready();
      }
    }, later);
  }

  function ask() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(mode === "away" ? away : swap)
      .catch(later);
  }

  window.setTimeout(ask, every);
})();
