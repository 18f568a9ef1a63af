import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AppError, ConflictView, SignInInput, SyncStatusView } from "../../bindings";
import i18n from "../../i18n";
import { normalizeSpaces, renderWithProviders } from "../../test/utils";
import { SyncPage } from "./SyncPage";

type Call = { cmd: string; payload: Record<string, unknown> };

const signedOut: SyncStatusView = {
  signedIn: false,
  server: null,
  email: null,
  lastSyncAt: null,
  lastError: null,
  lastErrorCode: null,
  waitingRows: 0,
  conflicts: [],
  syncing: false,
  restoredAt: null,
};

const conflict: ConflictView = {
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
};

const signedIn = (patch: Partial<SyncStatusView> = {}): SyncStatusView => ({
  signedIn: true,
  server: "https://sync.example.org",
  email: "marie@example.org",
  lastSyncAt: "2026-03-02T10:30:00Z",
  lastError: null,
  lastErrorCode: null,
  waitingRows: 0,
  conflicts: [],
  syncing: false,
  restoredAt: null,
  ...patch,
});

/** A promise the test settles itself, to look at the page while a command runs. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A fake Rust side: `status` is what sync_status answers (changed by the test or by the
 * commands); `answer` may answer (or throw for) any command first.
 */
function fakeBackend(initial: SyncStatusView, answer: (cmd: string, payload: Record<string, unknown>) => unknown = () => undefined) {
  const calls: Call[] = [];
  const backend = { calls, status: initial };
  mockIPC(async (cmd: string, payload?: InvokeArgs) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, payload: p });
    const out = await answer(cmd, p);
    if (out !== undefined) return (backend.status = out as SyncStatusView);
    if (cmd === "sync_status") return backend.status;
    if (cmd === "sync_now") return (backend.status = { ...backend.status, lastSyncAt: "2026-03-02T11:00:00Z" });
    if (cmd === "sync_sign_out") return (backend.status = signedOut);
    if (cmd === "choose_sync_conflict_value") {
      const { table, id, column } = p as { table: string; id: string; column: string };
      const left = backend.status.conflicts.filter((c) => !(c.table === table && c.id === id && c.column === column));
      return (backend.status = { ...backend.status, conflicts: left });
    }
    if (cmd === "resolve_sync_conflict") {
      const { table, id, column } = p as { table: string; id: string; column: string };
      const left = backend.status.conflicts.filter((c) => !(c.table === table && c.id === id && c.column === column));
      return (backend.status = { ...backend.status, conflicts: left });
    }
    throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
  });
  return backend;
}

const sent = (calls: Call[], cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.payload);
const input = (testId: string) => screen.getByTestId(testId) as HTMLInputElement;
const button = (testId: string) => screen.getByTestId(testId) as HTMLButtonElement;
const frDateTime = (iso: string, style: "long" | "medium") =>
  normalizeSpaces(new Intl.DateTimeFormat("fr", { dateStyle: style, timeStyle: "short" }).format(new Date(iso)));

afterEach(() => {
  vi.useRealTimers();
});

