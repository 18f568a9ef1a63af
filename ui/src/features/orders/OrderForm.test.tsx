import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { describe, expect, it, vi } from "vitest";
import type { AppError, OrderDraft, ProductQuery, ProductSummary } from "../../bindings";
import i18n from "../../i18n";
import { storedOrder } from "../../test/orders";
import { normalizeSpaces, renderWithProviders } from "../../test/utils";
import { OrderForm } from "./OrderForm";

type Call = { cmd: string; payload: Record<string, unknown> };

const product = (sku: string, title: string, quantity: number, priceCents = 1500): ProductSummary => ({
  id: `id-${sku}`,
  sku,
  title,
  brand: null,
  category: null,
  size: null,
  status: quantity > 0 ? "listed" : "sold",
  priceCents,
  quantity,
  photoFile: null,
  createdAt: "2025-01-01T10:00:00Z",
  updatedAt: "2025-01-01T10:00:00Z",
});

const inventory = [product("SP-0001", "Robe fleurie", 2), product("SP-0002", "Jean droit", 1), product("SP-0003", "Pull vendu", 0)];

/** A fake Rust side: product search over `inventory`, and `createOrder` as given. */
function fakeBackend(createOrder: (draft: OrderDraft) => unknown) {
  const calls: Call[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, payload: p });
    if (cmd === "list_seller_accounts") return [];
    if (cmd === "list_products") {
      const search = ((p.query as ProductQuery).search ?? "").toLowerCase();
      const items = inventory.filter((i) => i.sku.toLowerCase().startsWith(search) || i.title.toLowerCase().includes(search));
      return { items, total: items.length };
    }
    if (cmd === "create_order") return createOrder(p.draft as OrderDraft);
    throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
  });
  return calls;
}

function renderForm() {
  const props = { onClose: vi.fn(), onSaved: vi.fn() };
  renderWithProviders(<OrderForm {...props} />);
  return props;
}

const creates = (calls: Call[]) => calls.filter((c) => c.cmd === "create_order").map((c) => c.payload.draft as OrderDraft);

