// The branding page: each colour picker and its hex field kept in step, and the preview (with
// its contrast figures) following them as they change. The text colour is chosen as
// organizations/colors.py chooses it, so the preview shows what the pages will wear.
(function () {
  const form = document.getElementById("branding-form");
  const preview = document.getElementById("brand-preview");
  if (!form || !preview) return;
  const HEX = /^#?([0-9a-f]{6})$/i;
  const WHITE = "#ffffff", INK = "#111827", BLACK = "#000000";

  function luminance(hex) {
    const value = hex.replace("#", "");
    const channel = function (i) {
      const c = parseInt(value.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  }
  function contrast(a, b) {
    const la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function textOn(background) {
    const best = contrast(WHITE, background) >= contrast(INK, background) ? WHITE : INK;
    if (contrast(best, background) >= 4.5) return best;
    return contrast(WHITE, background) >= contrast(BLACK, background) ? WHITE : BLACK;
  }

  function show(role, color) {
    const text = textOn(color);
    preview.style.setProperty("--brand-" + role, color);
    preview.style.setProperty("--brand-on-" + role, text);
    const figure = document.querySelector("[data-contrast=" + role + "]");
    if (figure) {
      figure.textContent = (text === WHITE ? "White" : "Dark") + " text, " +
        contrast(text, color).toFixed(1) + ":1 — readable";
    }
  }

  ["primary", "secondary"].forEach(function (role) {
    const text = form.querySelector("[name=" + role + "_color]");
    const picker = form.querySelector("[name=" + role + "_color_picker]");
    if (!text || !picker) return;
    picker.addEventListener("input", function () {
      text.value = picker.value;
      show(role, picker.value);
    });
    text.addEventListener("input", function () {
      const match = HEX.exec(text.value.trim());
      if (!match) return;
      const color = "#" + match[1].toLowerCase();
      picker.value = color;
      show(role, color);
    });
    const match = HEX.exec(text.value.trim());
    if (match) show(role, "#" + match[1].toLowerCase());
  });
})();
