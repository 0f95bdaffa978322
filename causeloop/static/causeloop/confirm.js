// Destructive buttons ask first, in a <dialog>, with the words the server gave the button
// (data-confirm-title, -message, -button). A role <select> asks only for the roles that take
// something away: their <option>s carry the words. Confirming posts the form with confirm=yes;
// Cancel or Escape changes nothing. Without JavaScript (or without <dialog>) the form posts
// unconfirmed and the server answers with a confirmation page saying the same.
(function () {
  const dialog = document.getElementById("confirm-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const title = document.getElementById("confirm-dialog-title");
  const message = document.getElementById("confirm-dialog-message");
  const confirmButton = document.getElementById("confirm-dialog-confirm");
  let pending = null;

  function wordsFor(form, submitter) {
    const select = form.querySelector("select[data-confirm-options]");
    if (select) {
      const option = select.options[select.selectedIndex];
      return option && option.dataset.confirmMessage ? option.dataset : null;
    }
    return submitter && submitter.dataset.confirmMessage ? submitter.dataset : null;
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    const words = wordsFor(form, event.submitter);
    if (!words) return; // nothing is taken away: post at once
    event.preventDefault();
    pending = form;
    title.textContent = words.confirmTitle;
    message.textContent = words.confirmMessage;
    confirmButton.textContent = words.confirmButton;
    dialog.returnValue = "";
    dialog.showModal();
  });

  dialog.addEventListener("close", function () {
    const form = pending;
    pending = null;
    if (!form || dialog.returnValue !== "confirm") return;
    const confirm = document.createElement("input");
    confirm.type = "hidden";
    confirm.name = "confirm";
    confirm.value = "yes";
    form.appendChild(confirm);
    form.submit(); // no submit event: the dialog does not open again
  });
})();
