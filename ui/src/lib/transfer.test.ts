import { describe, expect, it } from "vitest";
import { csvLanguage, currentYear, isDay, parseMappingValue, progressPercent, remap } from "./transfer";

describe("transfer helpers", () => {
  it("moves a field to one column only", () => {
    expect(remap(["sku", "title", null], 2, "title")).toEqual(["sku", null, "title"]);
    expect(remap(["sku", "title", null], 0, null)).toEqual([null, "title", null]);
  });

  it("reads the mapping select", () => {
    expect(parseMappingValue("price")).toBe("price");
    expect(parseMappingValue("")).toBeNull();
    expect(parseMappingValue("nope")).toBeNull();
  });

  it("computes progress", () => {
    expect(progressPercent(null)).toBe(0);
    expect(progressPercent({ done: 1, total: 3 })).toBe(33);
    expect(progressPercent({ done: 0, total: 0 })).toBe(100);
  });

  it("picks the export language and periods", () => {
    expect(csvLanguage("en-GB")).toBe("en");
    expect(csvLanguage("fr")).toBe("fr");
    expect(currentYear(new Date(2026, 10, 25))).toEqual({ from: "2026-01-01", to: "2026-12-31" });
    expect(isDay("2026-02-29")).toBe(false);
    expect(isDay("2028-02-29")).toBe(true);
    expect(isDay("29/02/2028")).toBe(false);
  });
});
