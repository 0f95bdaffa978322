// The wizard's slug field: suggested from the company name, checked as you type.
// Without JavaScript the form still works: the server derives or checks the slug on submit.
(function () {
  const form = document.getElementById("create-form");
  if (!form) return;
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

  slug.addEventListener("input", function () {
    edited = slug.value !== "";
    check(edited ? { slug: slug.value } : { name: name.value });
  });
  name.addEventListener("input", function () {
    if (!edited) check({ name: name.value });
  });
})();