describe("SyncPage, signed out", () => {
  it("says a restored backup took a new identity and asks to sign in again", async () => {
    fakeBackend({ ...signedOut, restoredAt: "2026-03-02T08:00:00Z" });
    renderWithProviders(<SyncPage />);
    const note = await screen.findByTestId("sync-restored");
    expect(normalizeSpaces(note.textContent)).toContain("restaurées depuis une sauvegarde le " + frDateTime("2026-03-02T08:00:00Z", "medium"));
    expect(note.textContent).toContain("Reconnectez-vous");
    expect(screen.getByTestId("sync-sign-in-form")).toBeTruthy();
  });


  it("explains what signing in does, sends the typed input with Enter, says a wrong password in French and clears it", async () => {
    const attempt = deferred<never>();
    const backend = fakeBackend(signedOut, (cmd) => (cmd === "sync_sign_in" ? attempt.promise : undefined));
    renderWithProviders(<SyncPage />);
    const user = userEvent.setup();

    const form = await screen.findByTestId("sync-sign-in-form");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Synchronisation");
    const explain = screen.getByTestId("sync-explain").textContent ?? "";
    expect(explain).toContain("restent sur cet appareil");
    expect(explain).toContain("hors ligne");
    expect(explain).toContain("rapatriée ici");
    // Labelled fields; the server address has the focus.
    expect(screen.getByLabelText("Adresse du serveur")).toBe(input("sync-server"));
    expect(screen.getByLabelText("E-mail")).toBe(input("sync-email"));
    expect(screen.getByLabelText("Mot de passe")).toBe(input("sync-password"));
    expect(input("sync-password").type).toBe("password");
    expect(document.activeElement).toBe(input("sync-server"));

    await user.type(input("sync-server"), "  https://sync.example.org ");
    await user.type(input("sync-email"), "marie@example.org");
    await user.type(input("sync-password"), "Mauvais-1{Enter}");

    // Sending: the button is disabled and says so.
    await waitFor(() => expect(button("sync-sign-in").disabled).toBe(true));
    expect(button("sync-sign-in").textContent).toBe("Connexion…");
    expect(form.getAttribute("aria-busy")).toBe("true");
    expect(sent(backend.calls, "sync_sign_in")).toEqual([
      { input: { server: "https://sync.example.org", email: "marie@example.org", password: "Mauvais-1" } satisfies SignInInput },
    ]);

    attempt.reject({ code: "syncBadCredentials", message: "the server refused the e-mail or password", fields: [] } satisfies AppError);
    const error = await screen.findByTestId("sync-sign-in-error");
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.querySelector("p")?.textContent).toBe("E-mail ou mot de passe incorrect.");
    // The English detail is there for support, folded away.
    expect(within(error).getByText("the server refused the e-mail or password").closest("details")).toBeTruthy();
    // The password is cleared and focused for the next try; the rest stays.
    expect(input("sync-password").value).toBe("");
    await waitFor(() => expect(document.activeElement).toBe(input("sync-password")));
    expect(input("sync-server").value).toBe("  https://sync.example.org ");
    expect(input("sync-email").value).toBe("marie@example.org");
    expect(button("sync-sign-in").disabled).toBe(false);
    expect(button("sync-sign-in").textContent).toBe("Se connecter");
  });

  it("asks for the missing fields without calling the server", async () => {
    const backend = fakeBackend(signedOut);
    renderWithProviders(<SyncPage />);
    const user = userEvent.setup();
    await user.type(await screen.findByTestId("sync-server"), "https://sync.example.org");
    await user.click(button("sync-sign-in"));
    expect(screen.getByTestId("sync-email-field-error").textContent).toBe("Ce champ est obligatoire.");
    expect(screen.getByTestId("sync-password-field-error").textContent).toBe("Ce champ est obligatoire.");
    expect(input("sync-email").getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(input("sync-email"));
    expect(sent(backend.calls, "sync_sign_in")).toHaveLength(0);
  });

  it("signs in and shows the signed-in status in place of the form, the first round running in the background", async () => {
    const backend = fakeBackend(signedOut, (cmd) => (cmd === "sync_sign_in" ? signedIn({ lastSyncAt: null, syncing: true, waitingRows: 12 }) : undefined));
    renderWithProviders(<SyncPage />);
    const user = userEvent.setup();
    await user.type(await screen.findByTestId("sync-server"), "http://127.0.0.1:8787");
    await user.type(input("sync-email"), "marie@example.org");
    await user.type(input("sync-password"), "Bon-mot-de-passe");
    await user.click(button("sync-sign-in"));

    const status = await screen.findByTestId("sync-status");
    expect(screen.queryByTestId("sync-sign-in-form")).toBeNull();
    expect(within(status).getByTestId("sync-last").textContent).toBe("jamais");
    expect(button("sync-now").disabled).toBe(true); // the first round runs in the background
    expect(screen.getByTestId("sync").getAttribute("data-signed-in")).toBe("true");
    expect(sent(backend.calls, "sync_sign_in")[0].input).toEqual({ server: "http://127.0.0.1:8787", email: "marie@example.org", password: "Bon-mot-de-passe" });
  });

  it("speaks English when the UI is in English", async () => {
    await i18n.changeLanguage("en");
    fakeBackend(signedOut, (cmd) => {
      if (cmd === "sync_sign_in") throw { code: "syncBadCredentials", message: "bad credentials", fields: [] } satisfies AppError;
    });
    renderWithProviders(<SyncPage />);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Server address"), "https://sync.example.org");
    await user.type(screen.getByLabelText("E-mail"), "marie@example.org");
    await user.type(screen.getByLabelText("Password"), "nope{Enter}");
    expect((await screen.findByTestId("sync-sign-in-error")).querySelector("p")?.textContent).toBe("Wrong e-mail or password.");
    expect(button("sync-sign-in").textContent).toBe("Sign in");
  });
});

