import { describe, expect, it } from "vitest";
import { INITIAL_LISTING_STATE, hasListingFilters, listingFilter, listingRange, nextListingSort, pageCount } from "./listState";

describe("listings list state", () => {
  it("asks the store for one page with the filters as chosen", () => {
    expect(listingFilter({ ...INITIAL_LISTING_STATE, linked: false, page: 3 }, "robe")).toEqual({
      accountId: null,
      status: null,
      search: "robe",
      linked: false,
      sort: { field: "listedAt", dir: "desc" },
      page: 3,
      perPage: 50,
    });
    expect(listingFilter(INITIAL_LISTING_STATE, "").search).toBeNull();
    expect(hasListingFilters(INITIAL_LISTING_STATE, "")).toBe(false);
    expect(hasListingFilters({ ...INITIAL_LISTING_STATE, linked: true }, "")).toBe(true);
  });

  it("sorts text A to Z first, numbers and dates largest first, and flips on a second click", () => {
    expect(nextListingSort({ field: "listedAt", dir: "desc" }, "title")).toEqual({ field: "title", dir: "asc" });
    expect(nextListingSort({ field: "title", dir: "asc" }, "price")).toEqual({ field: "price", dir: "desc" });
    expect(nextListingSort({ field: "price", dir: "desc" }, "price")).toEqual({ field: "price", dir: "asc" });
  });

  it("counts the rows of a page from 1", () => {
    expect(listingRange(1, 50, 120)).toEqual({ from: 1, to: 50, total: 120 });
    expect(listingRange(3, 20, 120)).toEqual({ from: 101, to: 120, total: 120 });
    expect(listingRange(1, 0, 0)).toEqual({ from: 0, to: 0, total: 0 });
    expect(pageCount(0)).toBe(1);
    expect(pageCount(101)).toBe(3);
  });
});
