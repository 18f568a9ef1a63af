import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { describe, expect, it } from "vitest";
import type { AppError, Order, OrderDraft, OrderQuery } from "../../bindings";
import { storedOrder, summaryOf } from "../../test/orders";
import { normalizeSpaces, renderWithProviders } from "../../test/utils";
import { OrdersPage } from "./OrdersPage";

const draft: OrderDraft = {
  orderType: "sale",
  source: "manual",
  sellerAccountId: null,
  orderId: null,
  title: "Robe fleurie",
  status: "paid",
  createdAt: "2025-03-10T09:00:00.000Z",
  paymentMethod: "vinted_wallet",
  buyerName: "Camille",
  buyerUsername: null,
  sellerName: null,
  sellerUsername: null,
  shippingStreet: null,
  shippingCity: null,
  shippingPostalCode: null,
  shippingCountry: null,
  tracking: { number: null, carrier: null, url: null },
  processed: false,
  priceCents: 2500,
  itemPriceCents: null,
  shippingFeeCents: null,
  serviceFeeCents: null,
  feesTotalCents: null,
  items: [{ sku: "SP-0001", title: null, quantity: 1, priceCents: 2500, unitCostCents: null }],
};

function fakeBackend(initial: Order) {
  let order = initial;
  const calls: { cmd: string; payload: Record<string, unknown> }[] = [];
  const queries: OrderQuery[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, payload: p });
    switch (cmd) {
      case "list_seller_accounts":
        return [];
      case "list_orders": {
        const q = p.query as OrderQuery;
        queries.push(q);
        const match = q.orderType === null || q.orderType === order.orderType;
        return match ? { items: [summaryOf(order)], total: 1 } : { items: [], total: 0 };
      }
      case "get_order":
        return order;
      case "cancel_order":
        order = {
          ...order,
          status: "canceled",
          canceledAt: "2025-03-12T10:00:00.000Z",
          timeline: [...order.timeline, { id: "e2", status: "canceled", icon: null, occurredAt: "2025-03-12T10:00:00.000Z" }],
        };
        return order;
      case "set_order_processed":
        order = { ...order, processed: p.processed as boolean };
        return order;
      case "update_order_status":
        order = { ...order, status: p.status as string, timeline: [...order.timeline, { id: "e3", status: p.status as string, icon: null, occurredAt: "2025-03-12T11:00:00.000Z" }] };
        return order;
      case "update_order_tracking":
        if (typeof (p.tracking as Order["tracking"]).url === "string" && !(p.tracking as Order["tracking"]).url?.startsWith("http")) {
          throw { code: "validation", message: "trackingUrl Invalid", fields: [{ field: "trackingUrl", code: "invalid" }] } satisfies AppError;
        }
        order = { ...order, tracking: p.tracking as Order["tracking"] };
        return order;
    }
    throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
  });
  return { calls, queries };
}

describe("OrdersPage", () => {
  it("lists orders newest first, paged in the store, and filters by type", async () => {
    const { queries } = fakeBackend(storedOrder(draft, { costCents: 900, profitCents: 1600 }));
    renderWithProviders(<OrdersPage />);
    const user = userEvent.setup();

    const row = await screen.findByTestId("order-row");
    expect(queries[0]).toMatchObject({ sortBy: "createdAt", sortDir: "desc", limit: 50, offset: 0, orderType: null, from: null });
    expect(normalizeSpaces(within(row).getByTestId("order-row-price").textContent)).toBe("25,00 €");
    expect(normalizeSpaces(within(row).getByTestId("order-row-profit").textContent)).toBe("16,00 €");
    expect(within(row).getByTestId("order-row-status").textContent).toBe("Payée");
    expect(row.textContent).toContain("Camille");

    await user.selectOptions(screen.getByTestId("orders-type-filter"), "purchase");
    await screen.findByTestId("orders-no-match");
    expect(queries.at(-1)?.orderType).toBe("purchase");
  });

  it("opens an order, changes its status, tracking and processed flag, and cancels it after confirming", async () => {
    const { calls } = fakeBackend(storedOrder(draft));
    renderWithProviders(<OrdersPage />);
    const user = userEvent.setup();

    await user.click(await screen.findByTestId("order-row"));
    const detail = await screen.findByTestId("order-detail");
    expect(within(detail).getAllByTestId("order-detail-line").map((l) => l.getAttribute("data-sku"))).toEqual(["SP-0001"]);
    expect(within(detail).getAllByTestId("order-event")).toHaveLength(1);

    // Next status after "paid" is offered first.
    expect((screen.getByTestId("order-new-status") as HTMLSelectElement).value).toBe("shipped");
    await user.click(screen.getByTestId("order-add-status"));
    await waitFor(() => expect(screen.getByTestId("order-status").textContent).toBe("Expédiée"));
    expect(calls.find((c) => c.cmd === "update_order_status")?.payload).toMatchObject({ status: "shipped", occurredAt: null });

    await user.type(screen.getByTestId("order-detail-tracking-url"), "laposte.fr/suivi");
    await user.click(screen.getByTestId("order-save-tracking"));
    expect((await screen.findByTestId("error-trackingUrl")).textContent).toBe("Le lien doit commencer par https:// ou http://.");

    await user.click(screen.getByTestId("order-processed-toggle"));
    await waitFor(() => expect((screen.getByTestId("order-processed-toggle") as HTMLInputElement).checked).toBe(true));

    await user.click(screen.getByTestId("cancel-order"));
    expect(calls.some((c) => c.cmd === "cancel_order")).toBe(false);
    await user.click(screen.getByTestId("confirm-cancel-order"));
    await screen.findByTestId("order-canceled");
    expect(screen.getByTestId("order-status").textContent).toBe("Annulée");
    expect(screen.queryByTestId("cancel-order")).toBeNull();
    expect(calls.filter((c) => c.cmd === "cancel_order")).toHaveLength(1);
  });

  it("explains why a purchase whose items were sold cannot be canceled", async () => {
    const purchase = storedOrder({ ...draft, orderType: "purchase", buyerName: null, sellerName: "Emmaüs" });
    mockIPC((cmd: string) => {
      if (cmd === "list_seller_accounts") return [];
      if (cmd === "list_orders") return { items: [summaryOf(purchase)], total: 1 };
      if (cmd === "get_order") return purchase;
      if (cmd === "cancel_order") throw { code: "insufficientStock", message: "not enough stock", fields: [] } satisfies AppError;
      throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
    });
    renderWithProviders(<OrdersPage />);
    const user = userEvent.setup();

    await user.click(await screen.findByTestId("order-row"));
    await user.click(await screen.findByTestId("cancel-order"));
    await user.click(screen.getByTestId("confirm-cancel-order"));
    expect((await screen.findByTestId("order-action-error")).textContent).toContain("des articles achetés ont déjà été vendus");
  });

  it("says so when there is no order yet", async () => {
    mockIPC((cmd: string) => {
      if (cmd === "list_seller_accounts") return [];
      if (cmd === "list_orders") return { items: [], total: 0 };
      throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
    });
    renderWithProviders(<OrdersPage />);
    expect((await screen.findByTestId("orders-empty")).textContent).toContain("Aucune commande pour l’instant");
    await userEvent.setup().click(screen.getByTestId("new-order"));
    expect(screen.getByTestId("order-form")).toBeTruthy();
  });
});
