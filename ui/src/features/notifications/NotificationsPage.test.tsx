import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import type { AppError, FavoriteItem, FavoriteRow, NotificationRow, OutreachRequest, OutreachSetting, Page } from "../../bindings";
import { renderWithProviders } from "../../test/utils";
import { NotificationsPage } from "./NotificationsPage";

const ACCOUNT = { id: "acc-1", name: "Boutique Léa" };

function notification(id: string, kind: NotificationRow["kind"], title: string): NotificationRow {
  return { id, accountId: ACCOUNT.id, kind, title, details: null, entryType: null, itemId: "501", vintedUserId: "77", link: null, createdAt: "2026-12-01T10:00:00.000Z" };
}

const ITEM: FavoriteItem = {
  accountId: ACCOUNT.id,
  itemId: "501",
  itemTitle: "Robe Zara",
  itemSku: "SP-000001",
  itemPriceCents: 2500,
  itemThumbnail: null,
  favorites: 3,
  lastFavoritedAt: "2026-12-01T10:00:00.000Z",
  outreach: null,
  sent: 0,
};

function fakeBackend({ notifications = [] as NotificationRow[], items = [] as FavoriteItem[] } = {}) {
  const calls: { cmd: string; payload: unknown }[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    calls.push({ cmd, payload });
    if (cmd === "list_seller_accounts") return [ACCOUNT];
    if (cmd === "list_notifications") {
      const filter = (payload as { filter: { kind: string | null } }).filter;
      const shown = notifications.filter((n) => filter.kind === null || n.kind === filter.kind);
      return { items: shown, total: shown.length, page: 1, perPage: 50 } satisfies Page<NotificationRow>;
    }
    if (cmd === "list_favorite_items") return items;
    if (cmd === "list_favorites") {
      const rows: FavoriteRow[] = [
        { id: "f1", accountId: ACCOUNT.id, itemId: "501", itemTitle: "Robe Zara", itemSku: null, itemPriceCents: 2500, itemThumbnail: null, vintedUserId: "77", userHandle: "lea_77", createdAt: "2026-12-01T10:00:00.000Z", outreach: "sent" },
        { id: "f2", accountId: ACCOUNT.id, itemId: "501", itemTitle: "Robe Zara", itemSku: null, itemPriceCents: 2500, itemThumbnail: null, vintedUserId: "78", userHandle: null, createdAt: "2026-12-01T09:00:00.000Z", outreach: null },
      ];
      return { items: rows, total: rows.length, page: 1, perPage: 200 } satisfies Page<FavoriteRow>;
    }
    if (cmd === "read_notifications_now") return [{ id: "job-1" }];
    if (cmd === "set_item_outreach") {
      const request = (payload as { request: OutreachRequest }).request;
      if (request.enabled && !request.rulesAccepted) {
        throw { code: "validation", message: "", fields: [{ field: "rulesAccepted", code: "required" }] } satisfies AppError;
      }
      return { ...request, enabled: request.enabled, rulesAcceptedAt: "2026-12-01T10:00:00.000Z", updatedAt: "2026-12-01T10:00:00.000Z" } as unknown as OutreachSetting;
    }
    throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
  });
  return calls;
}

describe("Notifications", () => {
  it("shows the empty states when nothing was read yet", async () => {
    fakeBackend();
    renderWithProviders(<NotificationsPage />);
    expect(await screen.findByTestId("notifications-empty")).toBeTruthy();
    await userEvent.setup().click(screen.getByTestId("notifications-tab-favorites"));
    expect(await screen.findByTestId("favorites-empty")).toBeTruthy();
  });

  it("lists notifications with their kind, filters them, and reads now on demand", async () => {
    const calls = fakeBackend({
      notifications: [notification("n1", "sale", "Robe vendue"), notification("n2", "message", "Nouveau message de Léa")],
    });
    renderWithProviders(<NotificationsPage />);
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getAllByTestId("notification-row")).toHaveLength(2));
    expect(screen.getAllByTestId("notification-row")[0].textContent).toContain("Vente");
    await user.selectOptions(screen.getByTestId("notifications-kind"), "message");
    await waitFor(() => expect(screen.getAllByTestId("notification-row")).toHaveLength(1));
    expect(screen.getByTestId("notification-row").textContent).toContain("Nouveau message de Léa");
    await user.click(screen.getByTestId("notifications-read-now"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "read_notifications_now")).toBe(true));
  });

  it("turns an item's messages on only once the warning about Vinted's rules is confirmed", async () => {
    const calls = fakeBackend({ items: [ITEM] });
    renderWithProviders(<NotificationsPage />);
    const user = userEvent.setup();
    await user.click(screen.getByTestId("notifications-tab-favorites"));
    const row = await screen.findByTestId("favorite-item");
    expect(row.textContent).toContain("Robe Zara");
    await user.click(within(row).getByTestId("favorite-who"));
    const members = await screen.findAllByTestId("favorite-member");
    expect(members.map((m) => m.textContent)).toEqual([expect.stringContaining("lea_77"), expect.stringContaining("Membre 78")]);
    expect(members[0].textContent).toContain("message envoyé");
    expect(within(row).getByTestId("favorite-outreach-state").textContent).toBe("Désactivés");
    await user.click(within(row).getByTestId("favorite-outreach-edit"));

    const dialog = await screen.findByTestId("outreach-dialog");
    expect(within(dialog).getByTestId("outreach-warning").textContent).toContain("5 membres ou plus");
    const turnOn = within(dialog).getByTestId("outreach-turn-on") as HTMLButtonElement;
    expect(turnOn.disabled).toBe(true);

    await user.click(within(dialog).getByTestId("outreach-mode-offer"));
    await user.type(within(dialog).getByTestId("outreach-price"), "22,50");
    await user.click(within(dialog).getByTestId("outreach-accept"));
    expect(turnOn.disabled).toBe(false);
    await user.click(turnOn);

    await waitFor(() => expect(screen.queryByTestId("outreach-dialog")).toBeNull());
    const saved = calls.find((c) => c.cmd === "set_item_outreach")?.payload as { request: OutreachRequest };
    expect(saved.request).toMatchObject({
      accountId: ACCOUNT.id,
      itemId: "501",
      enabled: true,
      mode: "offer",
      offerPriceCents: 2250,
      rulesAccepted: true,
    });
  });
});
