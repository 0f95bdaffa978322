// Enhancements every page shares; each page works without them.
(function () {
  // Pop-up <details> (the organization switcher, the phone menu) close like menus do: on
  // Escape (focus goes back to their button), when focus moves out of them, and on a click
  // elsewhere. Without JavaScript they still open and close with their button.
  const dismissables = document.querySelectorAll("details[data-dismissable]");
  dismissables.forEach(function (details) {
    const summary = details.querySelector("summary");
    details.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !details.open) return;
      // The innermost open one closes first (the switcher inside the phone menu).
      event.stopPropagation();
      details.open = false;
      summary.focus();
    });
    details.addEventListener("focusout", function (event) {
      if (details.open && event.relatedTarget && !details.contains(event.relatedTarget)) {
        details.open = false;
      }
    });
  });
  document.addEventListener("click", function (event) {
    dismissables.forEach(function (details) {
      if (details.open && !details.contains(event.target)) details.open = false;
    });
  });

  // After a failed submit, focus goes to the first field in error (its label and message are
  // read out with it), or to the form's error summary when the error is the whole form's.
  const invalid = document.querySelector("main [aria-invalid=true]");
  const summary = document.querySelector("main [data-error-summary], main .form-errors");
  const target = invalid || summary;
  if (target) {
    if (target === summary && !summary.hasAttribute("tabindex")) summary.tabIndex = -1;
    target.focus();
  }
})();
