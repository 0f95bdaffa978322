// The wizard's organization form: the name field is labelled for the chosen type, and the slug
// is suggested from the name and checked as you type. Without JavaScript the form still works:
// the label follows the type after a submit, and the server derives or checks the slug.
(function () {
  const form = document.getElementById("create-form");
  if (!form) return;
  // This page answered a form sent with errors. Come back to it with the back button and it
  // would be the browser's old copy: ask for the step as it is now (the organization made
  // since then, to correct) instead.
  function reloadIfOld(restored) {
    const navigation = performance.getEntriesByType("navigation")[0];
    if (form.hasAttribute("data-sent") && (restored || (navigation && navigation.type === "back_forward"))) {
      location.replace(location.href);
      return true;
    }
    return false;
  }
  if (reloadIfOld(false)) return;
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) reloadIfOld(true);
  });
  const name = form.querySelector("[name=name]");
  const slug = form.querySelector("[name=slug]");
  const status = document.getElementById("slug-status");
  const endpoint = form.dataset.slugCheck;
  let edited = slug.value !== "";
  let timer = null;

  function check(params) {
    clearTimeout(timer);
    timer = setTimeout(async function () {
      const response = await fetch(endpoint + "?" + new URLSearchParams(params), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const result = await response.json();
      if (!params.slug) {
        slug.placeholder = result.slug;
        status.textContent = result.slug ? "Your address will be " + result.slug + "." : "";
        status.className = "help";
        return;
      }
      status.textContent = result.message;
      status.className = result.available ? "help help--ok" : "error";
    }, 250);
  }

  const kind = form.querySelector("[name=kind]");
  const nameLabel = form.querySelector("label[for=" + name.id + "]");
  if (kind && nameLabel && kind.dataset.nameLabels) {
    const labels = JSON.parse(kind.dataset.nameLabels);
    const relabel = function () {
      if (labels[kind.value]) nameLabel.textContent = labels[kind.value];
    };
    kind.addEventListener("change", relabel);
    // The browser may have put back an earlier choice (reload, back button).
    relabel();
    window.addEventListener("pageshow", relabel);
  }

  slug.addEventListener("input", function () {
    edited = slug.value !== "";
    check(edited ? { slug: slug.value } : { name: name.value });
  });
  name.addEventListener("input", function () {
    if (!edited) check({ name: name.value });
  });
  // Correcting an organization: show the address its name gives now.
  if (!edited && name.value) check({ name: name.value });
})();
