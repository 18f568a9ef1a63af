import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AppError, Job, JobKind, ListingRow, SellerAccount } from "../../bindings";
import i18n from "../../i18n";
import { renderWithProviders } from "../../test/utils";
import { resetJobWatchForTests } from "../jobs/queries";
import { ListingsPage } from "./ListingsPage";
import { parseListingPrice } from "./listingActions";

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

const active: ListingRow = {
  id: "row-1",
  accountId: "acc-1",
  listingId: "4001",
  title: "Robe fleurie",
  photoUrl: null,
  priceCents: 1500,
  status: "active",
  listedAt: "2026-11-02T10:00:00.000Z",
  lastSync: "2026-12-06T08:00:00.000Z",
  goneAt: null,
  sku: "SP-0001",
  product: { id: "prod-1", title: "Robe fleurie (stock)" },
};
const hidden: ListingRow = { ...active, id: "row-2", listingId: "4002", title: "Jean droit", status: "hidden", sku: null, product: null };
const sold: ListingRow = { ...active, id: "row-3", listingId: "4003", title: "Pull vendu", status: "sold" };
const gone: ListingRow = { ...active, id: "row-4", listingId: "4004", title: "Pull disparu", status: "deleted", goneAt: "2026-12-05T09:30:00.000Z" };

const job = (kind: JobKind, dryRun: boolean): Job => ({
  id: `job-${kind}`,
  accountId: "acc-1",
  kind,
  payload: {},
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

const KINDS: Record<string, JobKind> = {
  edit_listing_price: "edit_price",
  hide_listing: "hide",
  unhide_listing: "unhide",
  delete_listing: "delete",
  relist_listing: "relist",
};

function fakeBackend(answer: (cmd: string, p: Record<string, unknown>) => unknown = () => undefined) {
  const calls: { cmd: string; payload: Record<string, unknown> }[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, payload: p });
    const out = answer(cmd, p);
    if (out !== undefined) return out;
    if (cmd === "list_seller_accounts") return [account];
    if (cmd === "list_listings") return { items: [active, hidden, sold, gone], total: 4, page: 1, perPage: 50 };
    if (cmd === "list_jobs") return { items: [], total: 0, page: 1, perPage: 5 };
    if (cmd === "watch_jobs") return null;
    const kind = KINDS[cmd];
    if (kind) return job(kind, p.dryRun === true);
    throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
  });
  return { of: (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.payload) };
}

async function rowOf(title: string) {
  const rows = await screen.findAllByTestId("listing-row");
  const row = rows.find((r) => within(r).getByTestId("listing-title").textContent === title);
  if (!row) throw new Error(`no row ${title}`);
  return within(row);
}

