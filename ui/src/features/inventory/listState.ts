import type { Condition, ProductQuery, ProductStatus, SortDir, SortField } from "../../bindings";
import { parseEuro } from "../../lib/money";

/** Rows fetched per request while scrolling the virtualised list. */
export const PAGE_SIZE = 100;

/** The inventory's filters as the user typed them (numbers stay text until queried). */
export type ListFilters = {
  category: string;
  brand: string;
  size: string;
  condition: Condition | "";
  color: string;
  material: string;
  sellerAccountId: string;
  minDaysInStock: string;
  maxDaysInStock: string;
  minPrice: string;
  maxPrice: string;
};

export type ListState = {
  /** Search text as typed (the query uses a debounced copy). */
  search: string;
  status: ProductStatus | null;
  filters: ListFilters;
  sortBy: SortField;
  sortDir: SortDir;
};

export const NO_FILTERS: ListFilters = {
  category: "",
  brand: "",
  size: "",
  condition: "",
  color: "",
  material: "",
  sellerAccountId: "",
  minDaysInStock: "",
  maxDaysInStock: "",
  minPrice: "",
  maxPrice: "",
};

export const INITIAL_LIST_STATE: ListState = {
  search: "",
  status: null,
  filters: NO_FILTERS,
  sortBy: "updatedAt",
  sortDir: "desc",
};

/** Clicking a column header: toggles the direction on the current column, otherwise picks a sensible default. */
export function nextSort(state: Pick<ListState, "sortBy" | "sortDir">, column: SortField): Pick<ListState, "sortBy" | "sortDir"> {
  if (state.sortBy === column) return { sortBy: column, sortDir: state.sortDir === "asc" ? "desc" : "asc" };
  return { sortBy: column, sortDir: column === "title" ? "asc" : "desc" };
}

/** How many of the filters (besides search and status) are set. */
export function activeFilterCount(filters: ListFilters): number {
  return Object.values(filters).filter((v) => v.trim() !== "").length;
}

/** Whole days typed in a filter; anything else is ignored rather than sent. */
function days(text: string): number | null {
  const trimmed = text.trim();
  return /^\d{1,5}$/.test(trimmed) ? Number(trimmed) : null;
}

function cents(text: string): number | null {
  if (text.trim() === "") return null;
  const parsed = parseEuro(text);
  return parsed.ok ? parsed.cents : null;
}

const text = (value: string) => (value.trim() === "" ? null : value.trim());

/** Which typed filters cannot be read (shown beside the field, and left out of the query). */
export function invalidFilterFields(filters: ListFilters): (keyof ListFilters)[] {
  const wrong: (keyof ListFilters)[] = [];
  for (const key of ["minDaysInStock", "maxDaysInStock"] as const) {
    if (filters[key].trim() !== "" && days(filters[key]) === null) wrong.push(key);
  }
  for (const key of ["minPrice", "maxPrice"] as const) {
    if (filters[key].trim() !== "" && cents(filters[key]) === null) wrong.push(key);
  }
  return wrong;
}

/** The store query for the list state (without paging). */
export function toProductQuery(state: ListState, search: string): Omit<ProductQuery, "limit" | "offset"> {
  const f = state.filters;
  return {
    search: text(search),
    status: state.status,
    category: text(f.category),
    brand: text(f.brand),
    size: text(f.size),
    condition: f.condition === "" ? null : f.condition,
    color: text(f.color),
    material: text(f.material),
    sellerAccountId: text(f.sellerAccountId),
    minDaysInStock: days(f.minDaysInStock),
    maxDaysInStock: days(f.maxDaysInStock),
    minPriceCents: cents(f.minPrice),
    maxPriceCents: cents(f.maxPrice),
    sortBy: state.sortBy,
    sortDir: state.sortDir,
  };
}

/** The pages (of {@link PAGE_SIZE} rows) holding rows `first`..`last`. */
export function pagesFor(first: number, last: number): number[] {
  if (last < first) return [];
  const pages: number[] = [];
  for (let page = Math.floor(first / PAGE_SIZE); page <= Math.floor(last / PAGE_SIZE); page++) pages.push(page);
  return pages;
}

/**
 * A bulk price change as typed: "-5" or "+2,50" (euros) or "-15 %" / "10%" (percent). Returns the
 * change in cents or basis points, or null when it cannot be read.
 */
export function parsePriceChange(input: string): { kind: "amount"; cents: number } | { kind: "percent"; basisPoints: number } | null {
  const compact = input.replace(/\s/g, "");
  const match = /^([+-]?)(\d+(?:[.,]\d{1,2})?)(%|€)?$/.exec(compact);
  if (!match) return null;
  const [, sign, number, unit] = match;
  const negative = sign === "-";
  const hundredths = Math.round(Number(number.replace(",", ".")) * 100);
  if (!Number.isFinite(hundredths) || hundredths === 0) return null;
  const signed = negative ? -hundredths : hundredths;
  return unit === "%" ? { kind: "percent", basisPoints: signed } : { kind: "amount", cents: signed };
}
