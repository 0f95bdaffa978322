// "Copy" buttons (`data-copy="#field"`): rendered hidden, since without JavaScript they could
// do nothing; shown here, once each, however many pages include this script.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  if (button.dataset.copyReady) return;
  button.dataset.copyReady = "true";
  const label = button.textContent;
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
    setTimeout(function () { button.textContent = label; }, 2000);
  });
});
