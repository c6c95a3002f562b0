// Live preview of a policy case in the admin. The server evaluates the policies and the
// request exactly as loading the lesson does; this file only asks for that HTML while an
// author types, a moment after they pause.
(function () {
  "use strict";

  var DELAY_MS = 300;
  var timer = null;

  function field(form, name) {
    return form.querySelector("textarea[name=" + name + "]");
  }

  function refresh(textarea) {
    var form = textarea.form;
    var target = document.getElementById("policy-case-preview");
    if (!form || !target) {
      return;
    }
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var body = new FormData();
    body.append("policies", field(form, "policies").value);
    body.append("request", field(form, "request").value);
    fetch(textarea.dataset.policyPreview, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" },
    })
      .then(function (response) {
        // A 400 carries the reason the case cannot be decided: shown like a result.
        return response.ok || response.status === 400
          ? response.text()
          : Promise.reject(response.status);
      })
      .then(function (html) {
        // Rendered and escaped on the server by Django templates.
        target.innerHTML = html;
      })
      .catch(function () {
        target.textContent = "The preview is unavailable; the case is kept as typed.";
      });
  }

  document.addEventListener("input", function (event) {
    var textarea = event.target;
    if (!(textarea instanceof HTMLTextAreaElement) || !textarea.dataset.policyPreview) {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(function () { refresh(textarea); }, DELAY_MS);
  });
})();
