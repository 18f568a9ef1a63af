import { describe, expect, it } from "vitest";
import {
  addItemLine,
  addNewItemLine,
  buildOrderDraft,
  createdAtFor,
  emptyOrderValues,
  mapOrderServerErrors,
  orderErrorKey,
  type OrderFormValues,
} from "./orderForm";

const today = "2025-03-12";

function values(patch: Partial<OrderFormValues> = {}): OrderFormValues {
  return { ...emptyOrderValues(today), ...patch };
}

const robe = { sku: "SP-0001", title: "Robe fleurie", quantity: 2 };
const jean = { sku: "SP-0002", title: "Jean droit", quantity: 1 };

describe("buildOrderDraft", () => {
  it("sends euros typed with a comma or a point as integer cents", () => {
    const lines = addItemLine([], robe);
    for (const [typed, cents] of [
      ["12,50", 1250],
      ["12.5", 1250],
      ["0,1", 10],
      ["1 234,56 €", 123456],
    ] as const) {
      const r = buildOrderDraft(values({ price: typed, lines }), today);
      expect(r.ok && r.draft.priceCents, typed).toBe(cents);
    }
    const bad = buildOrderDraft(values({ price: "12,345", lines }), today);
    expect(bad.ok ? null : bad.errors.priceCents).toEqual({ code: "invalid" });
    const empty = buildOrderDraft(values({ price: "", lines }), today);
    expect(empty.ok ? null : empty.errors.priceCents).toEqual({ code: "required" });
  });

  it("makes a bundle of several items, one line per SKU, with their quantities", () => {
    let lines = addItemLine([], robe);
    lines = addItemLine(lines, jean);
    lines = addItemLine(lines, robe); // picked again: one more unit, not a second line
    const r = buildOrderDraft(values({ price: "40", lines }), today);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.draft.items).toEqual([
      { sku: "SP-0001", title: null, quantity: 2, priceCents: null, unitCostCents: null },
      { sku: "SP-0002", title: null, quantity: 1, priceCents: null, unitCostCents: null },
    ]);
    expect(r.draft.orderType).toBe("sale");
    expect(r.draft.source).toBe("manual");
  });

  it("refuses a sale of more units than the stock, and an order without items", () => {
    const lines = addItemLine([], jean).map((l) => ({ ...l, quantity: "3" }));
    const r = buildOrderDraft(values({ price: "10", lines }), today);
    expect(r.ok ? null : r.errors["items.0.quantity"]).toEqual({ code: "noStock", available: 1 });
    const none = buildOrderDraft(values({ price: "10" }), today);
    expect(none.ok ? null : none.errors.items).toEqual({ code: "required" });
  });

  it("lets a purchase restock beyond the stock and create an item by its title", () => {
    let lines = addItemLine([], jean).map((l) => ({ ...l, quantity: "3" }));
    lines = addNewItemLine(lines, "  Veste en laine ");
    const r = buildOrderDraft(values({ orderType: "purchase", price: "30", partyName: "Emmaüs", lines }), today);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.draft.items[1]).toEqual({ sku: null, title: "Veste en laine", quantity: 1, priceCents: null, unitCostCents: null });
    expect(r.draft.sellerName).toBe("Emmaüs");
    expect(r.draft.buyerName).toBeNull();
    const untitled = buildOrderDraft(values({ orderType: "purchase", price: "30", lines: addNewItemLine([], " ") }), today);
    expect(untitled.ok ? null : untitled.errors["items.0.title"]).toEqual({ code: "required" });
  });

  it("takes line prices on every line or none, adding up to the price", () => {
    const lines = addItemLine(addItemLine([], robe), jean);
    const half = buildOrderDraft(values({ price: "30", lines: lines.map((l, i) => (i === 0 ? { ...l, price: "20" } : l)) }), today);
    expect(half.ok ? null : half.errors["items.1.priceCents"]).toEqual({ code: "required" });
    const wrong = buildOrderDraft(values({ price: "30", lines: lines.map((l) => ({ ...l, price: "10" })) }), today);
    expect(wrong.ok ? null : wrong.errors.items).toEqual({ code: "mismatch" });
    const right = buildOrderDraft(values({ price: "30", lines: lines.map((l, i) => ({ ...l, price: i === 0 ? "20" : "10,00" })) }), today);
    expect(right.ok && right.draft.items.map((i) => i.priceCents)).toEqual([2000, 1000]);
  });

  it("computes the fee total from its parts and refuses a total that disagrees", () => {
    const lines = addItemLine([], robe);
    const r = buildOrderDraft(values({ price: "20", shippingFee: "4,5", serviceFee: "0,80", lines }), today);
    expect(r.ok && [r.draft.shippingFeeCents, r.draft.serviceFeeCents, r.draft.feesTotalCents]).toEqual([450, 80, 530]);
    const alone = buildOrderDraft(values({ price: "20", feesTotal: "2", lines }), today);
    expect(alone.ok && alone.draft.feesTotalCents).toBe(200);
    const bad = buildOrderDraft(values({ price: "20", shippingFee: "4,5", feesTotal: "5", lines }), today);
    expect(bad.ok ? null : bad.errors.feesTotalCents).toEqual({ code: "mismatch" });
  });

  it("dates today's order now and another day at local noon", () => {
    expect(createdAtFor(today, today)).toBeNull();
    expect(createdAtFor("2025-03-01", today)).toBe(new Date(2025, 2, 1, 12).toISOString());
    expect(createdAtFor("demain", today)).toBeUndefined();
  });

  it("checks the tracking link", () => {
    const r = buildOrderDraft(values({ price: "5", trackingUrl: "www.laposte.fr", lines: addItemLine([], robe) }), today);
    expect(r.ok ? null : r.errors.trackingUrl).toEqual({ code: "invalid" });
  });
});

