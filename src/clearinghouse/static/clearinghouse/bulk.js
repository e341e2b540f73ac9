// Bulk selection on a list page (templates/listing.html). Without this script the "All on this
// page" box still works: the server then takes every row of the page. With it, the box also
// ticks the rows, and unticking one row unticks the box, so what is sent is what is shown.
document.addEventListener("change", function (event) {
  var box = event.target;
  var form = box.form;
  if (!form || form.id !== "bulk-form") { return; }
  var picks = form.querySelectorAll('input[name="pick"]');
  if (box.hasAttribute("data-bulk-all")) {
    picks.forEach(function (pick) { pick.checked = box.checked; });
  } else if (box.name === "pick" && !box.checked) {
    var all = form.querySelector("[data-bulk-all]");
    if (all) { all.checked = false; }
  }
});
