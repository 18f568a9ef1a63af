import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { AppError } from "../../bindings";
import { renderWithProviders } from "../../test/utils";

vi.mock("uplot", () => ({ default: class {} }));

describe("App navigation to Orders and Dashboard", () => {
  it("opens both areas from the sidebar and guards an order being typed", async () => {
    mockIPC((cmd: string) => {
      if (cmd === "get_settings") return { language: "fr", systemLanguage: "fr-FR" };
      if (cmd === "list_products") return { items: [], total: 0 };
      if (cmd === "list_seller_accounts") return [];
      if (cmd === "list_orders") return { items: [], total: 0 };
      if (cmd === "get_dashboard") throw { code: "database", message: "disk", fields: [] } satisfies AppError;
      throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
    });
    renderWithProviders(<App />);
    const user = userEvent.setup();

    await user.click(await screen.findByTestId("nav-orders"));
    expect(screen.getByTestId("nav-orders").textContent).toBe("Commandes");
    await screen.findByTestId("orders-empty");
    await user.click(screen.getByTestId("new-order"));
    await user.type(screen.getByTestId("order-price"), "10");

    await user.click(screen.getByTestId("nav-dashboard"));
    expect(screen.getByTestId("confirm-discard-dialog")).toBeTruthy();
    await user.click(screen.getByTestId("confirm-discard"));
    expect(screen.getByTestId("nav-dashboard").textContent).toBe("Tableau de bord");
    expect((await screen.findByTestId("dashboard-error")).textContent).toContain("Erreur de la base de données.");

    // Back in Orders, the list shows (not the abandoned form).
    await user.click(screen.getByTestId("nav-orders"));
    await screen.findByTestId("orders-empty");
  });
});
