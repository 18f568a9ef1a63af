import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { AppError, Job, ListingFilter, ListingRow, Page, SellerAccount } from "../../bindings";
import i18n from "../../i18n";
import { normalizeSpaces, renderWithProviders } from "../../test/utils";
import { resetJobWatchForTests } from "../jobs/queries";
import { ListingsPage } from "./ListingsPage";

const account: SellerAccount = {
  id: "acc-1",
  name: "Boutique Marie",
  username: "marie_vend",
  email: null,
  avatar: null,
  vintedBaseUrl: "https://www.vinted.fr",
  proxy: null,
  isConnected: false,
  isRunning: false,
  lastSessionStart: null,
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
  hasVintedPassword: false,
  hasProxyPassword: false,
  hasVncPassword: false,
};

const linked: ListingRow = {
  id: "row-1",
  accountId: "acc-1",
  listingId: "4001",
  title: "Robe fleurie",
  photoUrl: "https://images.vinted.example/1.jpg",
  priceCents: 1250,
  status: "active",
  listedAt: "2026-11-02T10:00:00.000Z",
  lastSync: "2026-12-06T08:00:00.000Z",
  goneAt: null,
  sku: "SP-0001",
  product: { id: "prod-1", title: "Robe fleurie (stock)" },
};

const unlinked: ListingRow = {
  ...linked,
  id: "row-2",
  listingId: "4002",
  title: "Jean droit",
  priceCents: 2000,
  status: "reserved",
  sku: null,
  product: null,
};

const gone: ListingRow = {
  ...linked,
  id: "row-3",
  listingId: "4003",
  title: "Pull rayé",
  status: "deleted",
  goneAt: "2026-12-05T09:30:00.000Z",
  sku: "SP-0404",
  product: null,
};

const queuedJob: Job = {
  id: "job-1",
  accountId: "acc-1",
  kind: "import_listings",
  payload: { linkBySku: true, createItems: true },
  state: "queued",
  checkpoint: null,
  progressDone: 0,
  progressTotal: null,
  dryRun: false,
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
};

type Call = { cmd: string; payload: Record<string, unknown> };

/** A fake Rust side: `listings` answers each page asked; `answer` may override any command. */
function fakeBackend(listings: (filter: ListingFilter) => Page<ListingRow>, answer: (cmd: string, p: Record<string, unknown>) => unknown = () => undefined) {
  const calls: Call[] = [];
  const jobs: Job[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, payload: p });
    const out = answer(cmd, p);
    if (out !== undefined) return out;
    if (cmd === "get_settings") return { language: "fr", systemLanguage: "fr-FR" };
    if (cmd === "list_products") return { items: [], total: 0 };
    if (cmd === "list_seller_accounts") return [account];
    if (cmd === "list_listings") return listings(p.filter as ListingFilter);
    if (cmd === "list_jobs") return { items: jobs, total: jobs.length, page: 1, perPage: 5 } satisfies Page<Job>;
    if (cmd === "watch_jobs") return null;
    if (cmd === "link_listing") return null;
    if (cmd === "import_listings") {
      const request = p.request as { linkBySku: boolean; createItems: boolean };
      const job = { ...queuedJob, payload: request };
      jobs.push(job);
      return job;
    }
    if (cmd === "create_items_from_listings") return (p.listingIds as string[]).map((id) => `prod-${id}`);
    throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
  });
  return { calls, of: (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.payload) };
}

const page = (items: ListingRow[], total = items.length, filter?: ListingFilter): Page<ListingRow> => ({
  items,
  total,
  page: filter?.page ?? 1,
  perPage: filter?.perPage ?? 50,
});

