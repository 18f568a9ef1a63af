import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { describe, expect, it } from "vitest";
import type { ProductQuery, ProductSummary } from "../../bindings";
import { renderWithProviders } from "../../test/utils";
import { InventoryList } from "./InventoryList";
import { INITIAL_LIST_STATE, type ListState } from "./listState";

function product(n: number): ProductSummary {
  return {
    id: `0190f0a0-0000-7000-8000-${String(n).padStart(12, "0")}`,
    sku: `SP-${String(n).padStart(6, "0")}`,
    title: `Article ${n}`,
    brand: n % 2 ? "Zara" : "Sézane",
    category: "Robes",
    size: "M",
    status: "ready",
    priceCents: 1000 + n,
    quantity: 1,
    photoFile: null,
    createdAt: "2025-01-01T10:00:00Z",
    updatedAt: "2025-01-02T10:00:00Z",
  };
}

const TOTAL = 250;

function backend() {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  let undoable = false;
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    switch (cmd) {
      case "list_products": {
        const q = args.query as ProductQuery;
        const all = Array.from({ length: q.brand ? 10 : TOTAL }, (_, i) => product(i + 1));
        return { items: all.slice(q.offset, q.offset + q.limit), total: all.length };
      }
      case "product_facets":
        return { categories: ["Robes"], brands: ["Sézane", "Zara"], sizes: ["M"], colors: [], materials: [] };
      case "list_seller_accounts":
        return [];
      case "bulk_update_products":
        undoable = true;
        return { affected: (args.selection as { kind: string; ids?: string[] }).ids?.length ?? TOTAL };
      case "can_undo_bulk_action":
        return undoable;
      case "undo_bulk_action":
        undoable = false;
        return { affected: 2 };
      default:
        throw { code: "internal", message: cmd, fields: [] };
    }
  });
  return calls;
}

function Harness({ initial = INITIAL_LIST_STATE }: { initial?: ListState }) {
  // The harness never re-renders the list with a new state: the updates are dropped.
  return (
    <InventoryList
      state={initial}
      onStateChange={() => {}}
      onOpen={() => {}}
      onNew={() => {}}
    />
  );
}

describe("InventoryList", () => {
  it("renders only the rows on screen of a long inventory, fetched page by page", async () => {
    const calls = backend();
    renderWithProviders(<Harness />);
    const rows = await screen.findAllByTestId("product-row");
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(60);
    expect(screen.getByTestId("inventory-count").textContent).toBe("250 articles");
    const listed = calls.filter((c) => c.cmd === "list_products").map((c) => (c.args.query as ProductQuery).offset);
    expect(listed).toEqual([0]);
  });

  it("applies a percentage price change to the ticked rows and offers to undo it", async () => {
    const calls = backend();
    renderWithProviders(<Harness />);
    const user = userEvent.setup();
    const rows = await screen.findAllByTestId("product-row");
    await user.click(within(rows[0]).getByTestId("row-select"));
    await user.click(within(rows[1]).getByTestId("row-select"));
    expect(screen.getByTestId("bulk-count").textContent).toBe("2 articles sélectionnés");

    await user.selectOptions(screen.getByTestId("bulk-action"), "price");
    await user.type(screen.getByTestId("bulk-price"), "-10 %");
    await user.click(screen.getByTestId("bulk-apply"));

    await waitFor(() => expect(calls.some((c) => c.cmd === "bulk_update_products")).toBe(true));
    const bulk = calls.find((c) => c.cmd === "bulk_update_products")!;
    expect(bulk.args.selection).toEqual({ kind: "ids", ids: [product(1).id, product(2).id] });
    expect(bulk.args.change).toEqual({ kind: "changePriceByPercent", basisPoints: -1000 });

    await user.click(await screen.findByTestId("bulk-undo"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "undo_bulk_action")).toBe(true));
    expect((await screen.findAllByTestId("toast")).some((t) => t.textContent?.includes("2 articles rétablis"))).toBe(true);
  });

  it("keeps an undo button in the toolbar while the last bulk action can be undone", async () => {
    const calls = backend();
    renderWithProviders(<Harness />);
    const user = userEvent.setup();
    const rows = await screen.findAllByTestId("product-row");
    expect(screen.queryByTestId("undo-bulk")).toBeNull();
    await user.click(within(rows[0]).getByTestId("row-select"));
    await user.selectOptions(screen.getByTestId("bulk-action"), "status");
    await user.selectOptions(screen.getByTestId("bulk-status"), "archived");
    await user.click(screen.getByTestId("bulk-apply"));
    const button = await screen.findByTestId("undo-bulk");
    await user.click(button);
    await waitFor(() => expect(calls.some((c) => c.cmd === "undo_bulk_action")).toBe(true));
    await waitFor(() => expect(screen.queryByTestId("undo-bulk")).toBeNull());
  });

  it("asks before deleting everything the filter matches", async () => {
    const calls = backend();
    renderWithProviders(<Harness />);
    const user = userEvent.setup();
    await screen.findAllByTestId("product-row");
    await user.click(screen.getByTestId("select-all"));
    expect(screen.getByTestId("bulk-count").textContent).toBe("250 articles sélectionnés");
    await user.selectOptions(screen.getByTestId("bulk-action"), "delete");
    await user.click(screen.getByTestId("bulk-apply"));
    expect(calls.some((c) => c.cmd === "bulk_update_products")).toBe(false);
    await user.click(screen.getByTestId("confirm-bulk-delete"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "bulk_update_products")).toBe(true));
    const bulk = calls.find((c) => c.cmd === "bulk_update_products")!;
    expect((bulk.args.selection as { kind: string }).kind).toBe("matching");
    expect(bulk.args.change).toEqual({ kind: "delete" });
  });

  it("refuses a price change it cannot read without calling the store", async () => {
    const calls = backend();
    renderWithProviders(<Harness />);
    const user = userEvent.setup();
    const rows = await screen.findAllByTestId("product-row");
    await user.click(within(rows[0]).getByTestId("row-select"));
    await user.selectOptions(screen.getByTestId("bulk-action"), "price");
    await user.type(screen.getByTestId("bulk-price"), "moins cinq");
    await user.click(screen.getByTestId("bulk-apply"));
    expect(screen.getByTestId("bulk-error").textContent).toContain("Variation invalide");
    expect(calls.some((c) => c.cmd === "bulk_update_products")).toBe(false);
  });

  it("sends the chosen filters to the store", async () => {
    const calls = backend();
    renderWithProviders(<Harness initial={{ ...INITIAL_LIST_STATE, filters: { ...INITIAL_LIST_STATE.filters, brand: "Zara", minPrice: "10" } }} />);
    await screen.findAllByTestId("product-row");
    const query = calls.find((c) => c.cmd === "list_products")!.args.query as ProductQuery;
    expect(query.brand).toBe("Zara");
    expect(query.minPriceCents).toBe(1000);
    expect(screen.getByTestId("filters-toggle").textContent).toBe("Filtres (2)");
    expect((screen.getByTestId("filter-brand") as HTMLSelectElement).value).toBe("Zara");
  });
});
