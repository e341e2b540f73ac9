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

// Forms that help (pledge and need forms; no inline script: data attributes only).
(function () {
  // A select marked data-kind-switch shows only the fieldsets whose data-kinds name its value;
  // the others are hidden and disabled, so their fields are not sent. Nothing chosen: all show.
  function switchKinds(select) {
    var kind = select.value;
    select.form.querySelectorAll("fieldset[data-kinds]").forEach(function (set) {
      var shown = !kind || set.dataset.kinds.split(" ").indexOf(kind) >= 0;
      set.hidden = !shown;
      set.disabled = !shown;
    });
  }

  // A quantity marked data-whole-with="<item menu id>" asks for whole units (step and min 1)
  // when the chosen item is indivisible (its option says data-indivisible).
  function wholeUnits(menu) {
    var chosen = menu.options[menu.selectedIndex];
    var whole = Boolean(chosen && chosen.dataset.indivisible);
    document.querySelectorAll('input[data-whole-with="' + menu.id + '"]').forEach(function (q) {
      q.step = whole ? "1" : "0.001";
      q.min = whole ? "1" : "0.001";
    });
  }

  // A date marked data-warn-past says so, beside it, as soon as a past date is entered.
  function warnPast(input) {
    var id = input.id + "_pastwarning";
    var note = document.getElementById(id);
    var today = new Date();
    var local = new Date(today.getTime() - today.getTimezoneOffset() * 60000);
    var past = input.value && input.value < local.toISOString().slice(0, 10);
    if (past && !note) {
      note = document.createElement("p");
      note.id = id;
      note.className = "help warning";
      note.setAttribute("role", "status");
      note.textContent = input.dataset.warnPast;
      input.insertAdjacentElement("afterend", note);
    } else if (!past && note) {
      note.remove();
    }
  }

  function setUp(root) {
    root.querySelectorAll("select[data-kind-switch]").forEach(function (select) {
      switchKinds(select);
      select.addEventListener("change", function () { switchKinds(select); });
    });
    root.querySelectorAll("input[data-whole-with]").forEach(function (q) {
      var menu = document.getElementById(q.dataset.wholeWith);
      if (menu) {
        wholeUnits(menu);
        menu.addEventListener("change", function () { wholeUnits(menu); });
      }
    });
    root.querySelectorAll("input[data-warn-past]").forEach(function (input) {
      input.addEventListener("change", function () { warnPast(input); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  } else {
    setUp(document);
  }
})();
