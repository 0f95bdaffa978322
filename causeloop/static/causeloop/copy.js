// "Copy" buttons next to secrets shown once and links to share. Without JavaScript they
// cannot copy, so a button that starts `hidden` is shown only here.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  const label = button.innerHTML;
  button.hidden = false;
  button.addEventListener("click", async function () {
    const field = document.querySelector(button.dataset.copy);
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