describe("OrderForm", () => {
  it("records a bundle sale: items picked by search (mouse and keyboard), price in euros as cents", async () => {
    const calls = fakeBackend((draft) => storedOrder(draft));
    const props = renderForm();
    const user = userEvent.setup();

    await user.type(screen.getByTestId("order-buyer"), "Camille");
    const search = screen.getByTestId("order-item-search");
    await user.type(search, "sp-000");
    const options = await screen.findAllByTestId("order-item-option");
    expect(options.map((o) => o.getAttribute("data-sku"))).toEqual(["SP-0001", "SP-0002", "SP-0003"]);
    // An item without stock cannot be sold.
    expect(options[2].getAttribute("aria-disabled")).toBe("true");
    await user.click(options[0]);
    expect(screen.getAllByTestId("order-line")).toHaveLength(1);

    // Keyboard: arrows then Enter add the item and do not submit the form.
    await user.type(search, "jean");
    await waitFor(() => expect(screen.getAllByTestId("order-item-option").map((o) => o.getAttribute("data-sku"))).toEqual(["SP-0002"]));
    await user.keyboard("{ArrowDown}{ArrowUp}{Enter}");
    expect(screen.getAllByTestId("order-line").map((l) => l.getAttribute("data-sku"))).toEqual(["SP-0001", "SP-0002"]);
    expect(creates(calls)).toHaveLength(0);

    const quantities = screen.getAllByTestId("order-item-quantity");
    await user.clear(quantities[0]);
    await user.type(quantities[0], "2");
    await user.type(screen.getByTestId("order-price"), "42,5");
    await user.type(screen.getByTestId("order-service-fee"), "1.20");
    // Enter in a field submits.
    await user.type(screen.getByTestId("order-tracking-number"), "6A123{Enter}");

    await waitFor(() => expect(props.onSaved).toHaveBeenCalled());
    const [draft] = creates(calls);
    expect(draft).toMatchObject({
      orderType: "sale",
      source: "manual",
      status: "completed",
      createdAt: null,
      buyerName: "Camille",
      sellerName: null,
      priceCents: 4250,
      serviceFeeCents: 120,
      shippingFeeCents: null,
      feesTotalCents: 120,
      tracking: { number: "6A123", carrier: null, url: null },
      processed: false,
    });
    expect(draft.items).toEqual([
      { sku: "SP-0001", title: null, quantity: 2, priceCents: null, unitCostCents: null },
      { sku: "SP-0002", title: null, quantity: 1, priceCents: null, unitCostCents: null },
    ]);
  });

  it("shows wrong amounts, missing items and stock next to their fields without calling the store", async () => {
    const calls = fakeBackend((draft) => storedOrder(draft));
    renderForm();
    const user = userEvent.setup();

    await user.type(screen.getByTestId("order-price"), "12,345");
    await user.type(screen.getByTestId("order-shipping-fee"), "3");
    await user.type(screen.getByTestId("order-fees-total"), "4");
    await user.click(screen.getByTestId("save-order"));

    expect(screen.getByTestId("error-priceCents").textContent).toBe("Montant invalide. Exemple : 12,50 (2 décimales au plus).");
    expect(screen.getByTestId("error-items").textContent).toBe("Ajoutez au moins un article.");
    expect(screen.getByTestId("error-feesTotalCents").textContent).toContain("frais de port plus les frais de service");
    // The focus goes to the first field in error, in the order of the form.
    expect(document.activeElement).toBe(screen.getByTestId("order-item-search"));

    await user.type(screen.getByTestId("order-item-search"), "jean");
    await user.click(await screen.findByTestId("order-item-option"));
    const quantity = screen.getByTestId("order-item-quantity");
    await user.clear(quantity);
    await user.type(quantity, "3");
    await user.click(screen.getByTestId("save-order"));
    expect(screen.getByTestId("error-items.0.quantity").textContent).toBe("Stock insuffisant : 1 en stock.");
    expect(creates(calls)).toHaveLength(0);
  });

  it("shows the store's refusal on the line it names, in English too, and keeps what was typed", async () => {
    await i18n.changeLanguage("en");
    const calls = fakeBackend(() => {
      throw {
        code: "insufficientStock",
        message: "not enough stock for the SKU SP-0001: 0 available, 1 requested",
        fields: [{ field: "items.0.quantity", code: "tooLarge" }],
      } satisfies AppError;
    });
    const props = renderForm();
    const user = userEvent.setup();

    await user.type(screen.getByTestId("order-item-search"), "robe");
    await user.click(await screen.findByTestId("order-item-option"));
    await user.type(screen.getByTestId("order-price"), "15");
    await user.click(screen.getByTestId("save-order"));

    expect((await screen.findByTestId("error-items.0.quantity")).textContent).toBe("Not enough stock for this item.");
    expect(creates(calls)).toHaveLength(1);
    expect(props.onSaved).not.toHaveBeenCalled();
    expect((screen.getByTestId("order-price") as HTMLInputElement).value).toBe("15");
  });

  it("records a purchase of a new item by its title, from a supplier", async () => {
    const calls = fakeBackend((draft) => storedOrder(draft));
    const props = renderForm();
    const user = userEvent.setup();

    await user.selectOptions(screen.getByTestId("order-type"), "purchase");
    expect(screen.getByText("Nom du fournisseur")).toBeTruthy();
    await user.type(screen.getByTestId("order-buyer"), "Vide-grenier");
    await user.type(screen.getByTestId("order-item-search"), "Veste en laine");
    await user.click(await screen.findByTestId("order-item-new"));
    expect((screen.getByTestId("order-item-title") as HTMLInputElement).value).toBe("Veste en laine");
    await user.type(screen.getByTestId("order-price"), "8");
    await user.click(screen.getByTestId("save-order"));

    await waitFor(() => expect(props.onSaved).toHaveBeenCalled());
    const [draft] = creates(calls);
    expect(draft.orderType).toBe("purchase");
    expect(draft.sellerName).toBe("Vide-grenier");
    expect(draft.buyerName).toBeNull();
    expect(draft.items).toEqual([{ sku: null, title: "Veste en laine", quantity: 1, priceCents: null, unitCostCents: null }]);
  });

  it("Escape leaves an untouched form, and asks first when something was typed", async () => {
    fakeBackend((draft) => storedOrder(draft));
    const props = renderForm();
    const user = userEvent.setup();

    await user.type(screen.getByTestId("order-price"), "5");
    await user.keyboard("{Escape}");
    const dialog = screen.getByTestId("confirm-discard-dialog");
    expect(props.onClose).not.toHaveBeenCalled();
    await user.click(within(dialog).getByTestId("confirm-discard"));
    expect(props.onClose).toHaveBeenCalledTimes(1);
  });

  it("shows the fee total computed from its parts", async () => {
    fakeBackend((draft) => storedOrder(draft));
    renderForm();
    const user = userEvent.setup();
    await user.type(screen.getByTestId("order-shipping-fee"), "4,5");
    await user.type(screen.getByTestId("order-service-fee"), "0,8");
    expect(normalizeSpaces(screen.getByText(/^Calculé/).textContent)).toBe("Calculé : 5,30 €");
  });
});
