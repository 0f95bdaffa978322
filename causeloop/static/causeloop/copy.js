// "Copy" buttons (`data-copy="#field"`) next to secrets shown once and links to share: rendered
// hidden, since without JavaScript they could do nothing; shown here, once each, however many
// pages include this script.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  if (button.dataset.copyReady) return;
  button.dataset.copyReady = "true";
  const label = button.innerHTML;  // may hold screen-reader text beside the visible word
  button.hidden = false;
  button.addEventListener("click", async function () {
    const field = document.querySelector(button.dataset.copy);
    if (!field) return;
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
    } catch (error) {
      document.execCommand("copy");
    }
    button.textContent = "Copied";
    setTimeout(function () { button.innerHTML = label; }, 2000);
  });
});
