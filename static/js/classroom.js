// The projector's live count: polls the session's results every few seconds and moves the meters.
(function () {
  "use strict";

  function follow(section) {
    var url = section.getAttribute("data-results-url");

    function show(results) {
      ["a", "b", "total"].forEach(function (name) {
        var count = section.querySelector('[data-count="' + name + '"]');
        if (count) { count.textContent = results[name]; }
        var meter = section.querySelector('[data-meter="' + name + '"]');
        if (meter) { meter.max = Math.max(results.total, 1); meter.value = results[name]; }
      });
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (results) {
          show(results);
          if (!results.revealed) { window.setTimeout(poll, 3000); }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 3000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-results-url]").forEach(follow);
  });
})();
