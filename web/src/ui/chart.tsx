// A small Preact wrapper around Chart.js 4: bar and line charts with a text alternative.
// Only the controllers, elements and plugins used here are registered, so the rest of Chart.js is
// tree-shaken away. Chart.js sizes the canvas through element.style from JS (allowed by the CSP,
// which forbids only inline style attributes in markup). The chart is rebuilt when its data or
// the language changes and destroyed on unmount. Every chart carries an aria-label summarising
// it and a data table (in a <details>, so that keyboard and screen-reader users can open it).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { fmtNumber, lang, locale, t } from '../i18n/core';
import { useLang } from './hooks';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
);

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  // Per-point marks for values that are estimates or illustrative (drawn hollow and dashed).
  hollow?: boolean[];
}

export interface ChartProps {
  kind: 'bar' | 'hbar' | 'line';
  // The chart's title, shown above it and used as the caption of its data table.
  title: string;
  labels: string[];
  series: ChartSeries[];
  unit?: string;
  // Header of the label column in the data table ("Month", "Indicator", "As of").
  labelHeader: string;
  // The canvas height in rem (the width follows the container).
  height?: number;
  integer?: boolean;
  // Line charts over time: each label's instant (ms since the epoch) spaces the points in
  // proportion to the time between them, with the years on the axis.
  times?: number[];
  // The title is already a heading next to the chart: keep it for screen readers only.
  hideTitle?: boolean;
}

// Colours with at least 3:1 contrast against white; series are also told apart by dash and marker.
const COLOURS = ['#0b5cad', '#a3161b', '#17602c', '#7a4b00', '#5b2a86'];
const DASHES: number[][] = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
const MARKERS = ['circle', 'rect', 'triangle', 'rectRot'] as const;

// A linear x axis over instants with a tick at each new year (every few years for long spans).
function timeAxis(times: number[]) {
  const first = new Date(Math.min(...times)).getUTCFullYear();
  const last = new Date(Math.max(...times)).getUTCFullYear() + 1;
  const step = Math.max(1, Math.ceil((last - first) / 8));
  return {
    type: 'linear',
    min: Date.UTC(first, 0, 1),
    max: Date.UTC(last, 3, 1),
    afterBuildTicks: (axis: any) => {
      const ticks = [];
      for (let y = first; y <= last; y += step) ticks.push({ value: Date.UTC(y, 0, 1) });
      axis.ticks = ticks;
    },
    ticks: { callback: (v: string | number) => String(new Date(Number(v) + 86400000).getUTCFullYear()) },
  };
}

function summary(p: ChartProps): string {
  const parts: string[] = [];
  for (const s of p.series) {
    const cells = p.labels.map((l, i) => `${l}: ${fmtNumber(s.values[i] ?? null)}`);
    parts.push(`${p.series.length > 1 ? s.label + ' — ' : ''}${cells.join('; ')}`);
  }
  return `${p.title}${p.unit ? ` (${p.unit})` : ''}. ${parts.join('. ')}`;
}

export function ChartView(p: ChartProps) {
  useLang();
  const canvas = useRef<HTMLCanvasElement>(null);
  const key = JSON.stringify([p.kind, p.labels, p.series, p.unit, p.integer, p.times, lang()]);

  useEffect(() => {
    if (!canvas.current) return;
    const horizontal = p.kind === 'hbar';
    const type = p.kind === 'line' ? 'line' : 'bar';
    const valueAxis = {
      beginAtZero: true,
      ticks: {
        precision: p.integer ? 0 : undefined,
        callback: (v: string | number) => fmtNumber(Number(v)),
      },
      title: p.unit ? { display: true, text: p.unit } : undefined,
    };
    const config: ChartConfiguration = {
      type,
      data: {
        labels: p.labels,
        datasets: p.series.map((s, i) => {
          const colour = COLOURS[i % COLOURS.length];
          return {
            label: s.label,
            data: p.times && type === 'line' ? s.values.map((v, j) => ({ x: p.times![j], y: v })) : s.values,
            backgroundColor: type === 'bar' ? colour : s.hollow?.map((h) => (h ? '#ffffff' : colour)) ?? colour,
            borderColor: colour,
            borderWidth: 2,
            borderDash: DASHES[i % DASHES.length],
            pointStyle: MARKERS[i % MARKERS.length],
            pointRadius: type === 'line' ? 4 : undefined,
            spanGaps: true,
            segment:
              type === 'line' && s.hollow
                ? { borderDash: (ctx: any) => (s.hollow![ctx.p1DataIndex] ? [5, 4] : undefined) }
                : undefined,
          } as any;
        }),
      },
      options: {
        locale: locale(),
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: horizontal ? 'y' : 'x',
        plugins: {
          legend: { display: p.series.length > 1 },
          tooltip: {
            callbacks: {
              title: (items: any[]) => (items.length ? p.labels[items[0].dataIndex] : ''),
              label: (ctx: any) =>
                `${p.series.length > 1 ? ctx.dataset.label + ': ' : ''}${fmtNumber(ctx.parsed[horizontal ? 'x' : 'y'])}${p.unit ? ' ' + p.unit : ''}`,
            },
          },
        },
        scales: horizontal
          ? { x: valueAxis as any }
          : p.times && type === 'line'
            ? { y: valueAxis as any, x: timeAxis(p.times) as any }
            : { y: valueAxis as any },
      },
    };
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const rem = p.height ?? (p.kind === 'hbar' ? Math.max(10, p.labels.length * 2.2 + 3) : 16);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (box.current) box.current.style.height = `${rem}rem`;
  }, [rem]);

  return (
    <figure class="chart">
      <figcaption class={p.hideTitle ? 'visually-hidden' : 'chart-title'}>{p.title}</figcaption>
      <div class="chart-box" ref={box}>
        <canvas ref={canvas} role="img" aria-label={summary(p)} />
      </div>
      <details class="chart-data">
        <summary>{t('dashboard.chart.table')}</summary>
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{p.title}</caption>
            <thead>
              <tr>
                <th scope="col">{p.labelHeader}</th>
                {p.series.map((s) => (
                  <th scope="col" class="num">
                    {s.label}
                    {p.unit ? ` (${p.unit})` : ''}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {p.labels.map((l, i) => (
                <tr>
                  <th scope="row">{l}</th>
                  {p.series.map((s) => (
                    <td class="num">{fmtNumber(s.values[i] ?? null)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
