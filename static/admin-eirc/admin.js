/* Names for the admin's form controls that Django and its widgets leave
   unnamed (axe: label, select-name, aria-input-field-name,
   aria-prohibited-attr). Inline tables are named on the server
   (eirc.admin.TabularInline); this covers what the admin's own widgets build
   in the browser:
   - select2 (autocomplete) boxes: the combobox and its text get the label of
     the <select> they replace;
   - a date-and-time field's two inputs: its label plus «дата» / «время»;
   - editable cells of a change list: their column's header;
   - the search icons of the two-list selector carry an aria-label on a bare
     <span>: they become role="img";
   - a table box that scrolls sideways on a phone and holds nothing to focus
     (a read-only inline) can be focused and scrolled with the keyboard.
   Runs when the page has loaded and again when rows are added. */
(function () {
  "use strict";

  function clean(text) {
    return (text || "").replace(/\s+/g, " ").replace(/[:*]\s*$/, "").trim();
  }

  function columnHeader(el) {
    var cell = el.closest("td, th");
    var table = cell && cell.closest("table");
    var head = table && table.tHead && table.tHead.rows[0];
    var th = head && head.cells[cell.cellIndex];
    return th ? clean(th.textContent) : "";
  }

  function rowLabel(el) {
    var row = el.closest(".form-row, .fieldBox, .flex-container");
    var label = row && row.querySelector("label");
    return label ? clean(label.textContent) : "";
  }

  function named(el) {
    if (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.closest("label")) return true;
    return Array.prototype.some.call(el.labels || [], function (label) {
      return clean(label.textContent) !== "";
    });
  }

  function nameFor(el) {
    var text = rowLabel(el) || columnHeader(el) || el.name || "";
    if (el.closest(".datetime")) {
      if (/_0$/.test(el.id)) text += " — дата";
      if (/_1$/.test(el.id)) text += " — время";
    }
    return text;
  }

  function nameControls() {
    document.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (el) {
      if (!named(el)) {
        var text = nameFor(el);
        if (text) el.setAttribute("aria-label", text);
      }
    });
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var box = select.nextElementSibling;
      if (!box) return;
      var text = (select.labels && select.labels[0] && clean(select.labels[0].textContent)) || select.getAttribute("aria-label") || nameFor(select);
      box.querySelectorAll('[role="combobox"], [role="textbox"]').forEach(function (part) {
        if (!part.getAttribute("aria-label")) part.setAttribute("aria-label", text);
      });
    });
    document.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
    document.querySelectorAll(".inline-group .tabular, #changelist .results").forEach(function (box) {
      var focusable = box.querySelector("a[href], button, input:not([type=hidden]), select, textarea, [tabindex]");
      if (box.scrollWidth > box.clientWidth && !focusable && !box.hasAttribute("tabindex")) {
        var heading = box.querySelector("h2, caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", heading ? clean(heading.textContent) : "Таблица");
      }
    });
  }

  var pending = false;
  function later() {
    if (pending) return;
    pending = true;
    window.setTimeout(function () {
      pending = false;
      nameControls();
    }, 50);
  }

  function start() {
    nameControls();
    // A sign that the page's controls are named (the browser tests wait for it).
    document.documentElement.setAttribute("data-controls-named", "");
    new MutationObserver(later).observe(document.body, { childList: true, subtree: true });
  }

  window.addEventListener("load", function () {
    // The admin builds its select2 boxes in a jQuery ready handler, which
    // runs asynchronously and on a busy machine after «load»: a handler
    // added now runs after it, so the boxes exist when they are named.
    var jq = window.django && window.django.jQuery;
    if (jq) {
      jq(function () {
        window.setTimeout(start, 0);
      });
    } else {
      start();
    }
  });
})();
