// The data page while an export is being prepared: its progress bar follows the export (the
// API's GET /gdpr/export-requests/{id}, with the page's own session), and once the export is
// done the page loads again, showing its download link or why it failed. Without JavaScript the
// page's "Refresh" link does the same by hand.
(function () {
  const bars = document.querySelectorAll("progress[data-export-url]");
  if (!bars.length) return;
  const EVERY = 3000;

  async function follow(bar) {
    const response = await fetch(bar.dataset.exportUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return false; // signed out, or gone: stop following
    const body = await response.json();
    if (body.state !== "queued" && body.state !== "running") {
      window.location.reload();
      return false;
    }
    const percent = String(body.progress.percent);
    bar.value = Number(percent);
    bar.textContent = percent + "%";
    const shown = document.getElementById(bar.id + "-percent");
    if (shown && shown.textContent !== percent) shown.textContent = percent;
    return true;
  }

  function poll() {
    Promise.all(Array.from(bars, follow))
      .then(function (going) {
        if (going.every(Boolean)) window.setTimeout(poll, EVERY);
      })
      .catch(function () {
        window.setTimeout(poll, EVERY * 4); // the network hiccuped: try again later
      });
  }

  window.setTimeout(poll, EVERY);
})();
