// The webhook form's event filter: choosing "only the types ticked" opens the list of types,
// ticking a type chooses it, and choosing "all events" clears the ticks (they would mean
// nothing). Without JavaScript the list opens with its button, and the server says so when
// the choice and the ticks disagree.
document.querySelectorAll("[data-event-filter]").forEach(function (filter) {
  const all = filter.querySelector("[data-events-all]");
  const chosen = filter.querySelector("[data-events-chosen]");
  const list = filter.querySelector("[data-event-types]");
  const boxes = filter.querySelectorAll("input[type=checkbox]");
  chosen.addEventListener("change", function () {
    if (chosen.checked) list.open = true;
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      if (box.checked) chosen.checked = true;
    });
  });
  all.addEventListener("change", function () {
    if (all.checked) boxes.forEach(function (box) { box.checked = false; });
  });
});
