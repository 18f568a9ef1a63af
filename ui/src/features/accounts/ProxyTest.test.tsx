import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it, vi } from "vitest";
import type { AppError, ProxyTestInput, ProxyTestResult, SellerAccount } from "../../bindings";
import { renderWithProviders } from "../../test/utils";
import { AccountForm } from "./AccountForm";

const saved: SellerAccount = {
  id: "acc-1",
  name: "Boutique Marie",
  username: "marie_vend",
  email: null,
  avatar: "M",
  vintedBaseUrl: "https://www.vinted.fr",
  proxy: { kind: "socks5", host: "10.0.0.7", port: 1080, user: "marie" },
  isConnected: false,
  isRunning: false,
  lastSessionStart: null,
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
  hasVintedPassword: true,
  hasProxyPassword: true,
  hasVncPassword: false,
};

/** A fake Rust side for `test_proxy`: `answer` gets what was sent and returns, throws or waits. */
function fakeBackend(answer: (input: ProxyTestInput) => Promise<ProxyTestResult> | ProxyTestResult) {
  const sent: ProxyTestInput[] = [];
  const other: string[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    if (cmd === "test_proxy") {
      const input = (payload as { input: ProxyTestInput }).input;
      sent.push(input);
      return answer(input);
    }
    other.push(cmd);
    throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
  });
  return { sent, other };
}

function renderForm(account: SellerAccount | null) {
  renderWithProviders(<AccountForm account={account} onClose={vi.fn()} onSaved={vi.fn()} onDeleted={vi.fn()} />);
}

const button = () => screen.getByTestId("test-proxy") as HTMLButtonElement;

