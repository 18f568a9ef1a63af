import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import type { AppError, SellerAccount } from "../../bindings";
import { App } from "../../App";
import { renderWithProviders } from "../../test/utils";
import { AccountsPage } from "./AccountsPage";

const base: SellerAccount = {
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

function backend(accounts: SellerAccount[]) {
  mockIPC((cmd: string) => {
    if (cmd === "list_seller_accounts") return accounts;
    throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
  });
}

describe("AccountsPage", () => {
  it("lists each account with its letter, name, username, domain, proxy and saved passwords", async () => {
    backend([
      base,
      {
        ...base,
        id: "acc-2",
        name: "Lou DE",
        avatar: "L",
        username: null,
        vintedBaseUrl: "https://www.vinted.de",
        proxy: { kind: "socks5", host: "10.0.0.7", port: 1080, user: "lou" },
        hasVintedPassword: true,
        hasProxyPassword: true,
      },
    ]);
    renderWithProviders(<AccountsPage />);
    const rows = await screen.findAllByTestId("account-row");
    expect(rows.map((r) => r.getAttribute("data-id"))).toEqual(["acc-1", "acc-2"]);

    const first = within(rows[0]);
    expect(first.getByTestId("account-row-avatar").textContent).toBe("B");
    expect(first.getByTestId("account-row-username").textContent).toBe("@marie_vend");
    expect(first.getByTestId("account-row-domain").textContent).toBe("vinted.fr");
    expect(first.getByTestId("account-row-proxy").textContent).toBe("Sans proxy");
    expect(first.queryAllByTestId("account-row-secret")).toHaveLength(0);

    const second = within(rows[1]);
    expect(second.getByTestId("account-row-avatar").textContent).toBe("L");
    expect(second.getByTestId("account-row-domain").textContent).toBe("vinted.de");
    // The proxy without its user or any password.
    expect(second.getByTestId("account-row-proxy").textContent).toBe("socks5 · 10.0.0.7:1080");
    expect(second.getAllByTestId("account-row-secret").map((b) => b.getAttribute("data-kind"))).toEqual(["vinted", "proxy"]);
    expect(second.getAllByTestId("account-row-secret")[0].getAttribute("title")).toBe("Mot de passe Vinted enregistré");

    // A row opens its form, with nothing secret in it.
    await userEvent.setup().click(rows[1].querySelector("button")!);
    expect((screen.getByTestId("account-name") as HTMLInputElement).value).toBe("Lou DE");
    expect(screen.getByTestId("secret-saved-proxy")).toBeTruthy();
    expect(screen.queryByTestId("account-vnc-password")).not.toBeNull();
    expect((screen.getByTestId("account-vnc-password") as HTMLInputElement).value).toBe("");
  });

  it("says so when there is no account yet and offers to add one", async () => {
    backend([]);
    renderWithProviders(<AccountsPage />);
    const empty = await screen.findByTestId("accounts-empty");
    expect(empty.textContent).toContain("Aucun compte Vinted");
    await userEvent.setup().click(within(empty).getByRole("button"));
    expect(screen.getByTestId("account-form")).toBeTruthy();
  });

  it("opens from the sidebar and guards an account being typed", async () => {
    mockIPC((cmd: string) => {
      if (cmd === "get_settings") return { language: "fr", systemLanguage: "fr-FR" };
      if (cmd === "list_products") return { items: [], total: 0 };
      if (cmd === "list_seller_accounts") return [];
      throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
    });
    renderWithProviders(<App />);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("nav-accounts"));
    expect(screen.getByTestId("nav-accounts").textContent).toBe("Comptes");
    await screen.findByTestId("accounts-empty");
    await user.click(screen.getByTestId("new-account"));
    await user.type(screen.getByTestId("account-name"), "Marie");
    await user.click(screen.getByTestId("nav-inventory"));
    expect(screen.getByTestId("confirm-discard-dialog")).toBeTruthy();
    await user.click(screen.getByTestId("confirm-discard-cancel"));
    expect((screen.getByTestId("account-name") as HTMLInputElement).value).toBe("Marie");
    // Picking Accounts again goes back to the list (after asking).
    await user.click(screen.getByTestId("nav-accounts"));
    await user.click(screen.getByTestId("confirm-discard"));
    await screen.findByTestId("accounts-empty");
  });
});

describe("AccountsPage, a proxy changed on another device", () => {
  it("names the account whose proxy awaits confirmation, says why, and confirming clears it", async () => {
    const confirmed: string[] = [];
    let awaiting = [{ accountId: "acc-2", columns: ["proxy_host", "vinted_base_url"] }];
    mockIPC((cmd: string, payload?: unknown) => {
      if (cmd === "list_seller_accounts")
        return [base, { ...base, id: "acc-2", name: "Lou DE", proxy: { kind: "http", host: "proxy.ailleurs.example", port: 8080, user: null }, hasProxyPassword: true }];
      if (cmd === "accounts_awaiting_proxy_confirmation") return awaiting;
      if (cmd === "confirm_account_proxy") {
        const id = (payload as { id: string }).id;
        confirmed.push(id);
        awaiting = awaiting.filter((a) => a.accountId !== id);
        return awaiting;
      }
      if (cmd === "session_statuses") return [];
      throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
    });
    renderWithProviders(<AccountsPage />);
    const user = userEvent.setup();

    const notice = await screen.findByTestId("account-proxy-confirm");
    expect(notice.getAttribute("data-id")).toBe("acc-2");
    expect(screen.getAllByTestId("account-proxy-confirm")).toHaveLength(1);
    expect(notice.textContent).toContain("modifié sur un autre appareil (hôte, site Vinted)");
    expect(notice.textContent).toContain("ne démarrera pas");
    const button = within(notice).getByRole("button", { name: "Confirmer le proxy de Lou DE" });
    expect(button.textContent).toBe("Confirmer le proxy");
    await user.click(button);
    expect(confirmed).toEqual(["acc-2"]);
    await waitFor(() => expect(screen.queryByTestId("account-proxy-confirm")).toBeNull());
    expect((await screen.findByTestId("toast")).textContent).toContain("Proxy confirmé");
  });

  it("shows nothing when no proxy awaits confirmation", async () => {
    mockIPC((cmd: string) => {
      if (cmd === "list_seller_accounts") return [base];
      if (cmd === "accounts_awaiting_proxy_confirmation") return [];
      if (cmd === "session_statuses") return [];
      throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
    });
    renderWithProviders(<AccountsPage />);
    await screen.findAllByTestId("account-row");
    expect(screen.queryByTestId("account-proxy-confirm")).toBeNull();
  });
});
