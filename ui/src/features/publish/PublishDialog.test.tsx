import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it, vi } from "vitest";
import type { AppError, Job, Problem, Product, ProductQuery, ProductSummary, PublishPreview, SellerAccount } from "../../bindings";
import i18n from "../../i18n";
import { normalizeSpaces, renderWithProviders } from "../../test/utils";
import { InventoryList } from "../inventory/InventoryList";
import { ProductForm } from "../inventory/ProductForm";
import { INITIAL_LIST_STATE } from "../inventory/listState";
import { PublishDialog } from "./PublishDialog";

const account: SellerAccount = {
  id: "acc-1",
  name: "Boutique Marie",
  username: "marie_vend",
  email: null,
  avatar: null,
  vintedBaseUrl: "https://www.vinted.fr",
  proxy: null,
  isConnected: true,
  isRunning: true,
  lastSessionStart: null,
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
  hasVintedPassword: false,
  hasProxyPassword: false,
  hasVncPassword: false,
};
const offline: SellerAccount = { ...account, id: "acc-2", name: "Lou DE", isConnected: false, isRunning: false };

/** A preview as the app answers it: the item maps fully unless `problems` says otherwise. */
function preview(productId: string, title: string, patch: Partial<PublishPreview> = {}): PublishPreview {
  return {
    productId,
    accountId: "acc-1",
    domain: "www.vinted.fr",
    referenceLoaded: true,
    message: null,
    mapping: {
      catalog: {
        path: [
          { id: 1904, title: "Femmes" },
          { id: 4, title: "Vêtements" },
          { id: 10, title: "Robes" },
        ],
        sizeGroupIds: [4],
      },
      brand: { id: 12, title: "Zara" },
      size: { id: 206, title: "M" },
      condition: { id: 2, title: "Très bon état" },
      colors: [
        { id: 1, title: "Noir" },
        { id: 12, title: "Blanc" },
      ],
      materials: [{ id: 44, title: "Coton" }],
      packageSize: { id: 1, title: "Petit" },
      problems: [],
    },
    problems: [],
    payload: {
      item: {
        title,
        price: 12.5,
        assigned_photos: [
          { id: null, orientation: 0, file: "photos/a.jpg" },
          { id: null, orientation: 0, file: "photos/b.jpg" },
        ],
      },
    },
    ...patch,
  };
}

const problems: Problem[] = [
  { field: "category", code: "required", detail: null },
  { field: "size", code: "required", detail: null },
  { field: "priceCents", code: "too_low", detail: "100" },
  { field: "photos", code: "required", detail: null },
  { field: "brand", code: "not_found", detail: "Marque Inconnue" },
  { field: "title", code: "too_long", detail: "100" },
];

const job = (productId: string, dryRun: boolean): Job => ({
  id: `job-${productId}`,
  accountId: "acc-2",
  kind: "publish",
  payload: { productId },
  state: "queued",
  checkpoint: null,
  progressDone: 0,
  progressTotal: 1,
  dryRun,
  cancelRequested: false,
  notBefore: null,
  attempts: 0,
  failures: 0,
  errorCode: null,
  errorMessage: null,
  result: null,
  createdAt: "2026-12-07T10:00:00.000Z",
  updatedAt: "2026-12-07T10:00:00.000Z",
  finishedAt: null,
});

type Call = { cmd: string; payload: Record<string, unknown> };

function fakeBackend(previews: Record<string, PublishPreview>, answer: (cmd: string, p: Record<string, unknown>) => unknown = () => undefined) {
  const calls: Call[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, payload: p });
    const out = answer(cmd, p);
    if (out !== undefined) return out;
    if (cmd === "list_seller_accounts") return [account, offline];
    if (cmd === "preview_publish") {
      const found = previews[p.productId as string];
      if (!found) throw { code: "notFound", message: "no such item", fields: [] } satisfies AppError;
      return { ...found, accountId: p.accountId as string };
    }
    if (cmd === "publish_products") return (p.productIds as string[]).map((id) => job(id, p.dryRun as boolean));
    if (cmd === "list_jobs") return { items: [], total: 0, page: 1, perPage: 20 };
    throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
  });
  return { calls, of: (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.payload) };
}