describe("ListingsPage", () => {
  beforeEach(() => resetJobWatchForTests());

  it("shows each listing: price, status, dates, the linked item or 'Not linked', a gone one as gone; no remote image", async () => {
    const onOpenProduct = vi.fn();
    const fake = fakeBackend(() => page([linked, unlinked, gone]));
    renderWithProviders(<ListingsPage onOpenProduct={onOpenProduct} />);

    const rows = await screen.findAllByTestId("listing-row");
    expect(rows.map((r) => r.getAttribute("data-listing-id"))).toEqual(["4001", "4002", "4003"]);
    const first = within(rows[0]);
    expect(first.getByTestId("listing-title").textContent).toBe("Robe fleurie");
    expect(normalizeSpaces(first.getByTestId("listing-price").textContent)).toBe("12,50 €");
    expect(first.getByTestId("listing-status").textContent).toBe("En ligne");
    expect(first.getByTestId("listing-listed-at").textContent).toBe("02/11/2026");
    expect(first.getByTestId("listing-product").textContent).toBe("Robe fleurie (stock)");
    // A linked row cannot be picked for "create items".
    expect(first.queryByTestId("listing-select")).toBeNull();

    const second = within(rows[1]);
    expect(second.getByTestId("listing-status").textContent).toBe("Réservée");
    expect(second.getByTestId("listing-unlinked").textContent).toBe("Non lié");

    const third = within(rows[2]);
    expect(third.getByTestId("listing-status").textContent).toBe("Disparue de Vinted le 05/12/2026");
    expect(third.getByTestId("listing-status").getAttribute("data-gone")).toBe("true");
    // Its SKU names no item of the inventory: said so.
    expect(third.getByTestId("listing-sku-missing").textContent).toContain("SP-0404");

    // The CSP allows no remote image: no <img> at all.
    expect(document.querySelectorAll("img")).toHaveLength(0);
    expect(screen.getByTestId("listings").textContent).toContain("3 annonces");

    await userEvent.setup().click(first.getByTestId("listing-product"));
    expect(onOpenProduct).toHaveBeenCalledWith("prod-1");

    expect(fake.of("list_listings")[0]).toEqual({
      filter: { accountId: null, status: null, search: null, linked: null, sort: { field: "listedAt", dir: "desc" }, page: 1, perPage: 50 },
    });
  });

  it("sorts, pages and filters in the store", async () => {
    const fake = fakeBackend((filter) => page([linked, unlinked], 120, filter));
    renderWithProviders(<ListingsPage />);
    const user = userEvent.setup();
    await screen.findAllByTestId("listing-row");
    const last = () => fake.of("list_listings").at(-1)?.filter as ListingFilter;

    await user.click(screen.getByTestId("listings-sort-price"));
    await waitFor(() => expect(last()).toMatchObject({ sort: { field: "price", dir: "desc" }, page: 1 }));
    await user.click(screen.getByTestId("listings-sort-price"));
    await waitFor(() => expect(last()).toMatchObject({ sort: { field: "price", dir: "asc" } }));
    expect(screen.getByTestId("listings-sort-price").closest("th")?.getAttribute("aria-sort")).toBe("ascending");
    await user.click(screen.getByTestId("listings-sort-title"));
    await waitFor(() => expect(last()).toMatchObject({ sort: { field: "title", dir: "asc" } }));

    expect(screen.getByTestId("listings-page-range").textContent).toBe("1–2 sur 120");
    await user.click(screen.getByTestId("listings-page-next"));
    await waitFor(() => expect(last()).toMatchObject({ page: 2, perPage: 50, sort: { field: "title", dir: "asc" } }));
    await waitFor(() => expect(screen.getByTestId("listings-page-range").textContent).toBe("51–52 sur 120"));

    // A filter goes back to the first page.
    await user.selectOptions(screen.getByTestId("listings-linked-filter"), "no");
    await waitFor(() => expect(last()).toMatchObject({ linked: false, page: 1 }));
    await user.selectOptions(screen.getByTestId("listings-status-filter"), "sold");
    await waitFor(() => expect(last()).toMatchObject({ status: "sold", linked: false }));
    await user.selectOptions(screen.getByTestId("listings-account-filter"), "acc-1");
    await waitFor(() => expect(last()).toMatchObject({ accountId: "acc-1" }));
    await user.type(screen.getByTestId("listings-search"), "robe");
    await waitFor(() => expect(last()).toMatchObject({ search: "robe" }));
    // Only the final text reached the store.
    expect(fake.of("list_listings").map((p) => (p.filter as ListingFilter).search).filter(Boolean)).toEqual(["robe"]);
  });

  it("links a listing to an item by its SKU, and says when no item has it", async () => {
    let refuse = true;
    const fake = fakeBackend(
      () => page([unlinked]),
      (cmd) => {
        if (cmd === "link_listing" && refuse) throw { code: "unknownSku", message: "unknown SKU", fields: [] } satisfies AppError;
        return undefined;
      },
    );
    renderWithProviders(<ListingsPage />);
    const user = userEvent.setup();
    const row = await screen.findByTestId("listing-row");
    await user.click(within(row).getByTestId("listing-link"));
    const input = within(row).getByTestId("listing-sku-input");
    expect(document.activeElement).toBe(input);

    // Nothing typed: said at once, nothing sent.
    await user.click(within(row).getByTestId("listing-sku-save"));
    expect(within(row).getByTestId("listing-sku-error").textContent).toBe("Entrez la référence (SKU) d’un article de l’inventaire.");
    expect(fake.of("link_listing")).toHaveLength(0);

    await user.type(input, "SP-9999{Enter}");
    expect((await within(row).findByTestId("listing-sku-error")).textContent).toBe("Aucun article de l’inventaire ne porte cette référence.");
    expect(input.getAttribute("aria-invalid")).toBe("true");

    refuse = false;
    await user.clear(input);
    await user.type(input, " SP-0002 {Enter}");
    await waitFor(() => expect(within(row).queryByTestId("listing-sku-input")).toBeNull());
    expect(fake.of("link_listing").at(-1)).toEqual({ accountId: "acc-1", listingId: "4002", sku: "SP-0002" });
    expect((await screen.findByTestId("toast")).textContent).toContain("Annonce liée à l’article SP-0002");

    // Escape closes the SKU input without sending.
    await user.click(within(row).getByTestId("listing-link"));
    await user.keyboard("{Escape}");
    expect(within(row).queryByTestId("listing-sku-input")).toBeNull();
  });

  it("asks before unlinking a listing from its item", async () => {
    const fake = fakeBackend(() => page([linked]));
    renderWithProviders(<ListingsPage />);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("listing-unlink"));
    expect(screen.getByTestId("confirm-unlink-listing-dialog").textContent).toContain("Robe fleurie (stock)");
    await user.click(screen.getByTestId("confirm-unlink-listing-cancel"));
    expect(fake.of("link_listing")).toHaveLength(0);
    await user.click(screen.getByTestId("listing-unlink"));
    await user.click(screen.getByTestId("confirm-unlink-listing"));
    await waitFor(() => expect(fake.of("link_listing")).toEqual([{ accountId: "acc-1", listingId: "4001", sku: null }]));
  });

  it("creates inventory items from the selected unlinked listings", async () => {
    const fake = fakeBackend(() => page([linked, unlinked, gone]));
    renderWithProviders(<ListingsPage />);
    const user = userEvent.setup();
    const rows = await screen.findAllByTestId("listing-row");
    await user.click(within(rows[1]).getByTestId("listing-select"));
    expect(screen.getByTestId("listings-selected-count").textContent).toBe("1 annonce sélectionnée");
    await user.click(screen.getByTestId("listings-select-all"));
    expect(screen.getByTestId("listings-create-items").textContent).toBe("Créer 2 articles d’inventaire");
    await user.click(screen.getByTestId("listings-create-items"));
    await waitFor(() => expect(fake.of("create_items_from_listings")).toHaveLength(1));
    expect(fake.of("create_items_from_listings")[0]).toEqual({ accountId: "acc-1", listingIds: ["4002", "4003"] });
    expect((await screen.findByTestId("toast")).textContent).toContain("2 articles créés dans l’inventaire");
    await waitFor(() => expect(screen.queryByTestId("listings-bulk-bar")).toBeNull());
  });

  it("says when nothing is imported yet and queues an import with the chosen options, shown in the jobs panel", async () => {
    const fake = fakeBackend(() => page([]));
    renderWithProviders(<ListingsPage onOpenJobs={vi.fn()} />);
    const user = userEvent.setup();
    const empty = await screen.findByTestId("listings-empty");
    expect(empty.textContent).toContain("Aucune annonce importée");
    expect(screen.queryByTestId("jobs-panel")).toBeNull();

    await user.click(within(empty).getByTestId("listings-empty-import"));
    const dialog = screen.getByTestId("listings-import-dialog");
    expect((within(dialog).getByTestId("listings-import-account") as HTMLSelectElement).value).toBe("acc-1");
    expect((within(dialog).getByTestId("listings-import-link-by-sku") as HTMLInputElement).checked).toBe(true);
    expect((within(dialog).getByTestId("listings-import-create-items") as HTMLInputElement).checked).toBe(false);
    expect(within(dialog).getByTestId("listings-import-explain").textContent).toContain("session du navigateur du compte");
    expect(within(dialog).getByTestId("listings-import-session").textContent).toContain("n’est pas connectée");

    // Escape closes without queueing.
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("listings-import-dialog")).toBeNull();
    expect(fake.of("import_listings")).toHaveLength(0);

    await user.click(screen.getByTestId("listings-import"));
    await user.click(screen.getByTestId("listings-import-create-items"));
    await user.click(screen.getByTestId("listings-import-link-by-sku"));
    await user.click(screen.getByTestId("listings-import-start"));
    await waitFor(() => expect(fake.of("import_listings")).toEqual([{ accountId: "acc-1", request: { linkBySku: false, createItems: true } }]));
    await waitFor(() => expect(screen.queryByTestId("listings-import-dialog")).toBeNull());
    expect((await screen.findByTestId("toast")).textContent).toContain("Import des annonces de Boutique Marie mis en file d’attente");
    expect(screen.getByTestId("toast-open-jobs")).toBeTruthy();

    const panel = await screen.findByTestId("jobs-panel");
    const job = within(panel).getByTestId("job-row");
    expect(within(job).getByTestId("job-kind").textContent).toBe("Import des annonces");
    expect(within(job).getByTestId("job-state").textContent).toBe("En file d’attente");
  });

  it("shows why an import could not be queued", async () => {
    fakeBackend(
      () => page([]),
      (cmd) => {
        if (cmd === "import_listings") throw { code: "notFound", message: "no such account", fields: [] } satisfies AppError;
        return undefined;
      },
    );
    renderWithProviders(<ListingsPage />);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("listings-import"));
    await user.click(screen.getByTestId("listings-import-start"));
    const error = await screen.findByTestId("listings-import-error");
    expect(error.getAttribute("data-code")).toBe("notFound");
    expect(screen.getByTestId("listings-import-dialog")).toBeTruthy();
  });

  it("opens from the sidebar, in English too, and a linked item opens in the inventory", async () => {
    await i18n.changeLanguage("en");
    const fake = fakeBackend(
      () => page([linked, gone]),
      (cmd) => {
        if (cmd === "get_settings") return { language: "en", systemLanguage: "en-US" };
        if (cmd === "get_product") throw { code: "notFound", message: "gone", fields: [] } satisfies AppError;
        return undefined;
      },
    );
    renderWithProviders(<App />);
    const user = userEvent.setup();
    const nav = await screen.findByTestId("nav-listings");
    expect(nav.textContent).toBe("Vinted listings");
    expect(screen.getByTestId("nav-jobs").textContent).toBe("Vinted jobs");
    await user.click(nav);
    const rows = await screen.findAllByTestId("listing-row");
    expect(within(rows[0]).getByTestId("listing-status").textContent).toBe("Active");
    expect(within(rows[1]).getByTestId("listing-status").textContent).toBe("Gone from Vinted on 12/5/26");
    expect(within(rows[1]).getByTestId("listing-unlinked").textContent).toBe("Not linked");
    await user.click(within(rows[0]).getByTestId("listing-product"));
    // The inventory's editor of that item (which the fake back end says is gone).
    expect(await screen.findByTestId("product-load-error")).toBeTruthy();
    expect(screen.getByTestId("nav-inventory").getAttribute("aria-current")).toBe("page");
    expect(fake.of("get_product").at(-1)).toEqual({ id: "prod-1" });
  });
});
