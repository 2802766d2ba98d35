// Small improvements only: every page works without this file.
(function () {
  "use strict";

  // After a refused form, take keyboard and screen-reader users to the list of problems.
  var summary = document.getElementById("form-errors");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }

  // One click, one submission: a second click on a slow network would post the form twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    window.setTimeout(function () { form.dataset.submitted = ""; }, 5000);
  });
})();