describe("AccountForm › Tester le proxy", () => {
  it("tests the saved account's proxy with its saved password (keep), spinning, then shows the exit address and latency", async () => {
    let release: (r: ProxyTestResult) => void = () => {};
    const backend = fakeBackend(() => new Promise<ProxyTestResult>((resolve) => (release = resolve)));
    renderForm(saved);
    const user = userEvent.setup();

    expect(button().disabled).toBe(false);
    expect(button().textContent).toBe("Tester le proxy");
    await user.click(button());

    // While the app tests: a spinner, the button disabled.
    expect(await screen.findByTestId("proxy-test-spinner")).toBeTruthy();
    expect(button().disabled).toBe(true);
    expect(button().textContent).toBe("Test du proxy…");
    expect(backend.sent).toEqual([
      { kind: "socks5", host: "10.0.0.7", port: 1080, user: "marie", password: { kind: "keep" }, accountId: "acc-1" },
    ]);

    release({ exitIp: "203.0.113.7", latencyMs: 182 });
    const ok = await screen.findByTestId("proxy-test-ok");
    expect(ok.textContent).toBe("Sortie : 203.0.113.7 · 182 ms");
    expect(ok.getAttribute("data-exit-ip")).toBe("203.0.113.7");
    expect(screen.queryByTestId("proxy-test-spinner")).toBeNull();
    expect(button().disabled).toBe(false);
    // Testing saves nothing.
    expect(backend.other).toEqual([]);

    // The result no longer holds once the proxy is edited.
    await user.type(screen.getByTestId("account-proxy-port"), "0");
    expect(screen.queryByTestId("proxy-test-ok")).toBeNull();
  });

  it("sends the password being typed (set) and says precisely that the proxy refused it", async () => {
    const backend = fakeBackend((input) => {
      if (input.password.kind === "set" && input.password.value === "Good-Proxy-Pw") return { exitIp: "127.0.0.2", latencyMs: 3 };
      throw { code: "proxyAuthRejected", message: "the proxy refused the user name or password", fields: [] } satisfies AppError;
    });
    renderForm(saved);
    const user = userEvent.setup();

    await user.click(screen.getByTestId("secret-change-proxy"));
    await user.type(screen.getByTestId("account-proxy-password"), "Wrong-Proxy-Pw");
    await user.click(button());
    const error = await screen.findByTestId("proxy-test-error");
    expect(error.getAttribute("data-code")).toBe("proxyAuthRejected");
    expect(error.textContent).toBe("Le proxy a refusé l’identifiant ou le mot de passe.");
    expect(backend.sent[0].password).toEqual({ kind: "set", value: "Wrong-Proxy-Pw" });
    expect(backend.sent[0].accountId).toBe("acc-1");

    // Typing again forgets the failure; the right password passes.
    await user.clear(screen.getByTestId("account-proxy-password"));
    expect(screen.queryByTestId("proxy-test-error")).toBeNull();
    await user.type(screen.getByTestId("account-proxy-password"), "Good-Proxy-Pw");
    await user.click(button());
    expect((await screen.findByTestId("proxy-test-ok")).getAttribute("data-exit-ip")).toBe("127.0.0.2");
    expect(backend.sent[1].password).toEqual({ kind: "set", value: "Good-Proxy-Pw" });

    // "Remove" tests without any password; "cancel" goes back to the saved one.
    await user.click(screen.getByTestId("secret-undo-proxy"));
    await user.click(button());
    await waitFor(() => expect(backend.sent).toHaveLength(3));
    expect(backend.sent[2].password).toEqual({ kind: "keep" });
    await user.click(screen.getByTestId("secret-clear-proxy"));
    await user.click(button());
    await waitFor(() => expect(backend.sent).toHaveLength(4));
    expect(backend.sent[3].password).toEqual({ kind: "clear" });
    expect(backend.other).toEqual([]);
  });

  it("in a new account: disabled until host and port are typed, and every failure has its own sentence", async () => {
    let failure: AppError["code"] = "proxyTimeout";
    const backend = fakeBackend(() => {
      throw { code: failure, message: "detail", fields: [] } satisfies AppError;
    });
    renderForm(null);
    const user = userEvent.setup();

    expect(screen.queryByTestId("test-proxy")).toBeNull();
    await user.selectOptions(screen.getByTestId("account-proxy-type"), "http");
    expect(button().disabled).toBe(true);
    await user.type(screen.getByTestId("account-proxy-host"), " proxy.example.net ");
    expect(button().disabled).toBe(true);
    await user.type(screen.getByTestId("account-proxy-port"), "3128");
    expect(button().disabled).toBe(false);

    const sentences: Partial<Record<AppError["code"], string>> = {
      proxyTimeout: "Le proxy n’a pas répondu à temps (15 secondes).",
      proxyUnreachable: "Impossible de joindre le proxy (connexion refusée ou hôte introuvable) : vérifiez l’hôte et le port.",
      notAProxy: "Un serveur répond à cette adresse, mais pas comme un proxy de ce type : vérifiez le type et le port.",
      proxyTargetRefused: "Le proxy répond, mais refuse de joindre le service de test d’adresse.",
      proxyTls: "La connexion chiffrée (TLS) au proxy https a échoué : son certificat n’est pas reconnu par ce système ou ne correspond pas à son adresse.",
      proxyUnsupported: "Ce proxy ne peut pas être utilisé (mot de passe SOCKS5 vide ou trop long).",
    };
    for (const [code, sentence] of Object.entries(sentences)) {
      failure = code as AppError["code"];
      await user.click(button());
      await waitFor(() => expect(screen.getByTestId("proxy-test-error").getAttribute("data-code")).toBe(code));
      expect(screen.getByTestId("proxy-test-error").textContent).toBe(sentence);
    }
    // No saved password to use in a new account: nothing typed is sent as keep, without an id.
    expect(backend.sent[0]).toEqual({ kind: "http", host: "proxy.example.net", port: 3128, user: null, password: { kind: "keep" }, accountId: null });

    // A port out of range is shown next to the field, without calling the app.
    await user.clear(screen.getByTestId("account-proxy-port"));
    await user.type(screen.getByTestId("account-proxy-port"), "70000");
    const calls = backend.sent.length;
    await user.click(button());
    expect(screen.getByTestId("error-proxyPort").textContent).toBe("Entrez un port entre 1 et 65535.");
    expect(backend.sent).toHaveLength(calls);
  });
});