describe("SyncPage, signed in", () => {
  it("shows where it syncs, what waits, the last problem in plain words, and a conflict to mark as resolved", async () => {
    const backend = fakeBackend(
      signedIn({
        waitingRows: 3,
        lastError: "error sending request for url (https://sync.example.org/v1/push): connection refused",
        lastErrorCode: "syncUnreachable",
        conflicts: [conflict],
      }),
    );
    const onOpenProduct = vi.fn();
    renderWithProviders(<SyncPage onOpenProduct={onOpenProduct} />);
    const user = userEvent.setup();

    const status = await screen.findByTestId("sync-status");
    expect(within(status).getByTestId("sync-account-server").textContent).toBe("https://sync.example.org");
    expect(within(status).getByTestId("sync-account-email").textContent).toBe("marie@example.org");
    expect(normalizeSpaces(screen.getByTestId("sync-last").textContent)).toBe(frDateTime("2026-03-02T10:30:00Z", "long"));
    expect(screen.getByTestId("sync-waiting").textContent).toBe("3 modifications en attente d’envoi");

    const error = screen.getByTestId("sync-error");
    expect(error.getAttribute("data-code")).toBe("syncUnreachable");
    expect(error.querySelector("p")?.textContent).toContain("Le serveur de synchronisation est injoignable");
    expect(error.querySelector("details")?.textContent).toContain("connection refused");
    // Not signed out by the server: no sign-in form.
    expect(screen.queryByTestId("sync-sign-in-form")).toBeNull();

    const conflicts = screen.getByTestId("sync-conflicts");
    const row = within(conflicts).getByTestId("sync-conflict");
    expect(row.getAttribute("data-column")).toBe("sku");
    expect(within(row).getByTestId("sync-conflict-label").textContent).toBe("Robe fleurie");
    expect(within(row).getByTestId("sync-conflict-original").textContent).toBe("ROBE-1");
    expect(within(row).getByTestId("sync-conflict-current").textContent).toBe("ROBE-1-a1b2c3");
    expect(normalizeSpaces(within(row).getByTestId("sync-conflict-detected").textContent)).toBe(frDateTime(conflict.detectedAt, "medium"));
    expect(within(conflicts).getAllByRole("columnheader").map((h) => h.textContent)).toEqual([
      "Élément",
      "Valeur d’origine",
      "Valeur actuelle",
      "Autre élément",
      "Détecté le",
      "Actions",
    ]);

    // The item can be opened to change its SKU.
    await user.click(within(row).getByTestId("sync-conflict-open"));
    expect(onOpenProduct).toHaveBeenCalledWith(conflict.id);

    const resolve = within(row).getByRole("button", { name: "Marquer comme résolu : Robe fleurie" });
    await user.click(resolve);
    expect(await screen.findByTestId("sync-conflicts-empty")).toBeTruthy();
    expect(screen.getByTestId("sync-conflicts-empty").textContent).toContain("Aucun conflit");
    expect(sent(backend.calls, "resolve_sync_conflict")).toEqual([{ table: "seller_products", id: conflict.id, column: "sku" }]);
    expect((await screen.findByTestId("toast")).textContent).toContain("Conflit marqué comme résolu.");
  });

  it("names both items of a conflict and lets the user choose which keeps the SKU", async () => {
    const second: ConflictView = { ...conflict, id: "0190f0a0-0000-7000-8000-0000000000d1", label: "Jupe", current: "JUPE-2-d1d1d1", original: "JUPE-2", otherLabel: "Jupe longue", otherCurrent: "JUPE-2" };
    const backend = fakeBackend(signedIn({ conflicts: [conflict, second] }));
    renderWithProviders(<SyncPage />);
    const user = userEvent.setup();

    const rows = await screen.findAllByTestId("sync-conflict");
    expect(rows).toHaveLength(2);
    const first = rows[0];
    expect(within(first).getByTestId("sync-conflict-other-label").textContent).toBe("Robe rayée");
    expect(within(first).getByTestId("sync-conflict-other-current").textContent).toBe("ROBE-1");
    expect(within(first).getByTestId("sync-conflict-other").getAttribute("data-id")).toBe(conflict.otherId);

    // This item takes ROBE-1 back: the swap is asked for, and the conflict goes.
    const keepHere = within(first).getByRole("button", { name: "Rendre « ROBE-1 » à Robe fleurie (l’autre élément reçoit une valeur distincte)" });
    expect(keepHere.textContent).toBe("Garder « ROBE-1 » ici");
    await user.click(keepHere);
    await waitFor(() => expect(screen.getAllByTestId("sync-conflict")).toHaveLength(1));
    expect(sent(backend.calls, "choose_sync_conflict_value")).toEqual([{ table: "seller_products", id: conflict.id, column: "sku", keep: "this" }]);
    expect((await screen.findByTestId("toast")).textContent).toContain("« ROBE-1 » est rendu à cet élément");

    // The other item keeps JUPE-2.
    const left = screen.getByTestId("sync-conflict");
    await user.click(within(left).getByRole("button", { name: "Laisser « JUPE-2 » à Jupe longue : Jupe garde sa valeur distincte" }));
    expect(await screen.findByTestId("sync-conflicts-empty")).toBeTruthy();
    expect(sent(backend.calls, "choose_sync_conflict_value")[1]).toEqual({ table: "seller_products", id: second.id, column: "sku", keep: "other" });
    expect(sent(backend.calls, "resolve_sync_conflict")).toEqual([]);
  });

  it("says why a choice could not be made", async () => {
    fakeBackend(signedIn({ conflicts: [conflict] }), (cmd) => {
      if (cmd === "choose_sync_conflict_value") throw { code: "duplicateSku", message: "the value ROBE-1 is now held by another item", fields: [] } satisfies AppError;
      return undefined;
    });
    renderWithProviders(<SyncPage />);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("sync-conflict-keep-here"));
    const error = await screen.findByTestId("sync-conflict-choose-error");
    expect(error.getAttribute("data-code")).toBe("duplicateSku");
    expect(error.textContent).toContain("Le choix n’a pas pu être enregistré.");
    expect(screen.getAllByTestId("sync-conflict")).toHaveLength(1);
  });

  it("says when nothing waits, no sync happened yet and there is no conflict", async () => {
    fakeBackend(signedIn({ lastSyncAt: null }));
    renderWithProviders(<SyncPage />);
    expect((await screen.findByTestId("sync-waiting")).textContent).toContain("Tout est envoyé");
    expect(screen.getByTestId("sync-waiting").getAttribute("data-count")).toBe("0");
    expect(screen.getByTestId("sync-last").textContent).toBe("jamais");
    expect(screen.getByTestId("sync-conflicts-empty").textContent).toContain("Aucun conflit");
    expect(screen.queryByTestId("sync-error")).toBeNull();
  });

  it("syncs now: the button calls sync_now and stays disabled, showing progress, until the round is over", async () => {
    const round = deferred<SyncStatusView>();
    const backend = fakeBackend(signedIn({ waitingRows: 2 }), (cmd) => (cmd === "sync_now" ? round.promise : undefined));
    const { queryClient } = renderWithProviders(<SyncPage />);
    const user = userEvent.setup();
    // What another area read before: a round may have changed it.
    queryClient.setQueryData(["products", {}], { items: [], total: 0 });

    const syncNow = await screen.findByTestId("sync-now");
    expect(syncNow.textContent).toBe("Synchroniser maintenant");
    // Keyboard: Tab to it (from the page), Enter runs it.
    syncNow.focus();
    await user.keyboard("{Enter}");

    await waitFor(() => expect(button("sync-now").disabled).toBe(true));
    expect(button("sync-now").textContent).toContain("Synchronisation en cours…");
    expect(screen.getByTestId("sync-now-spinner")).toBeTruthy();
    expect(screen.getByTestId("sync-status").getAttribute("aria-busy")).toBe("true");
    expect(sent(backend.calls, "sync_now")).toHaveLength(1);
    // A second press while it runs does nothing.
    await user.click(button("sync-now"));
    expect(sent(backend.calls, "sync_now")).toHaveLength(1);

    round.resolve(signedIn({ waitingRows: 0, lastSyncAt: "2026-03-02T11:00:00Z" }));
    await waitFor(() => expect(button("sync-now").disabled).toBe(false));
    expect(button("sync-now").textContent).toBe("Synchroniser maintenant");
    expect(screen.getByTestId("sync-waiting").textContent).toContain("Tout est envoyé");
    expect(screen.getByTestId("sync-last").getAttribute("data-value")).toBe("2026-03-02T11:00:00Z");
    expect((await screen.findByTestId("toast")).textContent).toContain("Synchronisation terminée.");
    await waitFor(() => expect(queryClient.getQueryState(["products", {}])?.isInvalidated).toBe(true));
  });

  it("keeps the button disabled while a background round runs", async () => {
    fakeBackend(signedIn({ syncing: true }));
    renderWithProviders(<SyncPage />);
    await screen.findByTestId("sync-status");
    expect(button("sync-now").disabled).toBe(true);
    expect(button("sync-now").textContent).toContain("Synchronisation en cours…");
  });

  it("says why sync now failed when the status does not already say it", async () => {
    fakeBackend(signedIn(), (cmd) => {
      if (cmd === "sync_now") throw { code: "keyringLocked", message: "locked", fields: [] } satisfies AppError;
    });
    renderWithProviders(<SyncPage />);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("sync-now"));
    const error = await screen.findByTestId("sync-now-error");
    expect(error.textContent).toContain("La synchronisation n’a pas abouti.");
    expect(error.textContent).toContain("Le trousseau de mots de passe du système est verrouillé");
  });

  it("reads the status again by itself, so a background round shows up", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const backend = fakeBackend(signedIn({ waitingRows: 4, syncing: true }));
    renderWithProviders(<SyncPage />);
    expect((await screen.findByTestId("sync-waiting")).textContent).toBe("4 modifications en attente d’envoi");

    backend.status = signedIn({ waitingRows: 0, lastSyncAt: "2026-03-02T11:05:00Z" });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(3500);
    });
    await waitFor(() => expect(screen.getByTestId("sync-waiting").textContent).toContain("Tout est envoyé"));
    expect(button("sync-now").disabled).toBe(false);
    expect(sent(backend.calls, "sync_status").length).toBeGreaterThanOrEqual(2);
  });

  it("asks to sign in again, pre-filled, when the server signed this device out", async () => {
    const backend = fakeBackend(
      signedIn({ lastErrorCode: "syncSignedOut", lastError: "the device token was revoked" }),
      (cmd) => (cmd === "sync_sign_in" ? signedIn() : undefined),
    );
    renderWithProviders(<SyncPage />);
    const user = userEvent.setup();

    const form = await screen.findByTestId("sync-sign-in-form");
    expect(form.getAttribute("data-mode")).toBe("reconnect");
    expect(screen.getByTestId("sync-error").textContent).toContain("reconnectez-vous");
    expect(input("sync-server").value).toBe("https://sync.example.org");
    expect(input("sync-email").value).toBe("marie@example.org");
    expect(document.activeElement).toBe(input("sync-password"));

    await user.type(input("sync-password"), "Bon-mot-de-passe{Enter}");
    await waitFor(() => expect(screen.queryByTestId("sync-sign-in-form")).toBeNull());
    expect(sent(backend.calls, "sync_sign_in")[0].input).toEqual({
      server: "https://sync.example.org",
      email: "marie@example.org",
      password: "Bon-mot-de-passe",
    });
  });

  it("signs out after a confirmation saying the data stays on this device", async () => {
    const backend = fakeBackend(signedIn({ waitingRows: 2 }));
    renderWithProviders(<SyncPage />);
    const user = userEvent.setup();

    await user.click(await screen.findByTestId("sync-sign-out"));
    const dialog = screen.getByTestId("confirm-sign-out-dialog");
    expect(dialog.textContent).toContain("Vos données restent sur cet appareil");
    expect(dialog.textContent).toContain("2 modifications n’ont pas encore été envoyées");
    // Cancel first: nothing happens.
    await user.click(screen.getByTestId("confirm-sign-out-cancel"));
    expect(screen.queryByTestId("confirm-sign-out-dialog")).toBeNull();
    expect(sent(backend.calls, "sync_sign_out")).toHaveLength(0);

    await user.click(screen.getByTestId("sync-sign-out"));
    await user.click(screen.getByTestId("confirm-sign-out"));
    expect(await screen.findByTestId("sync-sign-in-form")).toBeTruthy();
    expect(sent(backend.calls, "sync_sign_out")).toHaveLength(1);
    expect((await screen.findByTestId("toast")).textContent).toContain("Déconnecté du serveur");
  });
});
