import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Channel, InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { beforeEach, describe, expect, it } from "vitest";
import type { AppError, AuditRecord, Job, JobFilter, JobProgress, Page, PacingSettings, SellerAccount } from "../../bindings";
import i18n from "../../i18n";
import { renderWithProviders } from "../../test/utils";
import { JobsPage } from "./JobsPage";
import { formatUntil } from "./jobText";
import { resetJobWatchForTests } from "./queries";

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
const other: SellerAccount = { ...account, id: "acc-2", name: "Lou DE" };

const base: Job = {
  id: "job-0",
  accountId: "acc-1",
  kind: "import_listings",
  payload: { linkBySku: true, createItems: false },
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

const inAnHour = new Date(Date.now() + 3_600_000).toISOString();

const jobs: Job[] = [
  { ...base, id: "job-running", state: "running", progressDone: 12, progressTotal: 96 },
  { ...base, id: "job-waiting", state: "waiting", notBefore: inAnHour, errorCode: "hourly_cap", errorMessage: "paced: hourly_cap" },
  {
    ...base,
    id: "job-attention",
    accountId: "acc-2",
    state: "needs_attention",
    errorCode: "captcha",
    errorMessage: "Vinted shows a captcha: solve it in the live view",
  },
  { ...base, id: "job-queued", state: "queued", dryRun: true },
  { ...base, id: "job-done", state: "done", result: { seen: 412, linked: 380, gone: 3, created: 0 }, finishedAt: "2026-12-07T11:00:00.000Z" },
  { ...base, id: "job-failed", state: "failed", errorCode: "endpoint_moved", errorMessage: "GET /api/v2/wardrobe answered 404" },
  { ...base, id: "job-cancelled", state: "cancelled" },
];

const audit: AuditRecord[] = [
  {
    id: "audit-1",
    accountId: "acc-1",
    jobId: "job-x",
    jobKind: "edit_price",
    at: "2026-12-07T10:05:00.000Z",
    method: "PUT",
    path: "/api/v2/item_upload/items/4001",
    summary: null,
    httpStatus: 200,
    outcome: "sent",
    message: null,
  },
  {
    id: "audit-2",
    accountId: null,
    jobId: null,
    jobKind: null,
    at: "2026-12-07T10:06:00.000Z",
    method: "POST",
    path: "/api/v2/items/4002/delete",
    summary: null,
    httpStatus: null,
    outcome: "dry_run",
    message: "dry run",
  },
];

type Call = { cmd: string; payload: Record<string, unknown> };

function fakeBackend(options: { jobs?: Job[]; answer?: (cmd: string, p: Record<string, unknown>) => unknown } = {}) {
  const calls: Call[] = [];
  let list = options.jobs ?? jobs;
  let watch: Channel<JobProgress> | null = null;
  let pacing: PacingSettings = {
    readGapMinMs: 1500,
    readGapMaxMs: 4000,
    writeGapMinMs: 25_000,
    writeGapMaxMs: 50_000,
    writesPerHour: 30,
    writesPerDay: 300,
    relistsPerHour: 4,
    relistsPerDay: 15,
  };
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, payload: p });
    const out = options.answer?.(cmd, p);
    if (out !== undefined) return out;
    if (cmd === "list_seller_accounts") return [account, other];
    if (cmd === "list_jobs") {
      const filter = p.filter as JobFilter;
      const items = list.filter((j) => (filter.accountId === null || j.accountId === filter.accountId) && (filter.states.length === 0 || filter.states.includes(j.state)));
      return { items, total: items.length, page: filter.page, perPage: filter.perPage } satisfies Page<Job>;
    }
    if (cmd === "watch_jobs") {
      watch = p.onProgress as Channel<JobProgress>;
      return null;
    }
    if (cmd === "cancel_job") {
      const job = list.find((j) => j.id === p.jobId)!;
      const after: Job = job.state === "running" ? { ...job, cancelRequested: true } : { ...job, state: "cancelled" };
      list = list.map((j) => (j.id === job.id ? after : j));
      return after;
    }
    if (cmd === "resume_account_jobs") {
      list = list.map((j) => (j.accountId === p.accountId && j.state === "needs_attention" ? { ...j, state: "queued", errorCode: null, errorMessage: null } : j));
      return 1;
    }
    if (cmd === "list_audit") return { items: audit, total: 2, page: 1, perPage: 50 } satisfies Page<AuditRecord>;
    if (cmd === "export_audit") return { path: "/home/marie/Exports/audit-2026-12-07.csv", fileName: "audit-2026-12-07.csv", count: 2 };
    if (cmd === "get_pacing_settings") return pacing;
    if (cmd === "set_pacing_settings") return (pacing = p.settings as PacingSettings);
    throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
  });
  return {
    of: (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.payload),
    /** The app pushes a job's progress (its store already holds it). */
    push(progress: JobProgress) {
      list = list.map((j) => (j.id === progress.jobId ? { ...j, progressDone: progress.done, progressTotal: progress.total } : j));
      act(() => watch!.onmessage(progress));
    },
    watching: () => watch !== null,
  };
}

