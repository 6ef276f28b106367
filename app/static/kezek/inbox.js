// Inbox: the 24-hour reply window countdown (no inline scripts: CSP script-src 'self').
(function () {
  function pad(n) { return String(n).padStart(2, "0"); }
  function tick() {
    document.querySelectorAll(".inbox-countdown[data-deadline]").forEach(function (el) {
      var left = Math.floor((Date.parse(el.dataset.deadline) - Date.now()) / 1000);
      if (isNaN(left)) return;
      if (left <= 0) {
        el.textContent = "0:00:00";
        if (!el.dataset.reloaded) { el.dataset.reloaded = "1"; window.location.reload(); }
        return;
      }
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      el.textContent = (h >= 24 ? Math.floor(h / 24) + "d " + (h % 24) : h) + ":" + pad(m) + ":" + pad(s);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();
