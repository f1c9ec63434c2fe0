// What every page does, kept out of the templates (the Content-Security-Policy runs no inline
// script and no inline event handler; see core/headers.py).
(function () {
  // On a phone the menu folds behind its button (the stylesheet folds it only when this runs).
  document.documentElement.classList.add("js");
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-menu-toggle]");
    if (!button) return;
    var header = button.closest(".site-header");
    var open = header.classList.toggle("menu-open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  // A form field marked data-autosubmit sends its form when it changes (the pickers).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) field.form.submit();
  });
  // A part of a page loaded by htmx that the reader's role may not open says so in words
  // (its data-refused text) instead of staying on "Loading…".
  document.addEventListener("htmx:responseError", function (event) {
    var el = event.detail.elt;
    if (!el || !el.dataset || !el.dataset.refused) return;
    var p = document.createElement("p");
    p.className = "empty";
    p.textContent = el.dataset.refused;
    el.replaceChildren(p);
  });
  // A print button (data-print) opens the browser's print dialog.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });
  // A chart whose height depends on its rows says so in data-height (no inline style).
  document.querySelectorAll("[data-height]").forEach(function (el) {
    el.style.height = el.dataset.height + "px";
  });
})();
