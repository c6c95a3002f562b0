// Small behaviours on top of pages that work without JavaScript.
(() => {
  // After htmx swaps in a reveal, move keyboard and screen-reader focus to it, so the
  // learner hears what was revealed and carries on from there. The server marks the one
  // element to focus with data-autofocus, only in the fragment that answers an action.
  document.addEventListener("htmx:afterSettle", () => {
    const target = document.querySelector("[data-autofocus]");
    if (target) {
      target.removeAttribute("data-autofocus");
      target.focus();
    }
  });

  // The theme toggle switches the page at once; htmx then posts the choice so the server
  // renders the next page in it. "system" drops the attribute: the media query decides.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const button = event.submitter;
    if (!form.classList.contains("theme-toggle") || !button) return;
    if (button.value === "system") {
      delete document.documentElement.dataset.theme;
    } else {
      document.documentElement.dataset.theme = button.value;
    }
    for (const choice of form.querySelectorAll("button[name=theme]")) {
      choice.setAttribute("aria-pressed", String(choice === button));
    }
  });

  // Every htmx form shows it is working: its buttons are disabled, the one pressed shows
  // a spinner, and the form is aria-busy until the answer arrives. Set here once, so no
  // template has to carry hx-disabled-elt or hx-indicator.
  const pressed = new WeakMap();

  function formOf(event) {
    const elt = event.detail.elt;
    return elt && elt.closest ? elt.closest("form") : null;
  }

  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = formOf(event);
    if (!form) return;
    const trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    const submitter = trigger && trigger.submitter;
    pressed.set(form, submitter || null);
    form.setAttribute("aria-busy", "true");
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    if (submitter) submitter.classList.add("is-busy");
    const shown = form.parentElement && form.parentElement.querySelector(":scope > .inline-error");
    if (shown) shown.remove();
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const form = formOf(event);
    if (!form || !form.isConnected) return;
    form.removeAttribute("aria-busy");
    for (const button of form.querySelectorAll("button")) {
      button.disabled = false;
      button.classList.remove("is-busy");
    }
  });

  // A failed request swaps nothing in, so say so beside the form that failed, with a
  // button to try again. The server's error answers carry their message in
  // [data-error-message]; it is read as text, never as HTML.
  function besideForm(form, message) {
    let box = form.nextElementSibling;
    if (!box || !box.classList.contains("inline-error")) {
      box = document.createElement("div");
      box.className = "inline-error";
      box.setAttribute("role", "alert");
      const text = document.createElement("p");
      const retry = document.createElement("button");
      retry.type = "button";
      retry.className = "secondary";
      retry.textContent = "Try again";
      retry.addEventListener("click", () => {
        const submitter = pressed.get(form);
        box.remove();
        if (submitter && submitter.form === form) {
          // htmx sends the value of the button that last had focus in the form.
          submitter.focus();
          form.requestSubmit(submitter);
        } else {
          form.requestSubmit();
        }
      });
      box.append(text, retry);
      form.after(box);
    }
    box.querySelector("p").textContent = message;
  }

  function atTop(message) {
    let region = document.getElementById("request-error");
    if (!region) {
      region = document.createElement("div");
      region.id = "request-error";
      region.className = "request-error";
      region.setAttribute("role", "alert");
      (document.getElementById("main") || document.body).prepend(region);
    }
    region.textContent = message;
  }

  function report(event, message) {
    const form = formOf(event);
    if (form && form.isConnected) {
      besideForm(form, message);
    } else {
      atTop(message);
    }
  }

  document.addEventListener("htmx:responseError", (event) => {
    const text = event.detail.xhr.responseText || "";
    const doc = new DOMParser().parseFromString(text, "text/html");
    const marked = doc.querySelector("[data-error-message]");
    const message = (marked ? marked.textContent : doc.body.textContent || "").trim();
    report(event, message.slice(0, 300) || "That did not work. Please try again.");
  });

  document.addEventListener("htmx:sendError", (event) => {
    report(event, "The server could not be reached, so nothing was saved. Check your connection and try again.");
  });

  document.addEventListener("htmx:afterSwap", () => {
    const region = document.getElementById("request-error");
    if (region) region.remove();
  });
})();
