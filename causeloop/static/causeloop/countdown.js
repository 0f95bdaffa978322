// Countdowns ("stops working in 23 h 59 min") that stay right while the page stays open. The
// server writes the same words when it sends the page, so it reads correctly without
// JavaScript; the moment counted down to is the <time>'s datetime, and the words around the
// time left are its data-countdown (before it) and data-countdown-ended (once it passed).
(function () {
  const clocks = document.querySelectorAll("time[data-countdown]");
  if (!clocks.length) return;

  // As the keys page's time_left() says it: "6 days 23 h", "23 h 59 min", "59 min".
  function timeLeft(milliseconds) {
    let minutes = Math.floor(milliseconds / 60000);
    if (minutes < 1) return "less than a minute";
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    minutes = minutes % 60;
    if (days) return days + (days === 1 ? " day" : " days") + (hours ? " " + hours + " h" : "");
    if (hours) return hours + " h" + (minutes ? " " + minutes + " min" : "");
    return minutes + " min";
  }

  function tick() {
    const now = Date.now();
    clocks.forEach(function (clock) {
      const left = Date.parse(clock.dateTime) - now;
      const words = left > 0
        ? clock.dataset.countdown + " " + timeLeft(left)
        : clock.dataset.countdownEnded;
      if (clock.textContent !== words) clock.textContent = words;
    });
  }

  tick();
  window.setInterval(tick, 1000);
})();
