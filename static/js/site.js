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
