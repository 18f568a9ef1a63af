import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { LoadError } from "../../components/LoadError";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type Dashboard, type DashboardQuery, type SalesBreakdown, type SeriesGranularity } from "../../bindings";
import { unwrap } from "../../lib/errors";
import { formatCents } from "../../lib/money";
import { PERIOD_KINDS, periodBounds, toLocalDateInput, utcOffsetMinutes, type CustomRange, type PeriodKind } from "../../lib/period";
import { useDebouncedValue } from "../../lib/useDebouncedValue";
import { useSellerAccounts } from "../orders/queries";
import { dashboardKeys } from "./queryKeys";
import { BarChart, SeriesChart, chartColors } from "./charts";
import { loadDeadStockDays, parseDeadStockDays, saveDeadStockDays } from "./settings";

const TOP_BARS = 10;

/** A day (`2026-03-05`) or month (`2026-03`) bucket of the series, in the user's language. */
export function bucketLabel(bucket: string, granularity: SeriesGranularity, lang: string): string {
  const [y, m, d] = bucket.split("-").map(Number);
  if (!y || !m) return bucket;
  const date = new Date(y, m - 1, d || 1);
  return granularity === "day"
    ? new Intl.DateTimeFormat(lang, { day: "numeric", month: "short" }).format(date)
    : new Intl.DateTimeFormat(lang, { month: "short", year: "numeric" }).format(date);
}

