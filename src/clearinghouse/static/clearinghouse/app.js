// After htmx swaps in a new main part, keyboard and screen-reader users continue from there.
// (htmx:load fires on new content; the swapped-out element's own events reach no listener.)
document.addEventListener("htmx:load", function (event) {
  if (event.target.id === "main") { event.target.focus(); }
});
