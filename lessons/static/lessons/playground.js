// The policy playground answers bad input with 400 and the messages beside the fields.
// The site's htmx configuration does not swap 4xx answers; this one is meant to be shown.
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (event.detail.xhr.status === 400 && target && target.id === "playground-result") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