describe("PublishDialog", () => {
  it("previews each item, keeps the ones with problems out, and queues the others on the chosen account as a dry run", async () => {
    const onEditProduct = vi.fn();
    const onOpenJobs = vi.fn();
    const onClose = vi.fn();
    const fake = fakeBackend({
      p1: preview("p1", "Robe fleurie"),
      p2: preview("p2", "Jean droit", { problems }),
      p3: preview("p3", "Pull rayé"),
    });
    renderWithProviders(<PublishDialog selection={{ kind: "ids", ids: ["p1", "p2", "p3"] }} onClose={onClose} onEditProduct={onEditProduct} onOpenJobs={onOpenJobs} />);
    const user = userEvent.setup();

    const dialog = await screen.findByTestId("publish-dialog");
    await waitFor(() => expect(within(dialog).getAllByTestId("publish-item").map((i) => i.getAttribute("data-state"))).toEqual(["ready", "problems", "ready"]));
    const [first, second] = within(dialog).getAllByTestId("publish-item");

    // What will be sent.
    const one = within(first);
    expect(one.getByTestId("publish-item-title").textContent).toBe("Robe fleurie");
    expect(normalizeSpaces(one.getByTestId("publish-item-price").textContent)).toBe("12,50 €");
    expect(one.getByTestId("publish-item-category").textContent).toBe("Femmes › Vêtements › Robes (Vinted n° 10)");
    expect(one.getByTestId("publish-item-brand").textContent).toBe("Zara");
    expect(one.getByTestId("publish-item-size").textContent).toBe("M");
    expect(one.getByTestId("publish-item-condition").textContent).toBe("Très bon état");
    expect(one.getByTestId("publish-item-colors").textContent).toBe("Noir, Blanc");
    expect(one.getByTestId("publish-item-materials").textContent).toBe("Coton");
    expect(one.getByTestId("publish-item-package-size").textContent).toBe("Petit");
    expect(one.getByTestId("publish-item-photos").getAttribute("data-count")).toBe("2");
    expect(one.getByTestId("publish-item-photos").textContent).toContain("2 photos, dans cet ordre");
    // The item's own photos, in order (the photo: scheme, no remote image).
    expect(one.getAllByRole("img").map((img) => img.getAttribute("alt"))).toEqual(["Photo 1", "Photo 2"]);
    expect((one.getByTestId("publish-item-select") as HTMLInputElement).checked).toBe(true);

    // The problems, in words; the item cannot be ticked.
    const two = within(second);
    expect(two.getAllByTestId("publish-problem").map((p) => normalizeSpaces(p.textContent))).toEqual([
      "Catégorie manquante",
      "Taille obligatoire pour cette catégorie",
      "Prix hors limites : au moins 1,00 €",
      "Aucune photo : ajoutez-en au moins une",
      "Marque « Marque Inconnue » inconnue de Vinted",
      "Titre : trop long (au plus 100 caractères)",
    ]);
    const blocked = two.getByTestId("publish-item-select") as HTMLInputElement;
    expect(blocked.checked).toBe(false);
    expect(blocked.disabled).toBe(true);
    expect(within(dialog).getByTestId("publish-problems-summary").textContent).toContain("1 article ne peut pas être publié");
    await user.click(two.getByTestId("publish-edit-product"));
    expect(onEditProduct).toHaveBeenCalledWith("p2");

    // Previews were asked of the first account; the second's session is not logged in: said so.
    expect(fake.of("preview_publish").map((p) => p.accountId)).toEqual(["acc-1", "acc-1", "acc-1"]);
    expect(within(dialog).getByTestId("publish-session").getAttribute("data-connected")).toBe("true");
    await user.selectOptions(within(dialog).getByTestId("publish-account"), "acc-2");
    expect(within(dialog).getByTestId("publish-session").textContent).toContain("Lou DE n’est pas connectée : les publications attendront");
    await waitFor(() => expect(fake.of("preview_publish").filter((p) => p.accountId === "acc-2")).toHaveLength(3));

    // One ready item unticked, a dry run: only the other goes.
    await waitFor(() => expect(within(dialog).getAllByTestId("publish-item")[2].getAttribute("data-state")).toBe("ready"));
    await user.click(within(within(dialog).getAllByTestId("publish-item")[2]).getByTestId("publish-item-select"));
    await user.click(within(dialog).getByTestId("publish-dry-run"));
    expect(within(dialog).getByTestId("publish-submit").textContent).toBe("Publier 1 article");
    await user.click(within(dialog).getByTestId("publish-submit"));
    await waitFor(() => expect(fake.of("publish_products")).toEqual([{ accountId: "acc-2", productIds: ["p1"], dryRun: true }]));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect((await screen.findByTestId("toast")).textContent).toContain("1 publication simulée mise en file d’attente pour Lou DE");
    await user.click(screen.getByTestId("toast-open-jobs"));
    expect(onOpenJobs).toHaveBeenCalled();
  });

  it("sends every item without problems when nothing is unticked", async () => {
    const fake = fakeBackend({ p1: preview("p1", "Robe fleurie"), p2: preview("p2", "Jean droit") });
    renderWithProviders(<PublishDialog selection={{ kind: "ids", ids: ["p1", "p2"] }} onClose={vi.fn()} />);
    const user = userEvent.setup();
    const submit = await screen.findByTestId("publish-submit");
    await waitFor(() => expect(submit.textContent).toBe("Publier 2 articles"));
    await user.click(submit);
    await waitFor(() => expect(fake.of("publish_products")).toEqual([{ accountId: "acc-1", productIds: ["p1", "p2"], dryRun: false }]));
  });

  it("says the session must run first when Vinted's categories were never read, and sends nothing", async () => {
    const message = "The app has not read Vinted's categories for www.vinted.fr yet: start the session so the app can read Vinted's categories.";
    const fake = fakeBackend({
      p1: preview("p1", "Robe fleurie", {
        referenceLoaded: false,
        message,
        mapping: { catalog: null, brand: null, size: null, condition: null, colors: [], materials: [], packageSize: null, problems: [] },
        problems: [{ field: "category", code: "not_loaded", detail: null }],
      }),
    });
    renderWithProviders(<PublishDialog selection={{ kind: "ids", ids: ["p1"] }} onClose={vi.fn()} />);
    const banner = await screen.findByTestId("publish-reference-missing");
    expect(banner.textContent).toContain("L’application n’a pas encore lu les catégories de Vinted pour www.vinted.fr : lancez la session du compte");
    expect(within(banner).getByTestId("publish-reference-message").textContent).toBe(message);
    const problem = await screen.findByTestId("publish-problem");
    expect(problem.textContent).toBe("Catégorie : la liste de Vinted n’a pas encore été lue (lancez la session du compte)");
    expect(screen.getByTestId("publish-item-category").textContent).toBe("—");
    expect((screen.getByTestId("publish-submit") as HTMLButtonElement).disabled).toBe(true);
    await userEvent.setup().click(screen.getByTestId("publish-submit"));
    expect(fake.of("publish_products")).toHaveLength(0);
  });

  it("says a price out of range in English too", async () => {
    await i18n.changeLanguage("en");
    fakeBackend({ p1: preview("p1", "Robe fleurie", { problems: [{ field: "priceCents", code: "too_high", detail: "1000000" }] }) }, (cmd) =>
      cmd === "list_seller_accounts" ? [account] : undefined,
    );
    renderWithProviders(<PublishDialog selection={{ kind: "ids", ids: ["p1"] }} onClose={vi.fn()} />);
    expect((await screen.findByTestId("publish-problem")).textContent).toBe("Price out of range: at most €10,000.00");
    expect(screen.getByTestId("publish-submit").textContent).toBe("Publish 0 items");
  });

  it("says to add an account first when there is none", async () => {
    const fake = fakeBackend({}, (cmd) => (cmd === "list_seller_accounts" ? [] : undefined));
    renderWithProviders(<PublishDialog selection={{ kind: "ids", ids: ["p1"] }} onClose={vi.fn()} />);
    expect((await screen.findByTestId("publish-no-account")).textContent).toBe("Ajoutez d’abord un compte Vinted dans Comptes.");
    expect(fake.of("preview_publish")).toHaveLength(0);
  });

  it("opens from the inventory's bulk actions with the ticked items, or the first 50 of everything matching", async () => {
    const items: ProductSummary[] = Array.from({ length: 60 }, (_, n) => ({
      id: `p${n + 1}`,
      sku: `SP-${n + 1}`,
      title: `Article ${n + 1}`,
      brand: null,
      category: "Robes",
      size: null,
      status: "ready",
      priceCents: 1000,
      quantity: 1,
      photoFile: null,
      createdAt: "2025-01-01T10:00:00Z",
      updatedAt: "2025-01-02T10:00:00Z",
    }));
    let inFlight = 0;
    let mostInFlight = 0;
    const fake = fakeBackend(Object.fromEntries(items.map((p) => [p.id, preview(p.id, p.title)])), (cmd, p) => {
      if (cmd === "preview_publish") {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        return new Promise((resolve) =>
          setTimeout(() => {
            inFlight--;
            resolve(preview(p.productId as string, "Article"));
          }, 5),
        );
      }
      if (cmd === "list_products") {
        const q = p.query as ProductQuery;
        return { items: items.slice(q.offset, q.offset + q.limit), total: items.length };
      }
      if (cmd === "product_facets") return { categories: [], brands: [], sizes: [], colors: [], materials: [] };
      if (cmd === "can_undo_bulk_action") return false;
      return undefined;
    });
    const onOpen = vi.fn();
    renderWithProviders(<InventoryList state={INITIAL_LIST_STATE} onStateChange={vi.fn()} onOpen={onOpen} onNew={vi.fn()} />);
    const user = userEvent.setup();
    const rows = await screen.findAllByTestId("product-row");
    await user.click(within(rows[1]).getByTestId("row-select"));
    await user.click(screen.getByTestId("bulk-publish"));
    const dialog = screen.getByTestId("publish-dialog");
    expect(within(dialog).getByRole("heading").textContent).toBe("Publier sur Vinted");
    await waitFor(() => expect(within(dialog).getByTestId("publish-submit").textContent).toBe("Publier 1 article"));
    expect(fake.of("preview_publish").map((p) => p.productId)).toEqual(["p2"]);
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("publish-dialog")).toBeNull();

    // Everything matching: the first 50, previewed a few at a time (the first click clears the ticked row).
    await user.click(screen.getByTestId("select-all"));
    await user.click(screen.getByTestId("select-all"));
    await user.click(screen.getByTestId("bulk-publish"));
    expect((await screen.findByTestId("publish-capped")).textContent).toContain("50 premiers des 60 articles");
    await waitFor(() => expect(screen.getAllByTestId("publish-item").filter((i) => i.getAttribute("data-state") === "ready")).toHaveLength(50), { timeout: 5000 });
    expect(new Set(fake.of("preview_publish").map((p) => p.productId)).size).toBe(50);
    // A few at a time, not fifty at once.
    expect(mostInFlight).toBeLessThanOrEqual(3);
    await user.click(screen.getByTestId("publish-submit"));
    await waitFor(() => expect(fake.of("publish_products")).toHaveLength(1));
    expect((fake.of("publish_products")[0].productIds as string[]).length).toBe(50);
  });

  it("opens from the item's form once it is saved, and editing the item there closes the dialog without saving anything", async () => {
    const product: Product = {
      id: "p9",
      sku: "SP-0009",
      title: "Veste en jean",
      description: "Très peu portée.",
      category: null,
      brand: "Levi's",
      condition: "good",
      size: "M",
      priceCents: 2500,
      purchaseCostCents: 0,
      quantity: 1,
      packageSize: null,
      status: "ready",
      internalNotes: null,
      materials: [],
      colors: [],
      lastPriceCents: null,
      photos: [],
      createdAt: "2025-01-01T10:00:00Z",
      updatedAt: "2025-01-01T10:00:00Z",
    };
    const fake = fakeBackend({ p9: preview("p9", "Veste en jean", { problems: [{ field: "category", code: "required", detail: null }] }) }, (cmd) =>
      cmd === "get_sku_settings" ? { pattern: "SP-{seq:4}" } : undefined,
    );
    renderWithProviders(<ProductForm product={product} onClose={vi.fn()} onSaved={vi.fn()} onDeleted={vi.fn()} />);
    const user = userEvent.setup();
    const open = screen.getByTestId("publish-product");
    expect(open.textContent).toBe("Publier sur Vinted…");

    // Changes not saved yet: the item as stored is what would be sent, so save first.
    await user.type(screen.getByTestId("field-title"), " bleue");
    expect((open as HTMLButtonElement).disabled).toBe(true);
    expect(open.title).toContain("Enregistrez d’abord");
    await user.clear(screen.getByTestId("field-title"));
    await user.type(screen.getByTestId("field-title"), "Veste en jean");
    expect((open as HTMLButtonElement).disabled).toBe(false);

    await user.click(open);
    const dialog = screen.getByTestId("publish-dialog");
    expect((await within(dialog).findByTestId("publish-problem")).textContent).toBe("Catégorie manquante");
    await user.click(within(dialog).getByTestId("publish-edit-product"));
    expect(screen.queryByTestId("publish-dialog")).toBeNull();
    expect(fake.of("preview_publish")).toEqual([{ accountId: "acc-1", productId: "p9" }]);
    expect(fake.of("update_product")).toHaveLength(0);
  });
});
