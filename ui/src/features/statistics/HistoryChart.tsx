import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { commands, type HistoryPoint } from "../../bindings";
import { unwrap } from "../../lib/errors";
import { chartColors, useUPlot } from "../dashboard/charts";
import { statisticsKeys } from "./queryKeys";

type Props = {
  /** The listing row's id. */
  id: string;
  title: string;
};

/** One listing's views and favourites day by day, as a small chart with its figures as a table for screen readers. */
export function HistoryChart({ id, title }: Props) {
  const { t } = useTranslation();
  const history = useQuery({ queryKey: statisticsKeys.history(id), queryFn: async () => unwrap(await commands.listingHistory(id)) });
  if (history.isPending) {
    return (
      <p className="state-message" role="status" data-testid="stats-chart-loading">
        <span className="spinner" aria-hidden="true" /> {t("statistics.chart.loading")}
      </p>
    );
  }
  if (history.isError) {
    return (
      <p className="field-error" role="alert" data-testid="stats-chart-error">
        {t("statistics.chart.loadError")}
      </p>
    );
  }
  if (history.data.length === 0) {
    return (
      <p className="hint" data-testid="stats-chart-empty">
        {t("statistics.chart.empty")}
      </p>
    );
  }
  return <Chart points={history.data} label={t("statistics.chart.label", { title })} />;
}

function Chart({ points, label }: { points: HistoryPoint[]; label: string }) {
  const { t, i18n } = useTranslation();
  const days = points.map((p) => new Intl.DateTimeFormat(i18n.language, { day: "numeric", month: "short", timeZone: "UTC" }).format(new Date(`${p.day}T00:00:00Z`)));
  const { ref, failed } = useUPlot(
    (lib) => {
      const colors = chartColors();
      const xs = points.map((_, i) => i);
      return {
        data: [xs, points.map((p) => p.views), points.map((p) => p.favorites)],
        options: {
          scales: { x: { time: false, range: [0, Math.max(1, xs.length - 1)] } },
          cursor: { drag: { x: false, y: false } },
          legend: { show: true },
          series: [
            { label: t("statistics.chart.day"), value: (_u, v) => (v == null ? "" : (days[v] ?? "")) },
            { label: t("statistics.columns.views"), stroke: colors.revenue, width: 2, paths: lib.paths.linear?.() },
            { label: t("statistics.columns.favorites"), stroke: colors.profit, width: 2, paths: lib.paths.linear?.() },
          ],
          axes: [
            { stroke: colors.text, grid: { show: false }, values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? (days[i] ?? "") : "")) },
            { stroke: colors.text, size: 48, grid: { stroke: colors.grid, width: 1 } },
          ],
        },
      };
    },
    140,
    [JSON.stringify(points), i18n.language],
  );
  return (
    <figure className="chart stats-chart" data-testid="stats-chart">
      <div ref={ref} className="chart-canvas" role="img" aria-label={label} />
      {failed && <p className="hint">{t("statistics.chart.failed")}</p>}
      <table className="sr-only" data-testid="stats-chart-table">
        <caption>{label}</caption>
        <thead>
          <tr>
            <th scope="col">{t("statistics.chart.day")}</th>
            <th scope="col">{t("statistics.columns.views")}</th>
            <th scope="col">{t("statistics.columns.favorites")}</th>
            <th scope="col">{t("statistics.columns.offers")}</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p, i) => (
            <tr key={p.day}>
              <th scope="row">{days[i]}</th>
              <td>{p.views}</td>
              <td>{p.favorites}</td>
              <td>{p.offers}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
