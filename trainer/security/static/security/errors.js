// When an htmx request fails (4xx, 5xx, or no answer at all), nothing is swapped in, so
// say so where it will be seen and heard: one live region at the top of <main>. The
// server's error answers carry their message in [data-error-message]; it is read as text.
(() => {
  function notice(message) {
    let region = document.getElementById("request-error");
    if (!region) {
      region = document.createElement("div");
      region.id = "request-error";
      region.className = "request-error";
      region.setAttribute("role", "alert");
      const main = document.getElementById("main") || document.body;
      main.prepend(region);
    }
    region.textContent = message;
  }

  document.addEventListener("htmx:responseError", (event) => {
    const text = event.detail.xhr.responseText || "";
    const doc = new DOMParser().parseFromString(text, "text/html");
    const marked = doc.querySelector("[data-error-message]");
    const message = (marked ? marked.textContent : doc.body.textContent || "").trim();
    notice(message.slice(0, 300) || "That did not work. Please reload the page and try again.");
  });

  document.addEventListener("htmx:sendError", () => {
    notice("The server could not be reached. Check your connection and try again.");
  });

  document.addEventListener("htmx:afterSwap", () => {
    const region = document.getElementById("request-error");
    if (region) region.remove();
  });
})();
