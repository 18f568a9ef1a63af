import { describe, expect, it } from "vitest";
import { lastPageOffset, nextSort, pageRange } from "./listState";

describe("list state helpers", () => {
  it("toggles the sort direction on the same column", () => {
    expect(nextSort({ sortBy: "price", sortDir: "desc" }, "price")).toEqual({ sortBy: "price", sortDir: "asc" });
    expect(nextSort({ sortBy: "price", sortDir: "asc" }, "price")).toEqual({ sortBy: "price", sortDir: "desc" });
    expect(nextSort({ sortBy: "price", sortDir: "asc" }, "title")).toEqual({ sortBy: "title", sortDir: "asc" });
    expect(nextSort({ sortBy: "title", sortDir: "asc" }, "updatedAt")).toEqual({ sortBy: "updatedAt", sortDir: "desc" });
  });

  it("computes the visible range", () => {
    expect(pageRange(0, 50, 123)).toEqual({ from: 1, to: 50, total: 123 });
    expect(pageRange(100, 23, 123)).toEqual({ from: 101, to: 123, total: 123 });
    expect(pageRange(0, 0, 0)).toEqual({ from: 0, to: 0, total: 0 });
  });

  it("finds the last page offset", () => {
    expect(lastPageOffset(0)).toBe(0);
    expect(lastPageOffset(50)).toBe(0);
    expect(lastPageOffset(51)).toBe(50);
    expect(lastPageOffset(123)).toBe(100);
  });
});
