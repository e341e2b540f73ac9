// After htmx swaps in a new main part, keyboard and screen-reader users continue from there.
// (htmx:load fires on new content; the swapped-out element's own events reach no listener.)
document.addEventListener("htmx:load", function (event) {
  if (event.target.id === "main") { event.target.focus(); }
});

// The menu folds behind its button on a narrow screen; it starts folded there.
document.addEventListener("DOMContentLoaded", function () {
  var toggle = document.querySelector(".menu-toggle");
  var menu = document.getElementById("site-menu");
  if (!toggle || !menu) { return; }
  var narrow = window.matchMedia("(max-width: 48rem)");
  function show(open) {
    menu.classList.toggle("folded", !open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  toggle.hidden = false;
  show(!narrow.matches);
  toggle.addEventListener("click", function () {
    show(toggle.getAttribute("aria-expanded") !== "true");
  });
  narrow.addEventListener("change", function (event) { show(!event.matches); });
});
