/**
 * The dashboard's charts, drawn by uPlot on a canvas. uPlot builds its DOM itself and styles it
 * through element.style (never style attributes or <style> tags), so it runs under the app's CSP;
 * its stylesheet is linked from dashboard.css. It is loaded on first use, outside the main bundle.
 * Every chart also carries its figures as a table for screen readers.
 */
import { useEffect, useEffectEvent, useRef, useState } from "react";
import type uPlot from "uplot";

type UPlotModule = typeof uPlot;

/**
 * uPlot makes an Intl.NumberFormat for `navigator.language` when it loads; WebKitGTK reports the
 * POSIX locale ("C") as is under LANG=C, which Intl refuses. Our charts format every figure
 * themselves, so the UI language stands in.
 */
function ensureUsableNavigatorLanguage() {
  try {
    new Intl.NumberFormat(navigator.language);
  } catch {
    Object.defineProperty(navigator, "language", { value: document.documentElement.lang || "fr", configurable: true });
  }
}

let loading: Promise<UPlotModule> | null = null;
function loadUPlot(): Promise<UPlotModule> {
  ensureUsableNavigatorLanguage();
  loading ??= import("uplot").then((m) => m.default);
  return loading;
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

export function chartColors() {
  return {
    revenue: cssVar("--accent", "#0f766e"),
    revenueFill: cssVar("--accent-soft", "#e3f3f1"),
    profit: cssVar("--focus", "#2563eb"),
    text: cssVar("--text-muted", "#5b6573"),
    grid: cssVar("--border", "#dde1e7"),
  };
}

/**
 * Mounts a uPlot chart in a div that follows its container's width. `build` makes the options
 * (without the size) from the loaded library; the chart is rebuilt when `deps` change.
 */
export function useUPlot(
  build: (lib: UPlotModule) => { options: Omit<uPlot.Options, "width" | "height">; data: uPlot.AlignedData },
  height: number,
  deps: readonly unknown[],
) {
  const ref = useRef<HTMLDivElement>(null);
  const buildChart = useEffectEvent(build);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let plot: uPlot | null = null;
    let observer: ResizeObserver | null = null;
    let disposed = false;
    loadUPlot()
      .then((UPlot) => {
        if (disposed) return;
        const { options, data } = buildChart(UPlot);
        const width = () => Math.max(240, Math.floor(el.clientWidth || 600));
        plot = new UPlot({ ...options, width: width(), height }, data, el);
        if (typeof ResizeObserver !== "undefined") {
          observer = new ResizeObserver(() => plot?.setSize({ width: width(), height }));
          observer.observe(el);
        }
      })
      .catch((error: unknown) => {
        console.error("chart failed", error);
        if (!disposed) setFailed(true);
      });
    return () => {
      disposed = true;
      observer?.disconnect();
      plot?.destroy();
    };
    // Rebuilt when the caller's deps change, as with useMemo; `build` is an effect event.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the deps are the caller's, listed where `build` is written
  }, [height, ...deps]);

  return { ref, failed };
}

export type SeriesChartProps = {
  testId: string;
  label: string;
  /** The buckets' labels as shown (a day or a month in the user's language). */
  buckets: string[];
  series: { label: string; cents: number[]; color: string; fill?: string }[];
  formatMoney: (cents: number) => string;
  formatAxisMoney: (euros: number) => string;
  failedText: string;
};

