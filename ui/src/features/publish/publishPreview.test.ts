import { describe, expect, it } from "vitest";
import { previewItem, problemMessage, problemValues } from "./publishPreview";

describe("publish preview", () => {
  it("reads the title, price and photos in order from the create body, whatever its shape", () => {
    const payload = { item: { title: "Robe", price: 27.9, assigned_photos: [{ file: "photos/b.jpg" }, { file: "photos/a.jpg" }, { id: 3 }] } };
    expect(previewItem({ payload })).toEqual({ title: "Robe", priceCents: 2790, photos: ["photos/b.jpg", "photos/a.jpg"] });
    expect(previewItem({ payload: null })).toEqual({ title: "", priceCents: null, photos: [] });
    expect(previewItem({ payload: { item: { price: "12" } } })).toEqual({ title: "", priceCents: null, photos: [] });
  });

  it("says a problem in words of its own, by its code, or as it is from a newer app", () => {
    expect(problemMessage({ field: "category", code: "required" })).toEqual({ kind: "specific", key: "category.required" });
    expect(problemMessage({ field: "priceCents", code: "too_low" })).toEqual({ kind: "specific", key: "priceCents.too_low" });
    expect(problemMessage({ field: "colors", code: "too_many" })).toEqual({ kind: "generic", code: "too_many", field: "colors" });
    expect(problemMessage({ field: "isbn", code: "required" })).toEqual({ kind: "generic", code: "required", field: null });
    expect(problemMessage({ field: "title", code: "shouting" as never })).toEqual({ kind: "unknown" });
  });

  it("formats the price limits, which arrive in cents", () => {
    const money = (cents: number) => `${cents / 100} €`;
    expect(problemValues({ field: "priceCents", code: "too_high", detail: "500000" }, money)).toEqual({ detail: "5000 €" });
    expect(problemValues({ field: "title", code: "too_long", detail: "100" }, money)).toEqual({ detail: "100" });
    expect(problemValues({ field: "category", code: "ambiguous", detail: "Femmes > Robes | Filles > Robes" }, money)).toEqual({
      detail: "Femmes > Robes ; Filles > Robes",
    });
    expect(problemValues({ field: "size", code: "required", detail: null }, money)).toEqual({ detail: "" });
  });
});
