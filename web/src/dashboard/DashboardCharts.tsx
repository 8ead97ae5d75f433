import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { Bar } from 'react-chartjs-2';

// Only what the dashboard draws: bars, their axes, a legend and tooltips (Chart.js is tree-shaken to these).
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const ACCENT = '#4f46e5';
const MUTED = '#a5b4fc';

/**
 * A bar chart on a canvas, named and summarised for screen readers (`summary`); the figures
 * themselves are also in the tables beside each chart.
 */
export function BarChart(props: { labels: string[]; series: Array<{ label: string; values: number[] }>; summary: string; stacked?: boolean }) {
  return (
    <div className="dashboard-chart">
      <Bar
        role="img"
        aria-label={props.summary}
        data={{
          labels: props.labels,
          datasets: props.series.map((series, index) => ({ label: series.label, data: series.values, backgroundColor: index === 0 ? ACCENT : MUTED })),
        }}
        options={{
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: props.series.length > 1, position: 'bottom' } },
          scales: { x: { stacked: props.stacked, grid: { display: false } }, y: { stacked: props.stacked, beginAtZero: true, ticks: { precision: 0 } } },
        }}
      />
    </div>
  );
}