/** Revenue and profit over the period: one line per series, one point per day or month. */
export function SeriesChart(props: SeriesChartProps) {
  const { buckets, series, formatMoney, formatAxisMoney } = props;
  const { ref, failed } = useUPlot(
    (lib) => {
      const xs = buckets.map((_, i) => i);
      const colors = chartColors();
      return {
        data: [xs, ...series.map((s) => s.cents.map((c) => c / 100))],
        options: {
          scales: { x: { time: false, range: [0, Math.max(1, xs.length - 1)] } },
          cursor: { drag: { x: false, y: false } },
          series: [
            { label: props.label, value: (_u, v) => (v == null ? "" : (buckets[v] ?? "")) },
            ...series.map((s) => ({
              label: s.label,
              stroke: s.color,
              fill: s.fill,
              width: 2,
              points: { show: buckets.length <= 31 },
              paths: lib.paths.linear?.(),
              value: (_u: uPlot, v: number | null) => (v == null ? "—" : formatMoney(Math.round(v * 100))),
            })),
          ],
          axes: [
            {
              stroke: colors.text,
              grid: { show: false },
              ticks: { stroke: colors.grid },
              incrs: [1, 2, 3, 5, 7, 10, 14, 15, 30, 60, 90],
              values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? (buckets[i] ?? "") : "")),
            },
            {
              stroke: colors.text,
              size: 72,
              grid: { stroke: colors.grid, width: 1 },
              ticks: { stroke: colors.grid },
              values: (_u, splits) => splits.map((v) => formatAxisMoney(v)),
            },
          ],
        },
      };
    },
    260,
    [JSON.stringify(buckets), JSON.stringify(series), formatMoney, formatAxisMoney],
  );

  return (
    <figure className="chart" data-testid={props.testId}>
      <div ref={ref} className="chart-canvas" role="img" aria-label={props.label} />
      {failed && <p className="hint">{props.failedText}</p>}
      <table className="sr-only" data-testid={`${props.testId}-table`}>
        <caption>{props.label}</caption>
        <thead>
          <tr>
            <th scope="col">{props.label}</th>
            {series.map((s) => (
              <th key={s.label} scope="col">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {buckets.map((bucket, i) => (
            <tr key={i}>
              <th scope="row">{bucket}</th>
              {series.map((s) => (
                <td key={s.label}>{formatMoney(s.cents[i] ?? 0)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

export type BarChartProps = {
  testId: string;
  label: string;
  valueLabel: string;
  bars: { label: string; cents: number; units: number }[];
  color: string;
  formatMoney: (cents: number) => string;
  formatAxisMoney: (euros: number) => string;
  unitsText: (units: number) => string;
  emptyText: string;
  failedText: string;
};

const LABEL_MAX_CHARS = 18;
const shorten = (s: string) => (s.length > LABEL_MAX_CHARS ? `${s.slice(0, LABEL_MAX_CHARS - 1)}…` : s);

/** Horizontal bars (revenue per category or brand), most revenue on top. */
export function BarChart(props: BarChartProps) {
  const { bars, formatMoney, formatAxisMoney } = props;
  const height = Math.max(140, bars.length * 30 + 50);
  const { ref, failed } = useUPlot(
    (lib) => {
      const colors = chartColors();
      const xs = bars.map((_, i) => i);
      const labels = bars.map((b) => b.label);
      return {
        data: [xs, bars.map((b) => b.cents / 100)],
        options: {
          // Horizontal: the category scale runs down the left side, amounts along the bottom.
          scales: { x: { time: false, ori: 1, dir: -1, range: [-0.5, bars.length - 0.5] }, y: { ori: 0, range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
          cursor: { drag: { x: false, y: false }, points: { show: false } },
          legend: { live: true },
          series: [
            { label: props.label, value: (_u, v) => (v == null ? "" : (labels[v] ?? "")) },
            {
              label: props.valueLabel,
              fill: props.color,
              stroke: props.color,
              width: 0,
              points: { show: false },
              paths: lib.paths.bars?.({ size: [0.7, 28] }),
              value: (_u, v) => (v == null ? "—" : formatMoney(Math.round(v * 100))),
            },
          ],
          axes: [
            {
              side: 3,
              size: 130,
              stroke: colors.text,
              grid: { show: false },
              ticks: { show: false },
              splits: () => xs,
              values: (_u, splits) => splits.map((i) => shorten(labels[i] ?? "")),
            },
            {
              side: 2,
              space: 70,
              stroke: colors.text,
              grid: { stroke: colors.grid, width: 1 },
              ticks: { stroke: colors.grid },
              values: (_u, splits) => splits.map((v) => formatAxisMoney(v)),
            },
          ],
        },
      };
    },
    height,
    [JSON.stringify(bars), props.color, formatMoney, formatAxisMoney],
  );

  return (
    <figure className="chart" data-testid={props.testId}>
      {bars.length === 0 ? (
        <p className="chart-empty">{props.emptyText}</p>
      ) : (
        <div ref={ref} className="chart-canvas" role="img" aria-label={props.label} />
      )}
      {failed && <p className="hint">{props.failedText}</p>}
      <table className="sr-only" data-testid={`${props.testId}-table`}>
        <caption>{props.label}</caption>
        <tbody>
          {bars.map((b, i) => (
            <tr key={i}>
              <th scope="row">{b.label}</th>
              <td>{formatMoney(b.cents)}</td>
              <td>{props.unitsText(b.units)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
