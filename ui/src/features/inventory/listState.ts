import type { ProductStatus, SortDir, SortField } from "../../bindings";

export const PAGE_SIZE = 50;

export type ListState = {
  /** Search text as typed (the query uses a debounced copy). */
  search: string;
  status: ProductStatus | null;
  sortBy: SortField;
  sortDir: SortDir;
  offset: number;
};

export const INITIAL_LIST_STATE: ListState = {
  search: "",
  status: null,
  sortBy: "updatedAt",
  sortDir: "desc",
  offset: 0,
};

/** Clicking a column header: toggles the direction on the current column, otherwise picks a sensible default. */
export function nextSort(state: Pick<ListState, "sortBy" | "sortDir">, column: SortField): Pick<ListState, "sortBy" | "sortDir"> {
  if (state.sortBy === column) return { sortBy: column, sortDir: state.sortDir === "asc" ? "desc" : "asc" };
  return { sortBy: column, sortDir: column === "title" ? "asc" : "desc" };
}

/** "1–50", "51–73"… for the current page (from/to are 1-based, inclusive). */
export function pageRange(offset: number, count: number, total: number): { from: number; to: number; total: number } {
  if (total === 0 || count === 0) return { from: 0, to: 0, total };
  return { from: offset + 1, to: Math.min(offset + count, total), total };
}

/** Offset of the last page that has items (used when the current page became empty). */
export function lastPageOffset(total: number, pageSize = PAGE_SIZE): number {
  return total <= 0 ? 0 : Math.floor((total - 1) / pageSize) * pageSize;
}
