import { describe, expect, it } from "vitest";
import { parseLocalDate, periodBounds, toLocalDateInput, utcOffsetMinutes } from "./period";

// Wednesday 12 March 2025, 15:30 local time.
const now = new Date(2025, 2, 12, 15, 30);
const local = (y: number, m: number, d: number) => new Date(y, m - 1, d).toISOString();

describe("periodBounds", () => {
  it("gives half-open local calendar periods as UTC RFC 3339", () => {
    expect(periodBounds("today", now)).toEqual({ ok: true, bounds: { from: local(2025, 3, 12), to: local(2025, 3, 13) } });
    // Weeks start on Monday.
    expect(periodBounds("week", now)).toEqual({ ok: true, bounds: { from: local(2025, 3, 10), to: local(2025, 3, 17) } });
    expect(periodBounds("month", now)).toEqual({ ok: true, bounds: { from: local(2025, 3, 1), to: local(2025, 4, 1) } });
    expect(periodBounds("year", now)).toEqual({ ok: true, bounds: { from: local(2025, 1, 1), to: local(2026, 1, 1) } });
  });

  it("keeps Sunday in the week that began the Monday before, and December in its year", () => {
    const sunday = new Date(2025, 2, 16, 23, 59);
    expect(periodBounds("week", sunday)).toEqual({ ok: true, bounds: { from: local(2025, 3, 10), to: local(2025, 3, 17) } });
    const newYearsEve = new Date(2025, 11, 31, 22, 0);
    expect(periodBounds("month", newYearsEve)).toEqual({ ok: true, bounds: { from: local(2025, 12, 1), to: local(2026, 1, 1) } });
  });

  it("includes both days of a custom range and refuses a backwards or broken one", () => {
    expect(periodBounds("custom", now, { from: "2025-01-15", to: "2025-02-28" })).toEqual({
      ok: true,
      bounds: { from: local(2025, 1, 15), to: local(2025, 3, 1) },
    });
    expect(periodBounds("custom", now, { from: "2025-02-01", to: "2025-02-01" })).toEqual({
      ok: true,
      bounds: { from: local(2025, 2, 1), to: local(2025, 2, 2) },
    });
    expect(periodBounds("custom", now, { from: "2025-03-01", to: "2025-02-01" })).toEqual({ ok: false, error: "to" });
    expect(periodBounds("custom", now, { from: "", to: "2025-02-01" })).toEqual({ ok: false, error: "from" });
    expect(periodBounds("custom", now, { from: "2025-02-30", to: "2025-03-01" })).toEqual({ ok: false, error: "from" });
  });

  it("sends times the store can compare as text (UTC, milliseconds, Z)", () => {
    const r = periodBounds("month", now);
    expect(r.ok && r.bounds.from).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
});

describe("dates", () => {
  it("round-trips a date input's value", () => {
    expect(toLocalDateInput(new Date(2025, 0, 5))).toBe("2025-01-05");
    expect(parseLocalDate("2025-01-05")?.getTime()).toBe(new Date(2025, 0, 5).getTime());
    expect(parseLocalDate("05/01/2025")).toBeNull();
  });

  it("gives the UTC offset with east positive, as the store expects", () => {
    expect(utcOffsetMinutes(now)).toBe(-now.getTimezoneOffset() || 0);
  });
});
