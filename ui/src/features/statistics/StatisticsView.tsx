import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Fragment, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  commands,
  type FiguresSortField,
  type Insight,
  type InsightType,
  type ListingFigures,
  type ListingRow,
  type SellerAccount,
} from "../../bindings";
import { LoadError } from "../../components/LoadError";
import { useToast } from "../../components/Toast";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { formatCents } from "../../lib/money";
import { useDebouncedValue } from "../../lib/useDebouncedValue";
import { jobKeys } from "../jobs/queryKeys";
import { ListingActionDialog, type PendingAction } from "../listings/ListingActions";
import { HistoryChart } from "./HistoryChart";
import { statisticsKeys } from "./queryKeys";
import {
  FIGURES_PER_PAGE,
  INITIAL_STATS_STATE,
  INSIGHT_TYPES,
  daysSince,
  figuresFilter,
  formatTrend,
  nextFiguresSort,
  type StatsState,
} from "./statsState";
import "./statistics.css";

const SEARCH_DEBOUNCE_MS = 250;

type Props = {
  accounts: SellerAccount[];
  /** Opens the Vinted jobs area. */
  onOpenJobs?: () => void;
};

/** A listing's figures as the listing actions' dialog takes them. */
export function asListingRow(f: ListingFigures): ListingRow {
  return {
    id: f.id,
    accountId: f.accountId,
    listingId: f.listingId,
    title: f.title,
    photoUrl: f.photoUrl,
    priceCents: f.priceCents,
    status: f.status,
    listedAt: f.listedAt,
    lastSync: null,
    goneAt: null,
    sku: f.sku,
    product: f.productId ? { id: f.productId, title: f.title } : null,
  };
}

/** Queues a statistics read of one account (every account, with none); the jobs list shows it. */
export function RefreshStatisticsButton({ accountId, onOpenJobs }: { accountId: string | null; onOpenJobs?: () => void }) {
  const { t } = useTranslation();
  const { showToast } = useToast();
  const queryClient = useQueryClient();
  const refresh = useMutation({
    mutationFn: async () => unwrap(await commands.refreshStatistics(accountId)),
    onSuccess: async (jobs) => {
      await queryClient.invalidateQueries({ queryKey: jobKeys.all });
      const action = onOpenJobs && { label: t("statistics.refresh.seeJobs"), onAction: onOpenJobs, testId: "toast-open-jobs" };
      showToast(jobs.length > 0 ? t("statistics.refresh.queued", { count: jobs.length }) : t("statistics.refresh.already"), action);
    },
    onError: (error) => showToast(t("statistics.refresh.failed", { reason: t(`errors.${normalizeAppError(error).code}`) })),
  });
  return (
    <button type="button" className="btn" data-testid="stats-refresh" disabled={refresh.isPending} onClick={() => refresh.mutate()}>
      {refresh.isPending ? t("statistics.refresh.running") : t("statistics.refresh.action")}
    </button>
  );
}

/**
 * The listings' statistics: views, favourites, offers and their 7-day trends as columns sorted
 * in the store, a small chart per listing, and each listing's insights with what to do and the
 * button that does it (a new price, a relist).
 */
