// The API docs page: Swagger UI's Authorize dialog opens at its first scheme, the bearer
// token, with the keyboard focus in its field (Swagger UI would focus the last field and
// scroll the dialog to the bottom); and the server list is named "Servers" for assistive
// technology too (Swagger UI wraps it in an empty label beside the visible title).
"use strict";
(() => {
  const openAtTheTop = (dialog) => {
    const content = dialog.querySelector(".modal-ux-content");
    if (content) content.scrollTop = 0;
    const first = dialog.querySelector("input, select, textarea");
    if (first) first.focus({ preventScroll: true });
  };
  const nameTheServers = (node) => {
    const select = node.matches("select#servers") ? node : node.querySelector("select#servers");
    if (select && !select.hasAttribute("aria-label")) select.setAttribute("aria-label", "Servers");
  };
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (!(node instanceof Element)) continue;
        nameTheServers(node);
        const dialog = node.matches(".modal-ux") ? node : node.querySelector(".modal-ux");
        if (dialog) requestAnimationFrame(() => openAtTheTop(dialog));
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
})();
