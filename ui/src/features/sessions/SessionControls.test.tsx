import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Channel, InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { beforeEach, describe, expect, it } from "vitest";
import type { AppError, SellerAccount, SessionStatus } from "../../bindings";
import { renderWithProviders } from "../../test/utils";
import { AccountsPage } from "../accounts/AccountsPage";
import { resetSessionWatchForTests } from "./queries";

const account: SellerAccount = {
  id: "acc-1",
  name: "Boutique Marie",
  username: "marie_vend",
  email: null,
  avatar: null,
  vintedBaseUrl: "https://www.vinted.fr",
  proxy: { kind: "http", host: "10.0.0.7", port: 3128, user: "marie" },
  isConnected: false,
  isRunning: false,
  lastSessionStart: null,
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
  hasVintedPassword: false,
  hasProxyPassword: true,
  hasVncPassword: true,
};

const status = (state: SessionStatus["state"], extra: Partial<SessionStatus> = {}): SessionStatus => ({
  accountId: account.id,
  state,
  reason: null,
  vncPort: null,
  vncSupported: true,
  ...extra,
});

/** A fake Rust side: `start` answers start_session; the watch channel is handed back. */
function backend(start: () => SessionStatus) {
  const calls: string[] = [];
  let watch: Channel<SessionStatus> | null = null;
  let current = status("stopped");
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    calls.push(cmd);
    if (cmd === "list_seller_accounts") return [account];
    if (cmd === "session_statuses") return [current];
    if (cmd === "watch_sessions") {
      watch = (payload as { onChange: Channel<SessionStatus> }).onChange;
      return null;
    }
    if (cmd === "start_session") return (current = start());
    if (cmd === "stop_session") return (current = status("stopped"));
    throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
  });
  return {
    calls,
    push(next: SessionStatus) {
      current = next;
      watch!.onmessage(next);
    },
  };
}

/** The session bar once its state is known. */
const bar = async () => {
  await screen.findByTestId("session-state");
  return within(screen.getByTestId("session-bar"));
};

describe("SessionControls", () => {
  beforeEach(() => resetSessionWatchForTests());

  it("starts a session, shows it running with the external VNC address, follows pushed health, stops it", async () => {
    const fake = backend(() => status("running", { vncPort: 5901 }));
    renderWithProviders(<AccountsPage />);
    const user = userEvent.setup();
    expect((await bar()).getByTestId("session-state").textContent).toContain("Arrêtée");

    await user.click((await bar()).getByTestId("session-start"));
    await waitFor(async () => expect((await bar()).getByTestId("session-state").textContent).toContain("Lancée, non connectée"));
    expect((await bar()).getByTestId("session-vnc").textContent).toBe(
      "Client VNC externe : 127.0.0.1:5901 (mot de passe VNC du compte)",
    );
    expect((await bar()).getByTestId("session-watch")).toBeTruthy();

    fake.push(status("needsAttention", { reason: "challenge", vncPort: 5901 }));
    await waitFor(async () => expect((await bar()).getByTestId("session-state").textContent).toContain("Action requise"));
    expect((await bar()).getByTestId("session-reason").textContent).toContain("captcha");

    fake.push(status("stopped", { reason: "browserExited" }));
    await waitFor(async () => expect((await bar()).getByTestId("session-reason").getAttribute("data-reason")).toBe("browserExited"));
    expect((await bar()).getByTestId("session-start")).toBeTruthy();
    expect(fake.calls.filter((c) => c === "watch_sessions")).toHaveLength(1);
  });

  it("says precisely why a session did not start, and keeps saying it until the next try", async () => {
    mockIPC((cmd: string) => {
      if (cmd === "list_seller_accounts") return [account];
      if (cmd === "session_statuses") return [status("stopped")];
      if (cmd === "watch_sessions") return null;
      if (cmd === "start_session") throw { code: "proxyAuthRejected", message: "proxy refused", fields: [] } satisfies AppError;
      throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
    });
    renderWithProviders(<AccountsPage />);
    const user = userEvent.setup();
    await user.click((await bar()).getByTestId("session-start"));
    const error = await screen.findByTestId("session-error");
    expect(error.textContent).toBe(
      "La session de Boutique Marie n’a pas démarré. Le proxy a refusé l’identifiant ou le mot de passe.",
    );
    expect(error.getAttribute("data-code")).toBe("proxyAuthRejected");
  });

  it("says the live view is Linux-only where sessions show the browser on the desktop", async () => {
    mockIPC((cmd: string) => {
      if (cmd === "list_seller_accounts") return [account];
      if (cmd === "session_statuses") return [status("running", { vncSupported: false })];
      if (cmd === "watch_sessions") return null;
      throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
    });
    renderWithProviders(<AccountsPage />);
    expect((await screen.findByTestId("session-vnc-linux-only")).textContent).toContain("Linux");
    expect(screen.queryByTestId("session-watch")).toBeNull();
  });
});
