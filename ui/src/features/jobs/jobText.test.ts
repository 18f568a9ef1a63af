import { describe, expect, it } from "vitest";
import { formatUntil, importOptions, importPhotos, importSummary, knownReason, progressPercent } from "./jobText";

describe("job text", () => {
  it("reads an import's result and options, and nothing from another job", () => {
    expect(importSummary({ kind: "import_listings", result: { seen: 4, linked: 2, gone: 1, created: 1 } })).toEqual({ seen: 4, linked: 2, gone: 1, created: 1 });
    expect(importSummary({ kind: "import_listings", result: { seen: "x" } })).toEqual({ seen: 0, linked: 0, gone: 0, created: 0 });
    expect(importSummary({ kind: "publish", result: { seen: 4 } })).toBeNull();
    expect(importSummary({ kind: "import_listings", result: null })).toBeNull();
    // Missing options are the store's defaults: link by SKU on, create items off.
    expect(importOptions({ kind: "import_listings", payload: {} })).toEqual({ linkBySku: true, createItems: false });
  });

  it("knows the queue's reasons and keeps others as they are", () => {
    expect(knownReason("hourly_cap")).toBe("hourly_cap");
    expect(knownReason("login_expired")).toBe("login_expired");
    expect(knownReason("something_new")).toBeNull();
    expect(knownReason(null)).toBeNull();
  });

  it("computes a whole percentage only with a total", () => {
    expect(progressPercent(1, 3)).toBe(33);
    expect(progressPercent(5, null)).toBeNull();
    expect(progressPercent(5, 0)).toBeNull();
    expect(progressPercent(7, 5)).toBe(100);
  });

  it("gives the time alone for later today, else the date too", () => {
    const now = new Date(2026, 11, 7, 9, 0);
    expect(formatUntil(new Date(2026, 11, 7, 14, 5).toISOString(), "fr", now)).toBe("14:05");
    expect(formatUntil(new Date(2026, 11, 8, 14, 5).toISOString(), "fr", now)).toBe("08/12/2026 14:05");
  });
});

describe("importPhotos", () => {
  it("reads the photos an import stored and the ones it could not, ignoring what it does not know", () => {
    expect(
      importPhotos({
        kind: "import_listings",
        result: {
          seen: 2,
          photos: 5,
          photoFailures: [
            { listingId: "41", productId: "p", position: 2, url: "https://x", reason: "404" },
            { listingId: 7, position: 1 },
            "junk",
          ],
        },
      }),
    ).toEqual({ stored: 5, failed: [{ listingId: "41", position: 2 }], more: 0 });
    expect(
      importPhotos({ kind: "import_listings", result: { photos: 0, photoFailures: [{ listingId: "41", position: 1 }], photoFailuresTotal: 60 } }),
    ).toEqual({ stored: 0, failed: [{ listingId: "41", position: 1 }], more: 59 });
    expect(importPhotos({ kind: "import_listings", result: { seen: 2 } })).toBeNull();
    expect(importPhotos({ kind: "publish", result: { photos: 3 } })).toBeNull();
  });
});

