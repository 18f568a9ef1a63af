import { describe, expect, it } from "vitest";
import { INITIAL_LIST_STATE, NO_FILTERS, activeFilterCount, invalidFilterFields, nextSort, pagesFor, parsePriceChange, toProductQuery } from "./listState";

describe("list state helpers", () => {
  it("toggles the sort direction on the same column", () => {
    expect(nextSort({ sortBy: "price", sortDir: "desc" }, "price")).toEqual({ sortBy: "price", sortDir: "asc" });
    expect(nextSort({ sortBy: "price", sortDir: "asc" }, "price")).toEqual({ sortBy: "price", sortDir: "desc" });
    expect(nextSort({ sortBy: "price", sortDir: "asc" }, "title")).toEqual({ sortBy: "title", sortDir: "asc" });
    expect(nextSort({ sortBy: "title", sortDir: "asc" }, "updatedAt")).toEqual({ sortBy: "updatedAt", sortDir: "desc" });
  });

  it("asks for the pages holding the rows on screen", () => {
    expect(pagesFor(0, 30)).toEqual([0]);
    expect(pagesFor(95, 140)).toEqual([0, 1]);
    expect(pagesFor(250, 420)).toEqual([2, 3, 4]);
    expect(pagesFor(0, -1)).toEqual([]);
  });

  it("turns typed filters into a store query and leaves out what cannot be read", () => {
    const state = {
      ...INITIAL_LIST_STATE,
      filters: { ...NO_FILTERS, brand: " Zara ", minPrice: "5,50", maxPrice: "abc", minDaysInStock: "30", condition: "good" as const },
    };
    const query = toProductQuery(state, "robe");
    expect(query.search).toBe("robe");
    expect(query.brand).toBe("Zara");
    expect(query.category).toBeNull();
    expect(query.minPriceCents).toBe(550);
    expect(query.maxPriceCents).toBeNull();
    expect(query.minDaysInStock).toBe(30);
    expect(query.condition).toBe("good");
    expect(invalidFilterFields(state.filters)).toEqual(["maxPrice"]);
    expect(activeFilterCount(state.filters)).toBe(5);
    expect(activeFilterCount(NO_FILTERS)).toBe(0);
  });

  it("reads bulk price changes in euros or percent", () => {
    expect(parsePriceChange("-5")).toEqual({ kind: "amount", cents: -500 });
    expect(parsePriceChange("+2,50 €")).toEqual({ kind: "amount", cents: 250 });
    expect(parsePriceChange("-15 %")).toEqual({ kind: "percent", basisPoints: -1500 });
    expect(parsePriceChange("12.5%")).toEqual({ kind: "percent", basisPoints: 1250 });
    expect(parsePriceChange("0")).toBeNull();
    expect(parsePriceChange("abc")).toBeNull();
    expect(parsePriceChange("--5")).toBeNull();
  });
});
