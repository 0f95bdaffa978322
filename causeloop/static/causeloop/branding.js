// Live preview of the brand colours while they are being chosen.
(function () {
  const form = document.getElementById("branding-form");
  const preview = document.getElementById("brand-preview");
  if (!form || !preview) return;
  const fields = { primary_color: "--brand-primary", secondary_color: "--brand-secondary" };
  Object.keys(fields).forEach(function (name) {
    const input = form.querySelector("[name=" + name + "]");
    if (!input) return;
    const apply = function () { preview.style.setProperty(fields[name], input.value); };
    input.addEventListener("input", apply);
  });
})();
