// Analytics charts: every <canvas data-chart="..."> becomes a Chart.js chart.
// Data comes from the data- attribute (no inline scripts: CSP script-src 'self').
(() => {
  "use strict";

  const lang = document.documentElement.lang || "en";
  const numbers = new Intl.NumberFormat(lang);
  const days = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", timeZone: "UTC" });
  const longDays = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" });
  const COLORS = ["#0d6efd", "#d63384", "#20c997", "#fd7e14"];

  function parseDay(text) {
    const [y, m, d] = text.split("-").map(Number);
    return new Date(Date.UTC(y, m - 1, d));
  }

  function render(canvas) {
    let spec;
    try {
      spec = JSON.parse(canvas.dataset.chart);
    } catch (e) {
      return;
    }
    const dates = spec.dates ? spec.labels.map(parseDay) : null;
    const labels = dates ? dates.map((d) => days.format(d)) : spec.labels;
    const bar = spec.type === "bar";
    const horizontal = bar && !dates; // audience bars: categories down the side
    const datasets = spec.datasets.map((ds, i) => ({
      label: ds.label,
      data: ds.data,
      borderColor: COLORS[i % COLORS.length],
      backgroundColor: bar
        ? ds.data.map((v) => (v !== null && v < 0 ? "#dc3545" : COLORS[i % COLORS.length]))
        : COLORS[i % COLORS.length],
      borderWidth: bar ? 0 : 2,
      pointRadius: ds.data.length > 60 ? 0 : 2,
      spanGaps: false, // a missing day stays a gap, never a drawn line
      tension: 0.2,
    }));
    // eslint-disable-next-line no-undef
    new Chart(canvas, {
      type: spec.type,
      data: { labels, datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        indexAxis: horizontal ? "y" : "x",
        plugins: {
          legend: { display: datasets.length > 1 },
          tooltip: {
            callbacks: {
              title: (items) =>
                items.length && dates ? longDays.format(dates[items[0].dataIndex]) : undefined,
              label: (item) => {
                const v = horizontal ? item.parsed.x : item.parsed.y;
                return `${item.dataset.label}: ${v === null ? "—" : numbers.format(v)}`;
              },
            },
          },
        },
        scales: {
          [horizontal ? "y" : "x"]: { ticks: { autoSkip: true, maxTicksLimit: horizontal ? 45 : 10 } },
          [horizontal ? "x" : "y"]: { ticks: { callback: (v) => numbers.format(v) } },
        },
      },
    });
  }

  function init() {
    if (typeof window.Chart !== "undefined") {
      document.querySelectorAll("canvas[data-chart]").forEach(render);
    }
    // The account picker applies at once; its button stays for keyboards and no-JS.
    document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
      select.addEventListener("change", () => select.form.submit());
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