export function DashboardPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const accounts = useSellerAccounts();
  const [period, setPeriod] = useState<PeriodKind>("month");
  const [custom, setCustom] = useState<CustomRange>(() => {
    const now = new Date();
    return { from: toLocalDateInput(new Date(now.getFullYear(), now.getMonth(), 1)), to: toLocalDateInput(now) };
  });
  const [accountId, setAccountId] = useState<string>("");
  const [deadDaysText, setDeadDaysText] = useState(() => String(loadDeadStockDays()));
  const [deadDays, setDeadDays] = useState(() => loadDeadStockDays());

  const typedDeadDays = parseDeadStockDays(deadDaysText);
  const debouncedDeadDays = useDebouncedValue(typedDeadDays, 400);
  // A valid number, once typing pauses, becomes the one the dashboard uses and is kept for next time.
  if (debouncedDeadDays !== null && debouncedDeadDays !== deadDays) setDeadDays(debouncedDeadDays);
  const savedDeadDays = useRef(deadDays);
  useEffect(() => {
    if (deadDays === savedDeadDays.current) return;
    savedDeadDays.current = deadDays;
    saveDeadStockDays(deadDays);
  }, [deadDays]);

  const bounds = periodBounds(period, new Date(), custom);
  const query: DashboardQuery | null = bounds.ok
    ? {
        from: bounds.bounds.from,
        to: bounds.bounds.to,
        sellerAccountId: accountId === "" ? null : accountId,
        deadStockDays: deadDays,
        utcOffsetMinutes: utcOffsetMinutes(),
      }
    : null;

  const result = useQuery({
    queryKey: dashboardKeys.summary(query),
    queryFn: async () => unwrap(await commands.getDashboard(query as DashboardQuery)),
    enabled: query !== null,
    placeholderData: keepPreviousData,
  });

  const money = useCallback((cents: number) => formatCents(cents, lang), [lang]);
  const axisMoney = useMemo(() => {
    const f = new Intl.NumberFormat(lang, { style: "currency", currency: "EUR", notation: "compact", minimumFractionDigits: 0, maximumFractionDigits: 1 });
    return (euros: number) => f.format(euros);
  }, [lang]);
  const percent = useMemo(() => new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 }), [lang]);
  const integer = useMemo(() => new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }), [lang]);
  const oneDecimal = useMemo(() => new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }), [lang]);

  const data = result.data;

  let body: React.ReactNode;
  if (query === null) {
    body = null;
  } else if (result.isPending) {
    body = (
      <p className="state-message" role="status" data-testid="dashboard-loading">
        <span className="spinner" aria-hidden="true" /> {t("dashboard.loading")}
      </p>
    );
  } else if (result.isError && !data) {
    body = (
      <LoadError title={t("dashboard.loadError")} error={result.error} onRetry={() => void result.refetch()} testId="dashboard-error" />
    );
  } else if (data) {
    body = (
      <Figures
        data={data}
        refreshing={result.isFetching}
        money={money}
        axisMoney={axisMoney}
        percent={(bp) => percent.format(bp / 10_000)}
        integer={(n) => integer.format(n)}
        days={(d) => t("dashboard.daysValue", { value: oneDecimal.format(d) })}
      />
    );
  }

  return (
    <section className="dashboard" data-testid="dashboard" aria-labelledby="dashboard-title">
      <header className="page-header">
        <div>
          <h1 id="dashboard-title" className="page-title">
            {t("dashboard.title")}
          </h1>
          <p className="page-subtitle">{t("dashboard.subtitle")}</p>
        </div>
      </header>

      <div className="toolbar dashboard-toolbar">
        <div className="toolbar-field">
          <label htmlFor="dashboard-period">{t("dashboard.period")}</label>
          <select id="dashboard-period" data-testid="dashboard-period" value={period} onChange={(e) => setPeriod(e.target.value as PeriodKind)}>
            {PERIOD_KINDS.map((p) => (
              <option key={p} value={p}>
                {t(`dashboard.periods.${p}`)}
              </option>
            ))}
          </select>
        </div>
        {period === "custom" && (
          <>
            <div className="toolbar-field">
              <label htmlFor="dashboard-from">{t("dashboard.from")}</label>
              <input
                id="dashboard-from"
                data-testid="dashboard-from"
                type="date"
                value={custom.from}
                aria-invalid={!bounds.ok && bounds.error === "from" ? true : undefined}
                aria-describedby={!bounds.ok ? "dashboard-period-error" : undefined}
                onChange={(e) => setCustom((c) => ({ ...c, from: e.target.value }))}
              />
            </div>
            <div className="toolbar-field">
              <label htmlFor="dashboard-to">{t("dashboard.to")}</label>
              <input
                id="dashboard-to"
                data-testid="dashboard-to"
                type="date"
                value={custom.to}
                min={custom.from || undefined}
                aria-invalid={!bounds.ok && bounds.error === "to" ? true : undefined}
                aria-describedby={!bounds.ok ? "dashboard-period-error" : undefined}
                onChange={(e) => setCustom((c) => ({ ...c, to: e.target.value }))}
              />
            </div>
          </>
        )}
        <div className="toolbar-field">
          <label htmlFor="dashboard-account">{t("dashboard.account")}</label>
          <select
            id="dashboard-account"
            data-testid="dashboard-account"
            value={accountId}
            disabled={!accounts.data || accounts.data.length === 0}
            onChange={(e) => setAccountId(e.target.value)}
          >
            <option value="">{t("dashboard.allAccounts")}</option>
            {accounts.data?.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <div className="toolbar-field">
          <label htmlFor="dashboard-dead-days">{t("dashboard.deadStockDays")}</label>
          <input
            id="dashboard-dead-days"
            data-testid="dashboard-dead-days"
            className="input-days"
            type="text"
            inputMode="numeric"
            autoComplete="off"
            value={deadDaysText}
            aria-invalid={typedDeadDays === null ? true : undefined}
            aria-describedby={typedDeadDays === null ? "dashboard-dead-days-error" : undefined}
            onChange={(e) => setDeadDaysText(e.target.value)}
          />
        </div>
      </div>
      {!bounds.ok && (
        <p id="dashboard-period-error" className="field-error" role="alert" data-testid="dashboard-period-error">
          {bounds.error === "from" ? t("dashboard.fromInvalid") : t("dashboard.toInvalid")}
        </p>
      )}
      {typedDeadDays === null && (
        <p id="dashboard-dead-days-error" className="field-error" role="alert">
          {t("dashboard.deadStockDaysInvalid")}
        </p>
      )}

      {body}
    </section>
  );
}

type FiguresProps = {
  data: Dashboard;
  refreshing: boolean;
  money: (cents: number) => string;
  axisMoney: (euros: number) => string;
  percent: (bp: number) => string;
  integer: (n: number) => string;
  days: (d: number) => string;
};

