import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it, vi } from "vitest";
import type { AccountDraft, AccountSecretsInput, AppError, SellerAccount } from "../../bindings";
import { renderWithProviders } from "../../test/utils";
import { AccountForm } from "./AccountForm";

type Call = { cmd: string; payload: Record<string, unknown> };

const saved: SellerAccount = {
  id: "acc-1",
  name: "Boutique Marie",
  username: "marie_vend",
  email: "marie@example.org",
  avatar: "M",
  vintedBaseUrl: "https://www.vinted.be",
  proxy: { kind: "socks5", host: "10.0.0.7", port: 1080, user: "marie" },
  isConnected: false,
  isRunning: false,
  lastSessionStart: null,
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
  hasVintedPassword: true,
  hasProxyPassword: true,
  hasVncPassword: true,
};

function stored(draft: AccountDraft, secrets: AccountSecretsInput, id = "acc-new"): SellerAccount {
  return {
    ...saved,
    ...draft,
    id,
    hasVintedPassword: secrets.vinted.kind === "set",
    hasProxyPassword: secrets.proxy.kind === "set",
    hasVncPassword: secrets.vnc.kind === "set",
  };
}

/** A fake Rust side: `answer` decides what a write returns (or throws). */
function fakeBackend(answer: (cmd: string, payload: Record<string, unknown>) => unknown = () => undefined) {
  const calls: Call[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, payload: p });
    if (cmd === "list_seller_accounts") return [];
    const out = answer(cmd, p);
    if (out !== undefined) return out;
    if (cmd === "create_account") return stored(p.draft as AccountDraft, p.secrets as AccountSecretsInput);
    if (cmd === "update_account") return stored(p.draft as AccountDraft, p.secrets as AccountSecretsInput, p.id as string);
    if (cmd === "delete_account") return null;
    throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
  });
  return calls;
}

function renderForm(account: SellerAccount | null = null) {
  const props = { onClose: vi.fn(), onSaved: vi.fn(), onDeleted: vi.fn() };
  renderWithProviders(<AccountForm account={account} {...props} />);
  return props;
}

const writes = (calls: Call[], cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.payload);
const passwordInputs = () => Array.from(document.querySelectorAll<HTMLInputElement>('input[type="password"]'));

