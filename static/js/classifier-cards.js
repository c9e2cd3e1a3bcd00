// On the training form, show only the card and settings of the chosen kind of
// model. Without JavaScript every card stays visible, which still works.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.querySelector("select[name=classifier]");
    if (!select) { return; }
    var cards = document.querySelectorAll("[data-classifier]");
    function show() {
      cards.forEach(function (card) { card.hidden = card.getAttribute("data-classifier") !== select.value; });
    }
    select.addEventListener("change", show);
    show();
  });
})();
