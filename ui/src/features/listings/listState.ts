import type { ListingFilter, ListingSort, ListingSortField, ListingStatus } from "../../bindings";

export const LISTINGS_PER_PAGE = 50;

export const LISTING_STATUSES: readonly ListingStatus[] = ["active", "reserved", "sold", "hidden", "draft", "deleted"];

/** What the listings list shows: its filters as chosen, the search as typed, the sort and the page. */
export type ListingListState = {
  /** As typed; the query uses a debounced copy. */
  search: string;
  accountId: string | null;
  status: ListingStatus | null;
  /** Only the listings linked to an item (`true`) or not (`false`). */
  linked: boolean | null;
  sort: ListingSort;
  /** From 1. */
  page: number;
};

export const INITIAL_LISTING_STATE: ListingListState = {
  search: "",
  accountId: null,
  status: null,
  linked: null,
  sort: { field: "listedAt", dir: "desc" },
  page: 1,
};

/** The page to ask the store for: filtered, sorted and paged in SQL. */
export function listingFilter(state: ListingListState, search: string): ListingFilter {
  return {
    accountId: state.accountId,
    status: state.status,
    search: search === "" ? null : search,
    linked: state.linked,
    sort: state.sort,
    page: state.page,
    perPage: LISTINGS_PER_PAGE,
  };
}

/** A click on a column: the other direction on the sorted one, else that column (text A→Z, the rest largest or newest first). */
export function nextListingSort(sort: ListingSort, field: ListingSortField): ListingSort {
  if (sort.field === field) return { field, dir: sort.dir === "asc" ? "desc" : "asc" };
  return { field, dir: field === "title" || field === "status" ? "asc" : "desc" };
}

export function hasListingFilters(state: ListingListState, search: string): boolean {
  return search !== "" || state.accountId !== null || state.status !== null || state.linked !== null;
}

/** "1–50 of 73" for the current page (1-based and inclusive). */
export function listingRange(page: number, count: number, total: number): { from: number; to: number; total: number } {
  if (total === 0 || count === 0) return { from: 0, to: 0, total };
  const from = (page - 1) * LISTINGS_PER_PAGE + 1;
  return { from, to: Math.min(from + count - 1, total), total };
}

export function pageCount(total: number): number {
  return Math.max(1, Math.ceil(total / LISTINGS_PER_PAGE));
}