describe("mapOrderServerErrors", () => {
  it("puts the store's errors on the form's fields and keeps the others for the banner", () => {
    const { fields, unmapped } = mapOrderServerErrors(
      {
        code: "validation",
        message: "",
        fields: [
          { field: "priceCents", code: "tooLarge" },
          { field: "feesTotalCents", code: "invalid" },
          { field: "items.1.quantity", code: "negative" },
          { field: "items.7.quantity", code: "negative" },
          { field: "orderId", code: "duplicate" },
        ],
      },
      2,
    );
    expect(fields).toEqual({
      priceCents: { code: "tooLarge" },
      feesTotalCents: { code: "mismatch" },
      "items.1.quantity": { code: "negative" },
    });
    expect(unmapped.map((f) => f.field)).toEqual(["items.7.quantity", "orderId"]);
  });

  it("names the line short of stock or no longer in the inventory", () => {
    const stock = mapOrderServerErrors({ code: "insufficientStock", message: "", fields: [{ field: "items.0.quantity", code: "tooLarge" }] }, 1);
    expect(stock.fields["items.0.quantity"]).toEqual({ code: "noStock" });
    const gone = mapOrderServerErrors({ code: "unknownSku", message: "", fields: [{ field: "items.0.sku", code: "invalid" }] }, 1);
    expect(gone.fields["items.0.title"]).toEqual({ code: "unknownItem" });
  });

  it("chooses a precise message", () => {
    expect(orderErrorKey("priceCents", { code: "invalid" })).toBe("fieldErrors.invalidAmount");
    expect(orderErrorKey("items.0.quantity", { code: "invalid" })).toBe("fieldErrors.invalidQuantity");
    expect(orderErrorKey("items", { code: "required" })).toBe("orders.fieldErrors.noItems");
    expect(orderErrorKey("items", { code: "mismatch" })).toBe("orders.fieldErrors.linesMismatch");
    expect(orderErrorKey("buyerName", { code: "tooLong" })).toBe("fieldErrors.tooLong");
  });
});