function Figures({ data, refreshing, money, axisMoney, percent, integer, days }: FiguresProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const colors = chartColors();
  const buckets = data.series.map((p) => bucketLabel(p.bucket, data.granularity, lang));
  const bars = (rows: SalesBreakdown[], none: string) =>
    rows.slice(0, TOP_BARS).map((r) => ({ label: r.key ?? none, cents: r.revenueCents, units: r.units }));
  const unitsText = (units: number) => t("dashboard.units", { count: units });

  return (
    <div className={refreshing ? "dashboard-figures is-refreshing" : "dashboard-figures"} aria-busy={refreshing || undefined}>
      <div className="stat-grid">
        <Stat testId="dash-revenue" label={t("dashboard.revenue")} value={money(data.revenueCents)} />
        <Stat testId="dash-fees" label={t("dashboard.fees")} value={money(data.feesCents)} />
        <Stat testId="dash-cogs" label={t("dashboard.cogs")} value={money(data.costOfGoodsCents)} />
        <Stat
          testId="dash-profit"
          label={t("dashboard.netProfit")}
          value={money(data.netProfitCents)}
          tone={data.netProfitCents < 0 ? "negative" : "strong"}
        />
        <Stat testId="dash-margin" label={t("dashboard.margin")} value={data.marginBp === null ? "—" : percent(data.marginBp)} />
        <Stat
          testId="dash-sales-count"
          label={t("dashboard.salesCount")}
          value={integer(data.salesCount)}
          note={t("dashboard.unitsSold", { count: data.unitsSold })}
        />
        <Stat testId="dash-average-sale" label={t("dashboard.averageSale")} value={data.averageSaleCents === null ? "—" : money(data.averageSaleCents)} />
        <Stat
          testId="dash-days-to-sell"
          label={t("dashboard.averageDaysToSell")}
          value={data.averageDaysToSell === null ? "—" : days(data.averageDaysToSell)}
        />
        <Stat
          testId="dash-purchases"
          label={t("dashboard.purchases")}
          value={money(data.purchasesCents)}
          note={t("dashboard.purchasesCount", { count: data.purchasesCount })}
        />
        <Stat
          testId="dash-stock-cost"
          label={t("dashboard.stockValueCost")}
          value={money(data.stockValueCostCents)}
          note={t("dashboard.stockItems", { count: data.stockItems, units: integer(data.stockUnits) })}
        />
        <Stat testId="dash-stock-price" label={t("dashboard.stockValuePrice")} value={money(data.stockValuePriceCents)} />
        <Stat
          testId="dash-dead-stock"
          label={t("dashboard.deadStock")}
          value={t("dashboard.deadStockItems", { count: data.deadStockItems })}
          note={t("dashboard.deadStockValue", { cost: money(data.deadStockValueCostCents), price: money(data.deadStockValuePriceCents) })}
          tone={data.deadStockItems > 0 ? "warning" : undefined}
        />
      </div>

      <section className="card chart-card" aria-labelledby="chart-series-title">
        <h2 id="chart-series-title" className="section-title">
          {data.granularity === "day" ? t("dashboard.seriesTitleDay") : t("dashboard.seriesTitleMonth")}
        </h2>
        {data.salesCount === 0 && <p className="hint">{t("dashboard.noSales")}</p>}
        <SeriesChart
          testId="chart-series"
          label={data.granularity === "day" ? t("dashboard.day") : t("dashboard.month")}
          buckets={buckets}
          series={[
            { label: t("dashboard.revenue"), cents: data.series.map((p) => p.revenueCents), color: colors.revenue, fill: colors.revenueFill },
            { label: t("dashboard.netProfit"), cents: data.series.map((p) => p.profitCents), color: colors.profit },
          ]}
          formatMoney={money}
          formatAxisMoney={axisMoney}
          failedText={t("dashboard.chartFailed")}
        />
      </section>

      <div className="chart-row">
        <section className="card chart-card" aria-labelledby="chart-category-title">
          <h2 id="chart-category-title" className="section-title">
            {t("dashboard.byCategory")}
          </h2>
          <BarChart
            testId="chart-category"
            label={t("dashboard.category")}
            valueLabel={t("dashboard.revenue")}
            bars={bars(data.byCategory, t("dashboard.noCategory"))}
            color={colors.revenue}
            formatMoney={money}
            formatAxisMoney={axisMoney}
            unitsText={unitsText}
            emptyText={t("dashboard.noSales")}
            failedText={t("dashboard.chartFailed")}
          />
        </section>
        <section className="card chart-card" aria-labelledby="chart-brand-title">
          <h2 id="chart-brand-title" className="section-title">
            {t("dashboard.byBrand")}
          </h2>
          <BarChart
            testId="chart-brand"
            label={t("dashboard.brand")}
            valueLabel={t("dashboard.revenue")}
            bars={bars(data.byBrand, t("dashboard.noBrand"))}
            color={colors.profit}
            formatMoney={money}
            formatAxisMoney={axisMoney}
            unitsText={unitsText}
            emptyText={t("dashboard.noSales")}
            failedText={t("dashboard.chartFailed")}
          />
        </section>
      </div>
    </div>
  );
}

function Stat(props: { testId: string; label: string; value: string; note?: string; tone?: "strong" | "negative" | "warning" }) {
  return (
    <div className={`card stat${props.tone ? ` stat-${props.tone}` : ""}`}>
      <p className="stat-label">{props.label}</p>
      <p className="stat-value" data-testid={props.testId}>
        {props.value}
      </p>
      {props.note && <p className="stat-note">{props.note}</p>}
    </div>
  );
}