const row = (id: string) => screen.getAllByTestId("job-row").find((r) => r.getAttribute("data-id") === id)!;

describe("JobsPage", () => {
  beforeEach(() => resetJobWatchForTests());

  it("lists the jobs newest first with their state, reason, progress, dry run and result, translated", async () => {
    const fake = fakeBackend();
    renderWithProviders(<JobsPage />);
    await screen.findAllByTestId("job-row");
    expect(fake.of("list_jobs")[0]).toEqual({ filter: { accountId: null, states: [], page: 1, perPage: 20 } });

    const state = (id: string) => within(row(id)).getByTestId("job-state").textContent;
    expect(state("job-running")).toBe("En cours");
    expect(state("job-waiting")).toBe(`En attente jusqu’à ${formatUntil(inAnHour, "fr")}`);
    expect(formatUntil(inAnHour, "fr", new Date(inAnHour))).toMatch(/^\d\d:\d\d$/);
    expect(state("job-attention")).toBe("Action requise");
    expect(state("job-queued")).toBe("En file d’attente");
    expect(state("job-done")).toBe("Terminée");
    expect(state("job-failed")).toBe("Échouée");
    expect(state("job-cancelled")).toBe("Annulée");

    expect(within(row("job-waiting")).getByTestId("job-reason").textContent).toContain("Plafond d’envois par heure atteint");
    expect(within(row("job-waiting")).queryByTestId("job-message")).toBeNull();
    const attention = within(row("job-attention"));
    expect(attention.getByTestId("job-account").textContent).toBe("Lou DE");
    expect(attention.getByTestId("job-reason").textContent).toContain("résolvez-le dans la vue en direct");
    expect(attention.getByTestId("job-message").textContent).toBe("Vinted shows a captcha: solve it in the live view");
    expect(within(row("job-failed")).getByTestId("job-reason").textContent).toContain("GET /api/v2/wardrobe answered 404");

    expect(within(row("job-queued")).getByTestId("job-dry-run").textContent).toBe("Simulation");
    expect(within(row("job-running")).queryByTestId("job-dry-run")).toBeNull();
    expect(within(row("job-done")).getByTestId("job-result").textContent).toBe("412 annonces vues, 380 liées, 3 disparues, 0 articles créés.");

    const progress = within(row("job-running")).getByTestId("job-progress") as HTMLProgressElement;
    expect(progress.value).toBe(12);
    expect(progress.max).toBe(96);
    expect(within(row("job-running")).getByTestId("job-progress-text").textContent).toBe("12 sur 96 (13 %)");

    // Cancel on unfinished jobs only; resume on the one that needs the person.
    expect(within(row("job-done")).queryByTestId("job-cancel")).toBeNull();
    expect(within(row("job-cancelled")).queryByTestId("job-cancel")).toBeNull();
    expect(within(row("job-queued")).getByTestId("job-cancel")).toBeTruthy();
    expect(attention.getByTestId("job-resume").textContent).toBe("Reprendre");
    expect(within(row("job-running")).queryByTestId("job-resume")).toBeNull();
  });

  it("shows the states in English", async () => {
    await i18n.changeLanguage("en");
    fakeBackend();
    renderWithProviders(<JobsPage />);
    await screen.findAllByTestId("job-row");
    expect(within(row("job-queued")).getByTestId("job-state").textContent).toBe("Queued");
    expect(within(row("job-attention")).getByTestId("job-state").textContent).toBe("Action needed");
    expect(within(row("job-waiting")).getByTestId("job-state").textContent).toBe(`Waiting until ${formatUntil(inAnHour, "en")}`);
    expect(within(row("job-queued")).getByTestId("job-dry-run").textContent).toBe("Dry run");
    expect(within(row("job-queued")).getByTestId("job-kind").textContent).toBe("Listings import");
  });

  it("asks before cancelling a job, then cancels it", async () => {
    const fake = fakeBackend();
    renderWithProviders(<JobsPage />);
    const user = userEvent.setup();
    await screen.findAllByTestId("job-row");

    await user.click(within(row("job-queued")).getByTestId("job-cancel"));
    expect(screen.getByTestId("confirm-cancel-job-dialog").textContent).toContain("Import des annonces");
    await user.click(screen.getByTestId("confirm-cancel-job-cancel"));
    expect(fake.of("cancel_job")).toHaveLength(0);

    await user.click(within(row("job-queued")).getByTestId("job-cancel"));
    await user.click(screen.getByTestId("confirm-cancel-job"));
    await waitFor(() => expect(fake.of("cancel_job")).toEqual([{ jobId: "job-queued" }]));
    expect((await screen.findByTestId("toast")).textContent).toContain("Tâche annulée");
    await waitFor(() => expect(within(row("job-queued")).getByTestId("job-state").textContent).toBe("Annulée"));

    // A running job stops at its next request: said so, and the row says the cancel is asked.
    await user.click(within(row("job-running")).getByTestId("job-cancel"));
    expect(screen.getByTestId("confirm-cancel-job-dialog").textContent).toContain("avant sa prochaine requête");
    await user.click(screen.getByTestId("confirm-cancel-job"));
    await waitFor(() => expect(within(row("job-running")).getByTestId("job-cancel-requested")).toBeTruthy());
  });

  it("resumes the jobs of an account that needed the person", async () => {
    const fake = fakeBackend();
    renderWithProviders(<JobsPage />);
    const user = userEvent.setup();
    await screen.findAllByTestId("job-row");
    await user.click(within(row("job-attention")).getByTestId("job-resume"));
    await waitFor(() => expect(fake.of("resume_account_jobs")).toEqual([{ accountId: "acc-2" }]));
    expect((await screen.findByTestId("toast")).textContent).toContain("1 tâche de Lou DE reprend");
    await waitFor(() => expect(within(row("job-attention")).getByTestId("job-state").textContent).toBe("En file d’attente"));
  });

  it("follows the progress pushed by the app", async () => {
    const fake = fakeBackend();
    renderWithProviders(<JobsPage />);
    await screen.findAllByTestId("job-row");
    await waitFor(() => expect(fake.watching()).toBe(true));

    fake.push({ jobId: "job-running", accountId: "acc-1", done: 48, total: 96 });
    const progress = () => within(row("job-running")).getByTestId("job-progress") as HTMLProgressElement;
    await waitFor(() => expect(progress().value).toBe(48));
    expect(within(row("job-running")).getByTestId("job-progress-text").textContent).toBe("48 sur 96 (50 %)");

    // A job whose total appears later gets its bar then.
    fake.push({ jobId: "job-queued", accountId: "acc-1", done: 3, total: null });
    await waitFor(() => expect(within(row("job-queued")).getByTestId("job-progress-text").textContent).toBe("3 faits"));
  });

  it("filters by account and state", async () => {
    const fake = fakeBackend();
    renderWithProviders(<JobsPage />);
    const user = userEvent.setup();
    await screen.findAllByTestId("job-row");
    await user.selectOptions(screen.getByTestId("jobs-account-filter"), "acc-2");
    await waitFor(() => expect(screen.getAllByTestId("job-row").map((r) => r.getAttribute("data-id"))).toEqual(["job-attention"]));
    await user.selectOptions(screen.getByTestId("jobs-account-filter"), "");
    await user.selectOptions(screen.getByTestId("jobs-state-filter"), "unfinished");
    await waitFor(() => expect(fake.of("list_jobs").at(-1)).toEqual({ filter: { accountId: null, states: ["queued", "running", "waiting", "needs_attention"], page: 1, perPage: 20 } }));
    await user.selectOptions(screen.getByTestId("jobs-state-filter"), "failed");
    await waitFor(() => expect(screen.getAllByTestId("job-row").map((r) => r.getAttribute("data-id"))).toEqual(["job-failed"]));
  });

  it("says when there is no job", async () => {
    fakeBackend({ jobs: [] });
    renderWithProviders(<JobsPage />);
    expect((await screen.findByTestId("jobs-empty")).textContent).toContain("Aucune tâche");
  });

  it("shows the audit log with translated outcomes and exports it as CSV in the UI's language", async () => {
    const fake = fakeBackend();
    renderWithProviders(<JobsPage />);
    const user = userEvent.setup();
    await screen.findAllByTestId("job-row");
    const tab = screen.getByTestId("jobs-tab-audit");
    // The tabs follow the arrow keys.
    screen.getByTestId("jobs-tab-jobs").focus();
    await user.keyboard("{ArrowRight}");
    expect(document.activeElement).toBe(tab);
    expect(tab.getAttribute("aria-selected")).toBe("true");

    const rows = await screen.findAllByTestId("audit-row");
    expect(fake.of("list_audit")[0]).toEqual({ filter: { accountId: null, page: 1, perPage: 50 } });
    expect(within(rows[0]).getByTestId("audit-outcome").textContent).toBe("Envoyé");
    expect(rows[0].textContent).toContain("Boutique Marie");
    expect(rows[0].textContent).toContain("/api/v2/item_upload/items/4001");
    expect(rows[0].textContent).toContain("200");
    expect(within(rows[1]).getByTestId("audit-outcome").textContent).toBe("Simulation");
    expect(rows[1].textContent).toContain("Compte supprimé");

    await user.click(screen.getByTestId("audit-export"));
    await waitFor(() => expect(fake.of("export_audit")).toEqual([{ accountId: null, lang: "fr" }]));
    expect((await screen.findByTestId("toast")).textContent).toContain("/home/marie/Exports/audit-2026-12-07.csv");

    // One account's log, in English.
    await user.selectOptions(screen.getByTestId("jobs-account-filter"), "acc-1");
    await act(() => i18n.changeLanguage("en"));
    await user.click(screen.getByTestId("audit-export"));
    await waitFor(() => expect(fake.of("export_audit").at(-1)).toEqual({ accountId: "acc-1", lang: "en" }));
  });
});

