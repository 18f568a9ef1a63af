import { describe, expect, it } from "vitest";
import type { AppError, Product } from "../bindings";
import {
  addTags,
  buildDraft,
  emptyFormValues,
  firstInvalidField,
  mapServerErrors,
  parseQuantity,
  productToFormValues,
  sameFormValues,
  type ProductFormValues,
} from "./productForm";

function values(overrides: Partial<ProductFormValues>): ProductFormValues {
  return { ...emptyFormValues(), title: "Robe d'été", price: "12,50", ...overrides };
}

const product: Product = {
  id: "0190f0a0-0000-7000-8000-000000000001",
  sku: "SP-0001",
  title: "Jean Levi's 501",
  description: "Très peu porté",
  category: "Jeans",
  brand: "Levi's",
  condition: "very_good",
  size: "W32",
  priceCents: 2500,
  purchaseCostCents: 800,
  quantity: 1,
  packageSize: "medium",
  status: "listed",
  internalNotes: null,
  materials: ["coton"],
  colors: ["bleu"],
  lastPriceCents: 3000,
  photos: ["photos/a.jpg"],
  createdAt: "2025-01-01T10:00:00Z",
  updatedAt: "2025-01-02T10:00:00Z",
};

describe("buildDraft", () => {
  it("builds a draft with integer cents and trimmed / nulled optional fields", () => {
    const r = buildDraft(
      values({
        title: "  Robe d'été  ",
        price: "12,50",
        purchaseCost: "3.2",
        quantity: " 2 ",
        sku: "  ",
        brand: " Zara ",
        category: "",
        condition: "good",
        materials: ["coton"],
        materialsPending: "lin, Coton",
        colors: [],
        colorsPending: "",
        photos: [
          { file: "photos/1.jpg", url: "u1" },
          { file: "photos/2.jpg", url: "u2" },
        ],
      }),
    );
    expect(r).toEqual({
      ok: true,
      draft: {
        sku: null,
        title: "Robe d'été",
        description: "",
        category: null,
        brand: "Zara",
        condition: "good",
        size: null,
        priceCents: 1250,
        purchaseCostCents: 320,
        quantity: 2,
        packageSize: null,
        status: "draft",
        internalNotes: null,
        materials: ["coton", "lin"],
        colors: [],
        photos: ["photos/1.jpg", "photos/2.jpg"],
      },
    });
  });

  it("treats an empty purchase cost as 0", () => {
    const r = buildDraft(values({ purchaseCost: "" }));
    expect(r.ok && r.draft.purchaseCostCents).toBe(0);
  });

  it("requires a title and limits it to 200 characters", () => {
    expect(buildDraft(values({ title: "   " }))).toEqual({ ok: false, errors: { title: { code: "required" } } });
    expect(buildDraft(values({ title: "a".repeat(201) }))).toEqual({ ok: false, errors: { title: { code: "tooLong" } } });
    expect(buildDraft(values({ title: "é".repeat(200) })).ok).toBe(true);
    // Counted in characters, not UTF-16 units.
    expect(buildDraft(values({ title: "👗".repeat(200) })).ok).toBe(true);
  });

  it("validates money fields", () => {
    expect(buildDraft(values({ price: "" }))).toEqual({ ok: false, errors: { priceCents: { code: "required" } } });
    expect(buildDraft(values({ price: "-3" }))).toEqual({ ok: false, errors: { priceCents: { code: "negative" } } });
    expect(buildDraft(values({ price: "12,345" }))).toEqual({ ok: false, errors: { priceCents: { code: "invalid" } } });
    expect(buildDraft(values({ purchaseCost: "abc" }))).toEqual({ ok: false, errors: { purchaseCostCents: { code: "invalid" } } });
  });

  it("validates the quantity", () => {
    expect(buildDraft(values({ quantity: "" }))).toEqual({ ok: false, errors: { quantity: { code: "required" } } });
    expect(buildDraft(values({ quantity: "1.5" }))).toEqual({ ok: false, errors: { quantity: { code: "invalid" } } });
    expect(buildDraft(values({ quantity: "-1" }))).toEqual({ ok: false, errors: { quantity: { code: "negative" } } });
    const r = buildDraft(values({ quantity: "0" }));
    expect(r.ok && r.draft.quantity).toBe(0);
  });

  it("reports every invalid field at once", () => {
    const r = buildDraft(values({ title: "", price: "x", quantity: "y" }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(Object.keys(r.errors).sort()).toEqual(["priceCents", "quantity", "title"]);
      expect(firstInvalidField(r.errors)).toBe("title");
    }
  });
});

describe("parseQuantity", () => {
  it("parses whole numbers", () => {
    expect(parseQuantity("3")).toEqual({ ok: true, value: 3 });
    expect(parseQuantity("007")).toEqual({ ok: true, value: 7 });
    expect(parseQuantity("99999999999")).toEqual({ ok: false, error: "tooLarge" });
    expect(parseQuantity("2,0")).toEqual({ ok: false, error: "invalid" });
  });
});

describe("addTags", () => {
  it("splits on commas, trims, and skips empties and case-insensitive duplicates", () => {
    expect(addTags(["Coton"], " lin ,, coton,  laine  mérinos ")).toEqual(["Coton", "lin", "laine mérinos"]);
    expect(addTags([], "   ")).toEqual([]);
  });
});

describe("productToFormValues", () => {
  it("converts a product into editable strings in the UI language", () => {
    const fr = productToFormValues(product, "fr");
    expect(fr.price).toBe("25,00");
    expect(fr.purchaseCost).toBe("8,00");
    expect(fr.quantity).toBe("1");
    expect(fr.internalNotes).toBe("");
    expect(productToFormValues(product, "en").price).toBe("25.00");
  });

  it("round-trips into the same draft data", () => {
    const r = buildDraft(productToFormValues(product, "fr"));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.draft.priceCents).toBe(product.priceCents);
      expect(r.draft.purchaseCostCents).toBe(product.purchaseCostCents);
      expect(r.draft.sku).toBe("SP-0001");
      expect(r.draft.photos).toEqual(["photos/a.jpg"]);
    }
  });

  it("detects changes", () => {
    const a = productToFormValues(product, "fr");
    expect(sameFormValues(a, productToFormValues(product, "fr"))).toBe(true);
    expect(sameFormValues(a, { ...a, title: "x" })).toBe(false);
  });
});

describe("mapServerErrors", () => {
  const err = (e: Partial<AppError>): AppError => ({ code: "validation", message: "", fields: [], ...e });

  it("maps draft keys (and tolerates snake_case / indexed paths)", () => {
    const r = mapServerErrors(
      err({
        fields: [
          { field: "priceCents", code: "tooLarge" },
          { field: "purchase_cost_cents", code: "negative" },
          { field: "photos[1]", code: "invalid" },
          { field: "weirdField", code: "invalid" },
        ],
      }),
      null,
    );
    expect(r.fields).toEqual({
      priceCents: { code: "tooLarge" },
      purchaseCostCents: { code: "negative" },
      photos: { code: "invalid" },
    });
    expect(r.unmapped).toEqual([{ field: "weirdField", code: "invalid" }]);
  });

  it("puts duplicateSku on the SKU field with the submitted SKU", () => {
    expect(mapServerErrors(err({ code: "duplicateSku" }), "SP-42").fields).toEqual({ sku: { code: "duplicate", sku: "SP-42" } });
    expect(mapServerErrors(err({ fields: [{ field: "sku", code: "duplicate" }] }), "SP-42").fields).toEqual({
      sku: { code: "duplicate", sku: "SP-42" },
    });
  });
});
