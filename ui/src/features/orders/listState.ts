import type { OrderQuery, OrderType } from "../../bindings";
import { periodBounds } from "../../lib/period";

export const ORDERS_PAGE_SIZE = 50;

export const LIST_PERIODS = ["all", "today", "week", "month", "year"] as const;
export type ListPeriod = (typeof LIST_PERIODS)[number];

export type OrderListState = {
  /** Search text as typed (the query uses a debounced copy). */
  search: string;
  orderType: OrderType | null;
  status: string | null;
  processed: boolean | null;
  sellerAccountId: string | null;
  period: ListPeriod;
  offset: number;
};

export const INITIAL_ORDER_LIST_STATE: OrderListState = {
  search: "",
  orderType: null,
  status: null,
  processed: null,
  sellerAccountId: null,
  period: "all",
  offset: 0,
};

/** The page of the list to ask the store for: newest first, filtered and paged in SQL. */
export function orderQuery(state: OrderListState, search: string, now: Date): OrderQuery {
  let from: string | null = null;
  let to: string | null = null;
  if (state.period !== "all") {
    const r = periodBounds(state.period, now);
    if (r.ok) ({ from, to } = r.bounds);
  }
  return {
    orderType: state.orderType,
    status: state.status,
    sellerAccountId: state.sellerAccountId,
    processed: state.processed,
    from,
    to,
    search: search === "" ? null : search,
    sortBy: "createdAt",
    sortDir: "desc",
    limit: ORDERS_PAGE_SIZE,
    offset: state.offset,
  };
}

export function hasOrderFilters(state: OrderListState, search: string): boolean {
  return (
    search !== "" ||
    state.orderType !== null ||
    state.status !== null ||
    state.processed !== null ||
    state.sellerAccountId !== null ||
    state.period !== "all"
  );
}

/** "1–50", "51–73"… for the current page (from/to are 1-based, inclusive). */
export function pageRange(offset: number, count: number, total: number): { from: number; to: number; total: number } {
  if (total === 0 || count === 0) return { from: 0, to: 0, total };
  return { from: offset + 1, to: Math.min(offset + count, total), total };
}

/** Offset of the last page that has rows (used when the current page became empty). */
export function lastPageOffset(total: number): number {
  return total <= 0 ? 0 : Math.floor((total - 1) / ORDERS_PAGE_SIZE) * ORDERS_PAGE_SIZE;
}