describe("AccountForm", () => {
  it("creates an account: fields as typed, the domain as a base URL, each password sent once as set", async () => {
    const calls = fakeBackend();
    const props = renderForm();
    const user = userEvent.setup();

    // The name field has the focus; nothing is pre-filled.
    expect(document.activeElement).toBe(screen.getByTestId("account-name"));
    expect(passwordInputs().map((i) => i.value)).toEqual(["", ""]);
    expect((screen.getByTestId("account-domain") as HTMLSelectElement).value).toBe("https://www.vinted.fr");

    await user.type(screen.getByTestId("account-name"), "boutique Lou");
    await user.type(screen.getByTestId("account-username"), "lou_vend");
    await user.type(screen.getByTestId("account-email"), "lou@example.org");
    await user.selectOptions(screen.getByTestId("account-domain"), "https://www.vinted.co.uk");
    await user.selectOptions(screen.getByTestId("account-proxy-type"), "socks5");
    await user.type(screen.getByTestId("account-proxy-host"), "proxy.example.net");
    await user.type(screen.getByTestId("account-proxy-port"), "1080");
    await user.type(screen.getByTestId("account-proxy-user"), "lou");
    await user.type(screen.getByTestId("account-proxy-password"), "Proxy-Secret-1");
    await user.type(screen.getByTestId("account-vinted-password"), "Vinted-Secret-1");
    await user.type(screen.getByTestId("account-vnc-password"), "Vnc123456789");
    // VNC uses only the first 8 characters: the form says so.
    expect(screen.getByText("Seuls les 8 premiers caractères serviront pour VNC.")).toBeTruthy();
    // Enter submits.
    await user.type(screen.getByTestId("account-username"), "{Enter}");

    await waitFor(() => expect(props.onSaved).toHaveBeenCalled());
    const [sent] = writes(calls, "create_account");
    expect(sent.draft).toEqual({
      name: "boutique Lou",
      username: "lou_vend",
      email: "lou@example.org",
      avatar: "B",
      vintedBaseUrl: "https://www.vinted.co.uk",
      proxy: { kind: "socks5", host: "proxy.example.net", port: 1080, user: "lou" },
    });
    expect(sent.secrets).toEqual({
      vinted: { kind: "set", value: "Vinted-Secret-1" },
      proxy: { kind: "set", value: "Proxy-Secret-1" },
      vnc: { kind: "set", value: "Vnc123456789" },
    });
  });

  it("creates an account without passwords or proxy: every secret is kept (none sent)", async () => {
    const calls = fakeBackend();
    renderForm();
    const user = userEvent.setup();
    await user.type(screen.getByTestId("account-name"), "Sans secret");
    await user.type(screen.getByTestId("account-avatar"), "Z");
    await user.click(screen.getByTestId("save-account"));
    await waitFor(() => expect(writes(calls, "create_account")).toHaveLength(1));
    const [sent] = writes(calls, "create_account");
    expect((sent.draft as AccountDraft).avatar).toBe("Z");
    expect((sent.draft as AccountDraft).proxy).toBeNull();
    expect(sent.secrets).toEqual({ vinted: { kind: "keep" }, proxy: { kind: "keep" }, vnc: { kind: "keep" } });
  });

  it("never shows a saved password: 'saved' with change and remove, mapped to keep, set and clear", async () => {
    const calls = fakeBackend();
    const props = renderForm(saved);
    const user = userEvent.setup();

    expect((screen.getByTestId("account-name") as HTMLInputElement).value).toBe("Boutique Marie");
    expect((screen.getByTestId("account-proxy-user") as HTMLInputElement).value).toBe("marie");
    // No password input at all, only the "saved" indicators.
    expect(passwordInputs()).toHaveLength(0);
    for (const key of ["vinted", "proxy", "vnc"]) {
      expect(screen.getByTestId(`secret-saved-${key}`).textContent).toContain("enregistré");
      expect(screen.getByTestId(`secret-change-${key}`)).toBeTruthy();
      expect(screen.getByTestId(`secret-clear-${key}`)).toBeTruthy();
    }

    // Change the proxy's: an empty input, focused.
    await user.click(screen.getByTestId("secret-change-proxy"));
    const proxyPassword = screen.getByTestId("account-proxy-password") as HTMLInputElement;
    expect(proxyPassword.value).toBe("");
    expect(document.activeElement).toBe(proxyPassword);
    await user.type(proxyPassword, "New-Proxy-Secret");
    // Remove the VNC one; change the Vinted one, then think better of it.
    await user.click(screen.getByTestId("secret-clear-vnc"));
    expect(screen.getByTestId("secret-removed-vnc")).toBeTruthy();
    await user.click(screen.getByTestId("secret-change-vinted"));
    await user.type(screen.getByTestId("account-vinted-password"), "typo");
    await user.click(screen.getByTestId("secret-undo-vinted"));
    expect(screen.queryByTestId("account-vinted-password")).toBeNull();

    await user.click(screen.getByTestId("save-account"));
    await waitFor(() => expect(props.onSaved).toHaveBeenCalled());
    const [sent] = writes(calls, "update_account");
    expect(sent.id).toBe("acc-1");
    expect(sent.secrets).toEqual({
      vinted: { kind: "keep" },
      proxy: { kind: "set", value: "New-Proxy-Secret" },
      vnc: { kind: "clear" },
    });
    expect((sent.draft as AccountDraft).vintedBaseUrl).toBe("https://www.vinted.be");
  });

  it("leaving the proxy forgets its saved password", async () => {
    const calls = fakeBackend();
    renderForm(saved);
    const user = userEvent.setup();
    await user.selectOptions(screen.getByTestId("account-proxy-type"), "");
    expect(screen.queryByTestId("account-proxy-host")).toBeNull();
    await user.click(screen.getByTestId("save-account"));
    await waitFor(() => expect(writes(calls, "update_account")).toHaveLength(1));
    const [sent] = writes(calls, "update_account");
    expect((sent.draft as AccountDraft).proxy).toBeNull();
    expect(sent.secrets).toEqual({ vinted: { kind: "keep" }, proxy: { kind: "clear" }, vnc: { kind: "keep" } });
  });

  it("shows a base URL that is not in the list as 'Other site…' with the address in its input, and saves it unchanged", async () => {
    const calls = fakeBackend();
    const props = renderForm({ ...saved, vintedBaseUrl: "https://www.vinted.example" });
    const select = screen.getByTestId("account-domain") as HTMLSelectElement;
    expect(select.value).toBe("other");
    expect(select.selectedOptions[0].textContent).toBe("Autre site…");
    // The list offers Vinted's sites and "Other site…", not the saved address.
    expect(Array.from(select.options).some((o) => o.value === "https://www.vinted.pl")).toBe(true);
    expect(Array.from(select.options).some((o) => o.value === "https://www.vinted.example")).toBe(false);
    expect((screen.getByTestId("account-other-site") as HTMLInputElement).value).toBe("https://www.vinted.example");
    // Loaded that way, the address field does not take the focus from the name.
    expect(document.activeElement).toBe(screen.getByTestId("account-name"));

    await userEvent.setup().click(screen.getByTestId("save-account"));
    await waitFor(() => expect(props.onSaved).toHaveBeenCalled());
    expect((writes(calls, "update_account")[0].draft as AccountDraft).vintedBaseUrl).toBe("https://www.vinted.example");
  });

  it("'Other site…' takes any https address or plain http on this machine, and says what is wrong with others", async () => {
    const calls = fakeBackend();
    const props = renderForm();
    const user = userEvent.setup();
    await user.type(screen.getByTestId("account-name"), "Bac à sable");
    expect(screen.queryByTestId("account-other-site")).toBeNull();
    await user.selectOptions(screen.getByTestId("account-domain"), "other");
    const input = screen.getByTestId("account-other-site") as HTMLInputElement;
    // Chosen just now: the address is typed next.
    expect(document.activeElement).toBe(input);

    await user.click(screen.getByTestId("save-account"));
    expect(screen.getByTestId("error-vintedBaseUrl").textContent).toBe("Entrez l’adresse du site, par exemple https://www.vinted.fr.");

    await user.type(input, "http://example.com");
    await user.click(screen.getByTestId("save-account"));
    expect(screen.getByTestId("error-vintedBaseUrl").textContent).toContain("http:// n’est accepté que pour cet ordinateur");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(input);

    await user.clear(input);
    await user.type(input, "https://www.vinted.example/fr/");
    await user.click(screen.getByTestId("save-account"));
    expect(screen.getByTestId("error-vintedBaseUrl").textContent).toContain("pas de chemin");

    await user.clear(input);
    await user.type(input, "http://127.0.0.1:99999");
    await user.click(screen.getByTestId("save-account"));
    expect(screen.getByTestId("error-vintedBaseUrl").textContent).toBe("Le port doit être un nombre entre 1 et 65535.");
    expect(writes(calls, "create_account")).toHaveLength(0);

    await user.clear(input);
    await user.type(input, "http://127.0.0.1:8080/");
    await user.click(screen.getByTestId("save-account"));
    await waitFor(() => expect(props.onSaved).toHaveBeenCalled());
    expect((writes(calls, "create_account")[0].draft as AccountDraft).vintedBaseUrl).toBe("http://127.0.0.1:8080");
  });

  it("accepts https://www.vinted.example as another site", async () => {
    const calls = fakeBackend();
    const props = renderForm();
    const user = userEvent.setup();
    await user.type(screen.getByTestId("account-name"), "Autre");
    await user.selectOptions(screen.getByTestId("account-domain"), "other");
    await user.type(screen.getByTestId("account-other-site"), " https://www.vinted.example ");
    await user.click(screen.getByTestId("save-account"));
    await waitFor(() => expect(props.onSaved).toHaveBeenCalled());
    expect((writes(calls, "create_account")[0].draft as AccountDraft).vintedBaseUrl).toBe("https://www.vinted.example");
    expect(screen.queryByTestId("error-vintedBaseUrl")).toBeNull();
  });

  it("shows the app's refusal of another site under its address", async () => {
    fakeBackend((cmd) => {
      if (cmd === "create_account") throw { code: "validation", message: "invalid input", fields: [{ field: "vintedBaseUrl", code: "invalid" }] } satisfies AppError;
      return undefined;
    });
    renderForm();
    const user = userEvent.setup();
    await user.type(screen.getByTestId("account-name"), "Autre");
    await user.selectOptions(screen.getByTestId("account-domain"), "other");
    await user.type(screen.getByTestId("account-other-site"), "https://www.vinted.example");
    await user.click(screen.getByTestId("save-account"));
    const error = await screen.findByTestId("error-vintedBaseUrl");
    expect(error.textContent).toContain("Adresse refusée");
    expect(screen.getByTestId("account-other-site").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByTestId("account-domain").getAttribute("aria-invalid")).toBeNull();
  });

  it("shows wrong fields next to them without calling the app", async () => {
    const calls = fakeBackend();
    renderForm();
    const user = userEvent.setup();
    await user.type(screen.getByTestId("account-avatar"), "AB");
    await user.type(screen.getByTestId("account-email"), "pas-un-email");
    await user.selectOptions(screen.getByTestId("account-proxy-type"), "http");
    await user.type(screen.getByTestId("account-proxy-port"), "70000");
    await user.click(screen.getByTestId("save-account"));

    expect(screen.getByTestId("error-name").textContent).toBe("Ce champ est obligatoire.");
    expect(screen.getByTestId("error-email").textContent).toBe("Adresse e-mail invalide.");
    expect(screen.getByTestId("error-avatar").textContent).toBe("Un seul caractère.");
    expect(screen.getByTestId("error-proxyHost").textContent).toBe("Ce champ est obligatoire.");
    expect(screen.getByTestId("error-proxyPort").textContent).toBe("Entrez un port entre 1 et 65535.");
    expect(screen.getByTestId("account-name").getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(screen.getByTestId("account-name"));
    expect(writes(calls, "create_account")).toHaveLength(0);
  });

  it("shows the app's field errors next to their fields and a keyring failure in a banner", async () => {
    let answer: AppError = {
      code: "validation",
      message: "invalid input",
      fields: [
        { field: "vintedBaseUrl", code: "invalid" },
        { field: "vintedPassword", code: "required" },
      ],
    };
    fakeBackend((cmd) => {
      if (cmd === "create_account") throw answer;
      return undefined;
    });
    const props = renderForm();
    const user = userEvent.setup();
    await user.type(screen.getByTestId("account-name"), "Marie");
    await user.type(screen.getByTestId("account-vinted-password"), "Vinted-Secret-2");
    await user.click(screen.getByTestId("save-account"));
    expect((await screen.findByTestId("error-vintedBaseUrl")).textContent).toContain("Adresse refusée");
    expect(screen.getByTestId("error-vintedPassword").textContent).toBe("Ce champ est obligatoire.");
    expect(screen.queryByTestId("account-form-error")).toBeNull();

    answer = { code: "keyringLocked", message: "the system keyring is locked", fields: [] };
    await user.click(screen.getByTestId("save-account"));
    const banner = await screen.findByTestId("account-form-error");
    expect(banner.textContent).toContain("Le trousseau de mots de passe du système est verrouillé");
    // What was typed stays, for another try; nothing was saved.
    expect((screen.getByTestId("account-vinted-password") as HTMLInputElement).value).toBe("Vinted-Secret-2");
    expect(props.onSaved).not.toHaveBeenCalled();
  });

  it("asks before deleting an account", async () => {
    const calls = fakeBackend();
    const props = renderForm(saved);
    const user = userEvent.setup();
    await user.click(screen.getByTestId("delete-account"));
    expect(screen.getByTestId("confirm-delete-account-dialog").textContent).toContain("Boutique Marie");
    await user.click(screen.getByTestId("confirm-delete-account-cancel"));
    expect(writes(calls, "delete_account")).toHaveLength(0);

    await user.click(screen.getByTestId("delete-account"));
    await user.click(screen.getByTestId("confirm-delete-account"));
    await waitFor(() => expect(props.onDeleted).toHaveBeenCalled());
    expect(writes(calls, "delete_account")).toEqual([{ id: "acc-1" }]);
  });

  it("asks before dropping what was typed on Escape", async () => {
    fakeBackend();
    const props = renderForm();
    const user = userEvent.setup();
    await user.type(screen.getByTestId("account-name"), "Brouillon");
    await user.keyboard("{Escape}");
    expect(screen.getByTestId("confirm-discard-dialog")).toBeTruthy();
    await user.click(screen.getByTestId("confirm-discard"));
    expect(props.onClose).toHaveBeenCalled();
  });
});
