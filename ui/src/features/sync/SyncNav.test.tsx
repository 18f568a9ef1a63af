import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import type { AppError, SyncStatusView } from "../../bindings";
import { renderWithProviders } from "../../test/utils";

const status: SyncStatusView = {
  signedIn: true,
  server: "https://sync.example.org",
  email: "marie@example.org",
  lastSyncAt: "2026-03-02T10:30:00Z",
  lastError: null,
  lastErrorCode: null,
  waitingRows: 0,
  conflicts: [
    {
      table: "seller_products",
      id: "0190f0a0-0000-7000-8000-0000000000c1",
      column: "sku",
      original: "ROBE-1",
      current: "ROBE-1-a1b2c3",
      label: "Robe fleurie",
      otherId: "0190f0a0-0000-7000-8000-0000000000c2",
      otherCurrent: "ROBE-1",
      otherLabel: "Robe rayée",
      detectedAt: "2026-03-02T09:15:00.000Z",
    },
  ],
  syncing: false,
  restoredAt: null,
};

describe("App navigation to Sync", () => {
  it("opens the Sync area from the sidebar, and a conflicting item in the inventory's form", async () => {
    const asked: string[] = [];
    mockIPC((cmd: string, payload?: unknown) => {
      if (cmd === "get_settings") return { language: "fr", systemLanguage: "fr-FR" };
      if (cmd === "list_products") return { items: [], total: 0 };
      if (cmd === "sync_status") return status;
      if (cmd === "get_product") {
        asked.push((payload as { id: string }).id);
        throw { code: "notFound", message: "no such product", fields: [] } satisfies AppError;
      }
      throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
    });
    renderWithProviders(<App />);
    const user = userEvent.setup();

    const nav = await screen.findByTestId("nav-sync");
    expect(nav.textContent).toBe("Synchronisation");
    // Beside the other areas, before the settings.
    const entries = within(screen.getByRole("navigation")).getAllByRole("button").map((b) => b.getAttribute("data-testid"));
    expect(entries.indexOf("nav-sync")).toBe(entries.indexOf("nav-settings") - 1);

    await user.click(nav);
    expect(nav.getAttribute("aria-current")).toBe("page");
    expect(await screen.findByTestId("sync-status")).toBeTruthy();
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Synchronisation");

    await user.click(screen.getByRole("button", { name: "Modifier l’article Robe fleurie" }));
    expect(await screen.findByTestId("product-load-error")).toBeTruthy();
    expect(asked).toEqual([status.conflicts[0].id]);
    expect(screen.getByTestId("nav-inventory").getAttribute("aria-current")).toBe("page");
  });
});
