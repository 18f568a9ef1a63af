import type { FiguresFilter, FiguresSort, FiguresSortField, InsightType } from "../../bindings";

export const FIGURES_PER_PAGE = 50;

export const INSIGHT_TYPES: readonly InsightType[] = ["stale", "few_favorites", "favorites_no_offer", "low_offers", "relist", "above_median"];

/** What the statistics table shows: its filters, the search as typed, the sort and the page. */
export type StatsState = {
  search: string;
  accountId: string | null;
  insight: InsightType | null;
  sort: FiguresSort;
  /** From 1. */
  page: number;
};

export const INITIAL_STATS_STATE: StatsState = {
  search: "",
  accountId: null,
  insight: null,
  sort: { field: "views", dir: "desc" },
  page: 1,
};

/** The page to ask the store for: sorted, filtered and paged in SQL. */
export function figuresFilter(state: StatsState, search: string): FiguresFilter {
  return {
    accountId: state.accountId,
    status: null,
    search: search === "" ? null : search,
    insight: state.insight,
    sort: state.sort,
    page: state.page,
    perPage: FIGURES_PER_PAGE,
  };
}

/** A click on a column: the other direction on the sorted one, else that column (title A→Z, age youngest first, figures largest first). */
export function nextFiguresSort(sort: FiguresSort, field: FiguresSortField): FiguresSort {
  if (sort.field === field) return { field, dir: sort.dir === "asc" ? "desc" : "asc" };
  return { field, dir: field === "title" || field === "age" ? "asc" : "desc" };
}

/** Whole days from `iso` to `now`; null without a date. */
export function daysSince(iso: string | null, now: Date): number | null {
  if (!iso) return null;
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.floor((now.getTime() - at) / 86_400_000));
}

/** "+12", "−3", "0" for a trend; "" without one. */
export function formatTrend(trend: number | null): string {
  if (trend === null) return "";
  if (trend > 0) return `+${trend}`;
  if (trend < 0) return `−${-trend}`;
  return "0";
}
