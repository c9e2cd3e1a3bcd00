// Follows a running job: polls its status URL, moves the progress bar, and
// reloads the page when the job has finished so the result appears.
(function () {
  "use strict";

  function follow(section) {
    var url = section.getAttribute("data-job-status-url");
    var field = function (name) { return section.querySelector('[data-job-field="' + name + '"]'); };
    var delay = 400;

    function update(job) {
      field("status_display").textContent = job.status_display;
      field("stage").textContent = job.stage || "";
      field("progress").value = job.percent;
      field("progress").textContent = job.percent + "%";
      field("counts").textContent = job.total ? job.done + " of " + job.total : "";
      var message = field("message");
      message.textContent = job.message || "";
      message.hidden = !job.message;
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (job) {
          if (job.finished) { window.location.reload(); return; }
          update(job);
          delay = Math.min(delay * 1.3, 2000);
          window.setTimeout(poll, delay);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, delay);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-job-status-url]").forEach(follow);
  });
})();
