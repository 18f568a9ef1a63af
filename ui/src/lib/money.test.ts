import { describe, expect, it } from "vitest";
import { normalizeSpaces } from "../test/utils";
import { centsToInput, formatCents, parseEuro, parseEuroToCents } from "./money";

describe("parseEuroToCents", () => {
  it.each([
    ["12,50", 1250],
    ["12.50", 1250],
    ["12.5", 1250],
    ["12,5", 1250],
    ["0,1", 10],
    ["0.01", 1],
    ["12", 1200],
    ["0", 0],
    ["  7,00  ", 700],
    [",5", 50],
    ["12,", 1200],
    ["1 234,56", 123456],
    ["1\u00a0234,56", 123456],
    ["1\u202f234,56", 123456],
    ["1 234 567", 123456700],
    ["1.234,56", 123456],
    ["1,234.56", 123456],
    ["12,50 €", 1250],
    ["€12.50", 1250],
    ["0019,99", 1999],
    ["19,99", 1999], // 19.99 * 100 is 1998.9999999999998 in floating point
    ["1,10", 110],
    ["4.35", 435],
  ])("%j → %i", (input, cents) => {
    expect(parseEuroToCents(input)).toBe(cents);
  });

  it.each(["-3", "-3,50", "12,345", "12.345", "abc", "", "   ", "1,2,3", "12,50,00", "1 23,00", "1.234", "12..5", "1e3", "0x10", "12a", ".", "€", "1 234.567,89", "١٢"])(
    "rejects %j",
    (input) => {
      expect(parseEuroToCents(input)).toBeNull();
    },
  );

  it("reports why a value is rejected", () => {
    expect(parseEuro("")).toEqual({ ok: false, error: "required" });
    expect(parseEuro("-3")).toEqual({ ok: false, error: "negative" });
    expect(parseEuro("-abc")).toEqual({ ok: false, error: "invalid" });
    expect(parseEuro("12,345")).toEqual({ ok: false, error: "invalid" });
    expect(parseEuro("99999999999999")).toEqual({ ok: false, error: "tooLarge" });
    expect(parseEuro("9999999999999,99")).toEqual({ ok: true, cents: 999999999999999 });
  });
});

describe("formatCents", () => {
  it("formats in French", () => {
    expect(normalizeSpaces(formatCents(1250, "fr"))).toBe("12,50 €");
    expect(normalizeSpaces(formatCents(123456, "fr"))).toBe("1 234,56 €");
    expect(normalizeSpaces(formatCents(0, "fr"))).toBe("0,00 €");
  });

  it("formats in English", () => {
    expect(formatCents(1250, "en")).toBe("€12.50");
    expect(formatCents(123456, "en")).toBe("€1,234.56");
  });
});

describe("centsToInput", () => {
  it("uses the language's decimal separator, without grouping", () => {
    expect(centsToInput(1250, "fr")).toBe("12,50");
    expect(centsToInput(123456, "fr")).toBe("1234,56");
    expect(centsToInput(5, "en")).toBe("0.05");
    expect(centsToInput(0, "en")).toBe("0.00");
  });

  it("round-trips through parseEuroToCents", () => {
    for (const cents of [0, 1, 10, 99, 100, 1999, 123456, 999999999]) {
      expect(parseEuroToCents(centsToInput(cents, "fr"))).toBe(cents);
      expect(parseEuroToCents(centsToInput(cents, "en"))).toBe(cents);
    }
  });
});