export function StatisticsView({ accounts, onOpenJobs }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const queryClient = useQueryClient();
  const { showToast } = useToast();
  const [state, setState] = useState<StatsState>(INITIAL_STATS_STATE);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const [acting, setActing] = useState<PendingAction | null>(null);
  const search = useDebouncedValue(state.search.trim(), SEARCH_DEBOUNCE_MS);
  const filter = figuresFilter(state, search);
  const result = useQuery({
    queryKey: statisticsKeys.list(filter),
    queryFn: async () => unwrap(await commands.listListingFigures(filter)),
    placeholderData: keepPreviousData,
  });
  const data = result.data;
  const accountNames = useMemo(() => new Map(accounts.map((a) => [a.id, a.name])), [accounts]);
  const now = useMemo(() => new Date(), []);
  const money = (cents: number | null) => (cents === null ? "" : formatCents(cents, lang));
  const filtered = search !== "" || state.accountId !== null || state.insight !== null;

  function update(patch: Partial<StatsState>) {
    setState((s) => ({ ...s, ...patch, page: 1 }));
  }

  function toggleChart(id: string) {
    setOpen((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  function onQueued(pending: PendingAction, dryRun: boolean) {
    setActing(null);
    void queryClient.invalidateQueries({ queryKey: statisticsKeys.all });
    const message = t(`listings.actions.queued.${pending.action}`, { title: pending.row.title });
    showToast(
      dryRun ? `${message} ${t("listings.actions.dryRunNote")}` : message,
      onOpenJobs && { label: t("listings.actions.seeJobs"), onAction: onOpenJobs, testId: "toast-open-jobs" },
    );
  }

  function header(field: FiguresSortField, label: string, className?: string) {
    const active = state.sort.field === field;
    return (
      <th scope="col" className={className} aria-sort={active ? (state.sort.dir === "asc" ? "ascending" : "descending") : "none"}>
        <button
          type="button"
          className={active ? "sort-btn is-active" : "sort-btn"}
          data-testid={`stats-sort-${field}`}
          title={t("statistics.sortBy", { column: label })}
          onClick={() => update({ sort: nextFiguresSort(state.sort, field) })}
        >
          {label}
          <span className="sort-indicator" aria-hidden="true">
            {active ? (state.sort.dir === "asc" ? "▲" : "▼") : "↕"}
          </span>
        </button>
      </th>
    );
  }

  function insightText(insight: Insight, f: ListingFigures): { title: string; advice: string } {
    const d = (insight.data ?? {}) as Record<string, number | undefined>;
    // The store keeps dates (the day a count stopped, the day it was listed), not day counts
    // that would change every day: the days are counted here.
    const raw = (insight.data ?? {}) as Record<string, unknown>;
    const since = typeof raw.since === "string" ? raw.since : typeof raw.listedAt === "string" ? raw.listedAt : null;
    const values = {
      days: daysSince(since === null ? null : `${since}T00:00:00Z`, now) ?? d.days ?? 0,
      views: d.views ?? 0,
      favorites: d.favorites ?? 0,
      ratePct: d.ratePct ?? 0,
      offers: d.offers ?? 0,
      pct: d.bestOfferPct ?? 0,
      sales: d.sales ?? 0,
      price: money(d.priceCents ?? f.priceCents),
      best: money(d.bestOfferCents ?? null),
      median: money(d.medianCents ?? null),
    };
    return {
      title: t(`statistics.insights.${insight.insightType}.title`, values),
      advice: t(`statistics.insights.${insight.insightType}.advice`, values),
    };
  }

  function insightAction(insight: Insight, f: ListingFigures) {
    const active = f.status === "active";
    if (insight.action === "edit_price") {
      return (
        <button
          type="button"
          className="btn btn-small"
          data-testid="stats-insight-edit-price"
          disabled={!active}
          onClick={() => setActing({ action: "editPrice", row: asListingRow(f) })}
        >
          {t("statistics.actions.editPrice")}
        </button>
      );
    }
    if (insight.action === "relist") {
      const linked = f.productId !== null;
      return (
        <button
          type="button"
          className="btn btn-small"
          data-testid="stats-insight-relist"
          disabled={!active || !linked}
          title={linked ? undefined : t("listings.actions.relistNeedsLink")}
          onClick={() => setActing({ action: "relist", row: asListingRow(f) })}
        >
          {t("statistics.actions.relist")}
        </button>
      );
    }
    return null;
  }

  function insightsCell(f: ListingFigures) {
    if (f.insights.length === 0) return <span className="muted">{f.views === null ? "" : t("statistics.insights.none")}</span>;
    return (
      <ul className="stats-insights">
        {f.insights.map((insight) => {
          const text = insightText(insight, f);
          return (
            <li key={insight.insightType} className={`stats-insight is-${insight.severity}`} data-testid="stats-insight" data-type={insight.insightType} data-severity={insight.severity}>
              <span className="stats-insight-title">{text.title}</span>
              <span className="stats-insight-advice muted">{text.advice}</span>
              {insightAction(insight, f)}
            </li>
          );
        })}
      </ul>
    );
  }

  function row(f: ListingFigures) {
    const age = daysSince(f.listedAt, now);
    const chartOpen = open.has(f.id);
    const offersTitle =
      f.offers && f.offers > 0
        ? t("statistics.offersDetail", { avg: money(f.avgOfferCents), best: money(f.bestOfferCents), lowest: money(f.lowestOfferCents) })
        : undefined;
    return (
      <Fragment key={f.id}>
        <tr className="stats-row" data-testid="stats-row" data-id={f.id} data-listing-id={f.listingId}>
          <td className="col-title">
            <span className="listing-title" data-testid="stats-title">
              {f.title}
            </span>
            <span className="listing-meta muted">
              {accounts.length > 1 && <>{accountNames.get(f.accountId) ?? ""} · </>}
              {t(`listings.statuses.${f.status}`)}
            </span>
          </td>
          <td className="col-num" data-testid="stats-price">
            {money(f.priceCents)}
          </td>
          <td className="col-num" data-testid="stats-age">
            {age === null ? "" : t("statistics.days", { count: age })}
          </td>
          <td className="col-num" data-testid="stats-views">
            {f.views ?? "—"}
          </td>
          <td className="col-num" data-testid="stats-views-trend">
            {formatTrend(f.viewsTrend)}
          </td>
          <td className="col-num" data-testid="stats-favorites">
            {f.favorites ?? "—"}
          </td>
          <td className="col-num" data-testid="stats-favorites-trend">
            {formatTrend(f.favoritesTrend)}
          </td>
          <td className="col-num" data-testid="stats-offers" title={offersTitle}>
            {f.offers ?? "—"}
          </td>
          <td className="col-num" data-testid="stats-avg-offer">
            {money(f.avgOfferCents)}
          </td>
          <td className="col-num" data-testid="stats-best-offer">
            {money(f.bestOfferCents)}
          </td>
          <td className="col-num" data-testid="stats-lowest-offer">
            {money(f.lowestOfferCents)}
          </td>
          <td className="col-insights">{insightsCell(f)}</td>
          <td className="col-actions">
            <button
              type="button"
              className="btn btn-small"
              data-testid="stats-chart-toggle"
              aria-expanded={chartOpen}
              disabled={f.views === null}
              aria-label={t("statistics.chart.toggleLabel", { title: f.title })}
              onClick={() => toggleChart(f.id)}
            >
              {chartOpen ? t("statistics.chart.hide") : t("statistics.chart.show")}
            </button>
          </td>
        </tr>
        {chartOpen && (
          <tr className="stats-chart-row">
            <td colSpan={13}>
              <HistoryChart id={f.id} title={f.title} />
            </td>
          </tr>
        )}
      </Fragment>
    );
  }

  let body: React.ReactNode;
  if (result.isPending) {
    body = (
      <p className="state-message" role="status" data-testid="stats-loading">
        <span className="spinner" aria-hidden="true" /> {t("statistics.loading")}
      </p>
    );
  } else if (result.isError && !data) {
    body = <LoadError title={t("statistics.loadError")} error={result.error} onRetry={() => void result.refetch()} testId="stats-error" />;
  } else if (data && data.total === 0 && !filtered) {
    body = (
      <div className="empty-state" data-testid="stats-empty">
        <h2>{t("statistics.emptyTitle")}</h2>
        <p>{t("statistics.emptyText")}</p>
      </div>
    );
  } else if (data && data.items.length === 0) {
    body = (
      <div className="empty-state" data-testid="stats-no-match">
        <h2>{t("statistics.noMatchTitle")}</h2>
        <button type="button" className="btn" data-testid="stats-clear-filters" onClick={() => update({ search: "", accountId: null, insight: null })}>
          {t("statistics.clearFilters")}
        </button>
      </div>
    );
  } else if (data) {
    const pages = Math.max(1, Math.ceil(data.total / FIGURES_PER_PAGE));
    const noFigures = data.items.every((f) => f.views === null);
    body = (
      <>
        {noFigures && (
          <p className="hint stats-no-figures" data-testid="stats-no-figures">
            {t("statistics.noFigures")}
          </p>
        )}
        <div className="table-wrap">
          <table className={result.isFetching ? "data-table stats-table is-refreshing" : "data-table stats-table"} aria-busy={result.isFetching || undefined}>
            <caption className="sr-only">{t("statistics.caption")}</caption>
            <thead>
              <tr>
                {header("title", t("statistics.columns.title"), "col-title")}
                {header("price", t("statistics.columns.price"), "col-num")}
                {header("age", t("statistics.columns.age"), "col-num")}
                {header("views", t("statistics.columns.views"), "col-num")}
                {header("viewsTrend", t("statistics.columns.viewsTrend"), "col-num")}
                {header("favorites", t("statistics.columns.favorites"), "col-num")}
                {header("favoritesTrend", t("statistics.columns.favoritesTrend"), "col-num")}
                {header("offers", t("statistics.columns.offers"), "col-num")}
                {header("avgOffer", t("statistics.columns.avgOffer"), "col-num")}
                {header("bestOffer", t("statistics.columns.bestOffer"), "col-num")}
                {header("lowestOffer", t("statistics.columns.lowestOffer"), "col-num")}
                {header("insights", t("statistics.columns.insights"))}
                <th scope="col" className="col-actions">
                  {t("statistics.columns.chart")}
                </th>
              </tr>
            </thead>
            <tbody>{data.items.map(row)}</tbody>
          </table>
        </div>
        <nav className="pagination" aria-label={t("statistics.pagination")}>
          <span className="pagination-range" data-testid="stats-page-range">
            {t("statistics.pageOf", { page: state.page, pages })}
          </span>
          <div className="pagination-buttons">
            <button type="button" className="btn btn-small" data-testid="stats-page-prev" disabled={state.page <= 1} onClick={() => setState((s) => ({ ...s, page: s.page - 1 }))}>
              ← {t("statistics.previous")}
            </button>
            <button type="button" className="btn btn-small" data-testid="stats-page-next" disabled={state.page >= pages} onClick={() => setState((s) => ({ ...s, page: s.page + 1 }))}>
              {t("statistics.next")} →
            </button>
          </div>
        </nav>
      </>
    );
  }

  return (
    <div className="stats" data-testid="stats">
      <div className="toolbar">
        <div className="toolbar-field toolbar-search">
          <label htmlFor="stats-search" className="sr-only">
            {t("statistics.searchLabel")}
          </label>
          <input
            id="stats-search"
            data-testid="stats-search"
            type="search"
            autoComplete="off"
            placeholder={t("statistics.searchPlaceholder")}
            value={state.search}
            onChange={(e) => update({ search: e.target.value })}
          />
        </div>
        {accounts.length > 0 && (
          <div className="toolbar-field">
            <label htmlFor="stats-account-filter">{t("statistics.accountFilter")}</label>
            <select
              id="stats-account-filter"
              data-testid="stats-account-filter"
              value={state.accountId ?? ""}
              onChange={(e) => update({ accountId: e.target.value === "" ? null : e.target.value })}
            >
              <option value="">{t("statistics.allAccounts")}</option>
              {accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="toolbar-field">
          <label htmlFor="stats-insight-filter">{t("statistics.insightFilter")}</label>
          <select
            id="stats-insight-filter"
            data-testid="stats-insight-filter"
            value={state.insight ?? ""}
            onChange={(e) => update({ insight: e.target.value === "" ? null : (e.target.value as InsightType) })}
          >
            <option value="">{t("statistics.allInsights")}</option>
            {INSIGHT_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`statistics.insightTypes.${type}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="toolbar-end">
          <RefreshStatisticsButton accountId={state.accountId} onOpenJobs={onOpenJobs} />
        </div>
      </div>
      <p className="hint" data-testid="stats-trend-hint">
        {t("statistics.trendHint")}
      </p>
      {body}
      {acting && (
        <ListingActionDialog
          key={`${acting.action}-${acting.row.id}`}
          pending={acting}
          account={accounts.find((a) => a.id === acting.row.accountId)}
          onClose={() => setActing(null)}
          onQueued={onQueued}
        />
      )}
    </div>
  );
}
