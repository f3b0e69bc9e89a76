// The historical reports' chart: answered and abandoned contacts per interval (bars) and the
// service level (line, right axis), from the figures the page was rendered with.
(function () {
  "use strict";

  function draw() {
    const data = document.getElementById("report-chart-data");
    const canvas = document.getElementById("report-chart");
    if (!data || !canvas || typeof window.Chart === "undefined") return;
    const figures = JSON.parse(data.textContent);
    const chart = new window.Chart(canvas, {
      data: {
        labels: figures.labels,
        datasets: [
          { type: "bar", label: "Answered", data: figures.answered, backgroundColor: "#417690", stack: "contacts" },
          { type: "bar", label: "Abandoned", data: figures.abandoned, backgroundColor: "#ba2121", stack: "contacts" },
          {
            type: "line", label: "Service level %", data: figures.service_level, yAxisID: "percent",
            borderColor: "#e0a800", backgroundColor: "#e0a800", spanGaps: true,
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: "contacts" } },
          percent: {
            position: "right", min: 0, max: 100, grid: { drawOnChartArea: false },
            title: { display: true, text: "service level %" },
          },
        },
      },
    });
    canvas.dataset.drawn = String(chart.data.labels.length);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
