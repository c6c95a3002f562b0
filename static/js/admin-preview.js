// Live Markdown preview in the lesson admin. The server renders and sanitizes the text
// exactly as it does for learners; this file only asks for that HTML while an author
// types, a moment after they pause.
(function () {
  "use strict";

  var DELAY_MS = 300;
  var timers = new WeakMap();

  function csrfToken(textarea) {
    var form = textarea.form;
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function previewOf(textarea) {
    var next = textarea.nextElementSibling;
    return next && next.classList.contains("markdown-preview")
      ? next.querySelector(".markdown-preview-body")
      : null;
  }

  function refresh(textarea) {
    var target = previewOf(textarea);
    if (!target) {
      return;
    }
    var body = new FormData();
    body.append("text", textarea.value);
    fetch(textarea.dataset.markdownPreview, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(textarea) },
    })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        // Sanitized on the server by the same allow-list as the learner's page.
        target.innerHTML = html;
      })
      .catch(function () {
        target.textContent = "The preview is unavailable; the text is kept as typed.";
      });
  }

  document.addEventListener("input", function (event) {
    var textarea = event.target;
    if (!(textarea instanceof HTMLTextAreaElement) || !textarea.dataset.markdownPreview) {
      return;
    }
    clearTimeout(timers.get(textarea));
    timers.set(textarea, setTimeout(function () { refresh(textarea); }, DELAY_MS));
  });
})();