describe("PacingDialog", () => {
  beforeEach(() => resetJobWatchForTests());

  async function openPacing() {
    const user = userEvent.setup();
    await screen.findAllByTestId("job-row");
    await user.click(screen.getByTestId("pacing-open"));
    await screen.findByTestId("pacing-readGapMinMs");
    await waitFor(() => expect((screen.getByTestId("pacing-readGapMinMs") as HTMLInputElement).value).toBe("1,5"));
    return user;
  }

  const input = (field: string) => screen.getByTestId(`pacing-${field}`) as HTMLInputElement;

  it("shows the gaps in seconds, refuses a minimum above its maximum before sending, and saves milliseconds", async () => {
    const fake = fakeBackend();
    renderWithProviders(<JobsPage />);
    const user = await openPacing();
    expect(fake.of("get_pacing_settings")).toEqual([{ accountId: "acc-1" }]);
    expect(input("readGapMaxMs").value).toBe("4");
    expect(input("writeGapMinMs").value).toBe("25");
    expect(input("writesPerHour").value).toBe("30");
    expect(screen.getByTestId("pacing-hint").textContent).toContain("revendeurs");

    await user.clear(input("readGapMinMs"));
    await user.type(input("readGapMinMs"), "5");
    await user.click(screen.getByTestId("pacing-save"));
    expect(screen.getByTestId("error-readGapMaxMs").textContent).toBe("Le maximum doit être au moins égal au minimum.");
    expect(document.activeElement).toBe(input("readGapMaxMs"));
    expect(fake.of("set_pacing_settings")).toHaveLength(0);

    await user.clear(input("readGapMinMs"));
    await user.type(input("readGapMinMs"), "2,25");
    await user.clear(input("writesPerDay"));
    await user.type(input("writesPerDay"), "250");
    await user.click(screen.getByTestId("pacing-save"));
    await waitFor(() => expect(fake.of("set_pacing_settings")).toHaveLength(1));
    expect(fake.of("set_pacing_settings")[0]).toEqual({
      accountId: "acc-1",
      settings: {
        readGapMinMs: 2250,
        readGapMaxMs: 4000,
        writeGapMinMs: 25_000,
        writeGapMaxMs: 50_000,
        writesPerHour: 30,
        writesPerDay: 250,
        relistsPerHour: 4,
        relistsPerDay: 15,
      },
    });
    await waitFor(() => expect(screen.queryByTestId("pacing-dialog")).toBeNull());
    expect((await screen.findByTestId("toast")).textContent).toContain("Rythme de Boutique Marie enregistré");
  });

  it("shows the app's field errors under their fields", async () => {
    fakeBackend({
      answer: (cmd) => {
        if (cmd === "set_pacing_settings")
          throw {
            code: "validation",
            message: "invalid input",
            fields: [
              { field: "writesPerHour", code: "tooLarge" },
              { field: "writeGapMaxMs", code: "invalid" },
            ],
          } satisfies AppError;
        return undefined;
      },
    });
    renderWithProviders(<JobsPage />);
    const user = await openPacing();
    await user.click(screen.getByTestId("pacing-save"));
    expect((await screen.findByTestId("error-writesPerHour")).textContent).toBe("Au plus 10 000.");
    expect(screen.getByTestId("error-writeGapMaxMs").textContent).toBe("Entrez une valeur supérieure à 0 et au moins égale au minimum.");
    expect(input("writesPerHour").getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByTestId("pacing-form-error")).toBeNull();
    expect(screen.getByTestId("pacing-dialog")).toBeTruthy();
  });

  it("restores the defaults, and asks before dropping changes", async () => {
    const fake = fakeBackend();
    renderWithProviders(<JobsPage />);
    const user = await openPacing();
    await user.click(screen.getByTestId("pacing-defaults"));
    expect(input("writeGapMinMs").value).toBe("20");
    expect(input("writesPerHour").value).toBe("40");
    expect(input("readGapMinMs").value).toBe("1,5");

    await user.keyboard("{Escape}");
    expect(screen.getByTestId("confirm-discard-dialog")).toBeTruthy();
    await user.click(screen.getByTestId("confirm-discard-cancel"));
    expect(screen.getByTestId("pacing-dialog")).toBeTruthy();

    // Another account: its own settings, once the changes are dropped.
    await user.selectOptions(screen.getByTestId("pacing-account"), "acc-2");
    await user.click(screen.getByTestId("confirm-discard"));
    await waitFor(() => expect(fake.of("get_pacing_settings").at(-1)).toEqual({ accountId: "acc-2" }));
    await waitFor(() => expect(input("writesPerHour").value).toBe("30"));
    await user.click(screen.getByTestId("pacing-cancel"));
    expect(screen.queryByTestId("pacing-dialog")).toBeNull();
    expect(fake.of("set_pacing_settings")).toHaveLength(0);
  });
});
