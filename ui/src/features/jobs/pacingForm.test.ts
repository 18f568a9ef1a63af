import { describe, expect, it } from "vitest";
import {
  DEFAULT_PACING,
  buildPacing,
  mapPacingServerErrors,
  pacingErrorKey,
  pacingValues,
  parseCap,
  parseSeconds,
  secondsText,
} from "./pacingForm";

describe("pacingForm", () => {
  it("shows milliseconds as seconds in the user's language, without trailing zeros", () => {
    expect(secondsText(1500, "fr")).toBe("1,5");
    expect(secondsText(1500, "en")).toBe("1.5");
    expect(secondsText(20_000, "fr")).toBe("20");
    expect(secondsText(1005, "en")).toBe("1.005");
    expect(secondsText(3_600_000, "fr")).toBe("3600");
  });

  it("reads seconds from the text, with a comma or a point, exactly to the millisecond", () => {
    expect(parseSeconds("1,5")).toEqual({ ok: true, ms: 1500 });
    expect(parseSeconds(" 0.001 ")).toEqual({ ok: true, ms: 1 });
    expect(parseSeconds("2.")).toEqual({ ok: true, ms: 2000 });
    // 0.1 + 0.2 in floating point is not 0.3; read from the text it is 300 ms.
    expect(parseSeconds("0,3")).toEqual({ ok: true, ms: 300 });
    expect(parseSeconds("3600")).toEqual({ ok: true, ms: 3_600_000 });
    expect(parseSeconds("")).toEqual({ ok: false, code: "required" });
    expect(parseSeconds("0")).toEqual({ ok: false, code: "zero" });
    expect(parseSeconds("-1")).toEqual({ ok: false, code: "negative" });
    expect(parseSeconds("1,2345")).toEqual({ ok: false, code: "decimals" });
    expect(parseSeconds("3600,001")).toEqual({ ok: false, code: "tooLarge" });
    expect(parseSeconds("deux")).toEqual({ ok: false, code: "invalid" });
  });

  it("reads caps as whole numbers from 1 to 10,000", () => {
    expect(parseCap("40")).toEqual({ ok: true, value: 40 });
    expect(parseCap("10000")).toEqual({ ok: true, value: 10_000 });
    expect(parseCap("10001")).toEqual({ ok: false, code: "tooLarge" });
    expect(parseCap("0")).toEqual({ ok: false, code: "zero" });
    expect(parseCap("2,5")).toEqual({ ok: false, code: "notWhole" });
    expect(parseCap("-3")).toEqual({ ok: false, code: "negative" });
  });

  it("round-trips the defaults and reports a minimum above its maximum on the maximum", () => {
    const values = pacingValues(DEFAULT_PACING, "fr");
    expect(buildPacing(values)).toEqual({ ok: true, settings: DEFAULT_PACING });
    const wrong = buildPacing({ ...values, writeGapMinMs: "60", readGapMaxMs: "" });
    expect(wrong).toEqual({ ok: false, errors: { writeGapMaxMs: "minAboveMax", readGapMaxMs: "required" } });
  });

  it("puts the store's field errors under their fields, with their bounds", () => {
    const mapped = mapPacingServerErrors({
      code: "validation",
      message: "",
      fields: [
        { field: "readGapMaxMs", code: "invalid" },
        { field: "writesPerDay", code: "invalid" },
        { field: "writeGapMinMs", code: "tooLarge" },
        { field: "perPage", code: "tooLarge" },
      ],
    });
    expect(mapped.fields).toEqual({ readGapMaxMs: "zeroOrBelowMin", writesPerDay: "zero", writeGapMinMs: "tooLarge" });
    expect(mapped.unmapped).toEqual([{ field: "perPage", code: "tooLarge" }]);
    expect(pacingErrorKey("writeGapMinMs", "tooLarge")).toBe("jobs.pacing.errors.gapTooLarge");
    expect(pacingErrorKey("writesPerDay", "tooLarge")).toBe("jobs.pacing.errors.capTooLarge");
  });
});