describe("listing actions", () => {
  beforeEach(() => resetJobWatchForTests());

  it("reads a new price in euros with a comma, and refuses 0 or less", () => {
    expect(parseListingPrice("12,50")).toEqual({ ok: true, cents: 1250 });
    expect(parseListingPrice(" 12.5 € ")).toEqual({ ok: true, cents: 1250 });
    expect(parseListingPrice("0")).toEqual({ ok: false, error: "zero" });
    expect(parseListingPrice("0,00")).toEqual({ ok: false, error: "zero" });
    expect(parseListingPrice("-3")).toEqual({ ok: false, error: "zero" });
    expect(parseListingPrice("")).toEqual({ ok: false, error: "required" });
    expect(parseListingPrice("douze")).toEqual({ ok: false, error: "invalid" });
  });

  it("offers the actions by status: hide on a shown listing, show on a hidden one, none on a sold or gone one", async () => {
    fakeBackend();
    renderWithProviders(<ListingsPage />);
    const shown = await rowOf("Robe fleurie");
    expect(shown.getByTestId("listing-hide").textContent).toBe("Masquer");
    expect(shown.queryByTestId("listing-unhide")).toBeNull();
    expect((shown.getByTestId("listing-relist") as HTMLButtonElement).disabled).toBe(false);

    const masked = await rowOf("Jean droit");
    expect(masked.getByTestId("listing-unhide").textContent).toBe("Afficher");
    expect(masked.queryByTestId("listing-hide")).toBeNull();
    // Not linked to an item: nothing to make the copy from.
    const relist = masked.getByTestId("listing-relist") as HTMLButtonElement;
    expect(relist.disabled).toBe(true);
    expect(relist.title).toContain("Liez d’abord l’annonce à un article");

    expect((await rowOf("Pull vendu")).queryByTestId("listing-actions")).toBeNull();
    expect((await rowOf("Pull disparu")).queryByTestId("listing-actions")).toBeNull();
  });

  it("changes a price typed as 12,50 (a dry run), after refusing 0", async () => {
    const onOpenJobs = vi.fn();
    const fake = fakeBackend();
    renderWithProviders(<ListingsPage onOpenJobs={onOpenJobs} />);
    const user = userEvent.setup();
    await user.click((await rowOf("Robe fleurie")).getByTestId("listing-edit-price"));
    const dialog = screen.getByTestId("listing-price-dialog");
    const input = within(dialog).getByTestId("listing-price-input") as HTMLInputElement;
    // Starts from the current price, with the focus in it.
    expect(input.value).toBe("15,00");
    expect(document.activeElement).toBe(input);

    await user.clear(input);
    await user.type(input, "0{Enter}");
    expect(within(dialog).getByTestId("listing-price-error").textContent).toBe("Le prix doit être supérieur à 0.");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(fake.of("edit_listing_price")).toHaveLength(0);

    await user.clear(input);
    await user.type(input, "12,50");
    expect(within(dialog).queryByTestId("listing-price-error")).toBeNull();
    await user.click(within(dialog).getByTestId("listing-action-dry-run"));
    await user.click(within(dialog).getByTestId("listing-price-save"));
    await waitFor(() => expect(fake.of("edit_listing_price")).toEqual([{ accountId: "acc-1", listingId: "4001", priceCents: 1250, dryRun: true }]));
    await waitFor(() => expect(screen.queryByTestId("listing-price-dialog")).toBeNull());
    const toast = await screen.findByTestId("toast");
    expect(toast.textContent).toContain("Nouveau prix de « Robe fleurie » mis en file d’attente. (simulation : rien ne sera envoyé)");
    await user.click(within(toast).getByTestId("toast-open-jobs"));
    expect(onOpenJobs).toHaveBeenCalled();
  });

  it("shows a refused price change in the dialog, which stays open", async () => {
    const fake = fakeBackend((cmd) => {
      if (cmd === "edit_listing_price") throw { code: "notFound", message: "no such account", fields: [] } satisfies AppError;
      return undefined;
    });
    renderWithProviders(<ListingsPage />);
    const user = userEvent.setup();
    await user.click((await rowOf("Robe fleurie")).getByTestId("listing-edit-price"));
    await user.click(screen.getByTestId("listing-price-save"));
    expect((await screen.findByTestId("listing-action-error")).textContent).toContain("La tâche n’a pas pu être mise en file d’attente");
    expect(fake.of("edit_listing_price")).toEqual([{ accountId: "acc-1", listingId: "4001", priceCents: 1500, dryRun: false }]);
    expect(screen.getByTestId("listing-price-dialog")).toBeTruthy();
  });

  it("asks before deleting from Vinted, then queues the delete", async () => {
    const fake = fakeBackend();
    renderWithProviders(<ListingsPage />);
    const user = userEvent.setup();
    await user.click((await rowOf("Robe fleurie")).getByTestId("listing-delete"));
    const dialog = screen.getByTestId("listing-change-dialog");
    expect(within(dialog).getByTestId("listing-change-text").textContent).toContain("sera supprimée sur Vinted");
    expect(within(dialog).getByTestId("listing-change-text").textContent).toContain("Sa ligne reste dans cette liste, marquée supprimée");
    // Cancelled (then Escape): nothing sent.
    await user.click(within(dialog).getByTestId("listing-change-cancel"));
    expect(screen.queryByTestId("listing-change-dialog")).toBeNull();
    await user.click((await rowOf("Robe fleurie")).getByTestId("listing-delete"));
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("listing-change-dialog")).toBeNull();
    expect(fake.of("delete_listing")).toHaveLength(0);

    await user.click((await rowOf("Robe fleurie")).getByTestId("listing-delete"));
    await user.click(screen.getByTestId("listing-change-confirm"));
    await waitFor(() => expect(fake.of("delete_listing")).toEqual([{ accountId: "acc-1", listingId: "4001", dryRun: false }]));
    expect((await screen.findByTestId("toast")).textContent).toContain("Suppression de « Robe fleurie » mise en file d’attente.");
  });

  it("asks before relisting, saying how it goes, then queues the relist", async () => {
    const fake = fakeBackend();
    renderWithProviders(<ListingsPage />);
    const user = userEvent.setup();
    await user.click((await rowOf("Robe fleurie")).getByTestId("listing-relist"));
    const dialog = screen.getByTestId("confirm-relist-dialog");
    const text = dialog.textContent ?? "";
    expect(text).toContain("Une nouvelle copie de « Robe fleurie » est publiée");
    expect(text).toContain("l’ancienne annonce est masquée puis supprimée");
    expect(text).toContain("plafonds de republications");
    await user.click(screen.getByTestId("confirm-relist-cancel"));
    expect(fake.of("relist_listing")).toHaveLength(0);

    await user.click((await rowOf("Robe fleurie")).getByTestId("listing-relist"));
    await user.click(screen.getByTestId("confirm-relist"));
    await waitFor(() => expect(fake.of("relist_listing")).toEqual([{ accountId: "acc-1", listingId: "4001" }]));
    await waitFor(() => expect(screen.queryByTestId("confirm-relist-dialog")).toBeNull());
    expect((await screen.findByTestId("toast")).textContent).toContain("Republication de « Robe fleurie » mise en file d’attente.");
  });

  it("hides a shown listing and shows a hidden one, by their status", async () => {
    const fake = fakeBackend();
    renderWithProviders(<ListingsPage />);
    const user = userEvent.setup();
    await user.click((await rowOf("Robe fleurie")).getByTestId("listing-hide"));
    expect(screen.getByTestId("listing-change-dialog").textContent).toContain("Masquer cette annonce ?");
    await user.click(screen.getByTestId("listing-action-dry-run"));
    await user.click(screen.getByTestId("listing-change-confirm"));
    await waitFor(() => expect(fake.of("hide_listing")).toEqual([{ accountId: "acc-1", listingId: "4001", dryRun: true }]));
    await waitFor(() => expect(screen.queryByTestId("listing-change-dialog")).toBeNull());

    await user.click((await rowOf("Jean droit")).getByTestId("listing-unhide"));
    expect(screen.getByTestId("listing-change-dialog").textContent).toContain("Afficher cette annonce ?");
    await user.click(screen.getByTestId("listing-change-confirm"));
    await waitFor(() => expect(fake.of("unhide_listing")).toEqual([{ accountId: "acc-1", listingId: "4002", dryRun: false }]));
    expect(fake.of("hide_listing")).toHaveLength(1);
  });

  it("names the actions in English too", async () => {
    await i18n.changeLanguage("en");
    fakeBackend();
    renderWithProviders(<ListingsPage />);
    const shown = await rowOf("Robe fleurie");
    expect(shown.getByTestId("listing-edit-price").textContent).toBe("Change the price");
    expect(shown.getByTestId("listing-delete").getAttribute("aria-label")).toBe("Delete “Robe fleurie” from Vinted");
    expect(shown.getByTestId("listing-relist").textContent).toBe("Relist");
  });
});
