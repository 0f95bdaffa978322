// "Copy" buttons next to secrets shown once.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  button.addEventListener("click", async function () {
    const field = document.querySelector(button.dataset.copy);
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
    } catch (error) {
      document.execCommand("copy");
    }
    button.textContent = "Copied";
    setTimeout(function () { button.textContent = "Copy"; }, 2000);
  });
});
