import { screen, within } from "@testing-library/react";
import { mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Job, JobKind } from "../../bindings";
import i18n from "../../i18n";
import { normalizeSpaces, renderWithProviders } from "../../test/utils";
import { JobList } from "./JobList";
import { failureDetail } from "./jobText";
import { resetJobWatchForTests } from "./queries";

const failed = (id: string, kind: JobKind, payload: unknown, errorCode: string, result: unknown): Job => ({
  id,
  accountId: "acc-1",
  kind,
  payload,
  state: "failed",
  checkpoint: null,
  progressDone: 0,
  progressTotal: null,
  dryRun: false,
  cancelRequested: false,
  notBefore: null,
  attempts: 1,
  failures: 0,
  errorCode,
  // The queue's English message: never shown for these codes.
  errorMessage: "English text from the queue",
  result,
  createdAt: "2026-12-07T10:00:00.000Z",
  updatedAt: "2026-12-07T10:00:00.000Z",
  finishedAt: "2026-12-07T10:01:00.000Z",
});

// What crates/vinted/src/jobs/outcome.rs records for a failure the person can fix.
const jobs: Job[] = [
  failed("problems", "publish", { productId: "p1" }, "item_problems", {
    problems: [
      { field: "size", code: "required", detail: null },
      { field: "colors", code: "too_many", detail: "2" },
    ],
  }),
  failed("not-owned", "edit_price", { listingId: "4003", priceCents: 1250 }, "not_owned", { listingId: "4003" }),
  failed("not-linked", "relist", { listingId: "4001" }, "not_linked", { listingId: "4001" }),
  failed("gone", "relist", { listingId: "4002" }, "listing_gone", { listingId: "4002" }),
  failed("gave-up", "publish", { productId: "p2" }, "too_many_failures", { failures: 5, lastCode: "no_answer" }),
];

function serve(items: Job[]) {
  mockIPC((cmd: string) => {
    if (cmd === "list_jobs") return { items, total: items.length, page: 1, perPage: 20 };
    if (cmd === "watch_jobs") return null;
    throw { code: "internal", message: cmd, fields: [] };
  });
}

describe("failed jobs the person can fix", () => {
  beforeEach(() => resetJobWatchForTests());
  afterEach(async () => {
    await i18n.changeLanguage("fr");
  });

  it("reads the detail of a known code only", () => {
    expect(failureDetail(jobs[0])?.problems).toHaveLength(2);
    expect(failureDetail(jobs[1])).toEqual({ problems: [], listingId: "4003", failures: null, lastFailure: null });
    expect(failureDetail(jobs[4])?.failures).toBe(5);
    expect(failureDetail(jobs[4])?.lastFailure).toBe("no_answer");
    // A last failure this version does not know is still said, generically.
    expect(failureDetail({ state: "failed", errorCode: "too_many_failures", result: { failures: 5, lastCode: "later_code" } })?.lastFailure).toBe("other");
    expect(failureDetail({ state: "failed", errorCode: "validation", result: null })).toBeNull();
    expect(failureDetail({ state: "waiting", errorCode: "not_owned", result: { listingId: "1" } })).toBeNull();
    // A forged or older result gives what it can.
    expect(failureDetail({ state: "failed", errorCode: "item_problems", result: { problems: [{ field: 3 }, "x"] } })).toEqual({
      problems: [],
      listingId: null,
      failures: null,
      lastFailure: null,
    });
  });

  it("says each in French with its detail, without the queue's English", async () => {
    serve(jobs);
    renderWithProviders(<JobList accountId={null} states={[]} accountNames={new Map([["acc-1", "Boutique Marie"]])} />);
    const rows = await screen.findAllByTestId("job-row");
    const reason = (n: number) => normalizeSpaces(within(rows[n]).getByTestId("job-reason").textContent);
    expect(within(rows[0]).getAllByRole("listitem").map((li) => normalizeSpaces(li.textContent))).toEqual([
      "Taille obligatoire pour cette catégorie",
      expect.stringContaining("Couleurs"),
    ]);
    expect(reason(0)).toContain("L’article ne peut pas être publié tel quel");
    expect(reason(1)).toContain("L’annonce 4003 n’appartient pas à ce compte");
    expect(reason(2)).toContain("L’annonce 4001 n’est liée à aucun article");
    expect(reason(3)).toContain("L’annonce 4002 n’est plus en vente sur Vinted");
    expect(reason(4)).toContain("a échoué 5 fois de suite");
    expect(normalizeSpaces(within(rows[4]).getByTestId("job-last-failure").textContent)).toBe(
      "Dernier échec : la page Vinted n’a pas répondu (la connexion ou le navigateur).",
    );
    for (const n of [0, 1, 2, 3]) expect(within(rows[n]).queryByTestId("job-last-failure")).toBeNull();
    for (const row of rows) {
      expect(within(row).queryByTestId("job-message")).toBeNull();
      expect(row.textContent).not.toContain("English text from the queue");
    }
  });

  it("and in English", async () => {
    await i18n.changeLanguage("en");
    serve(jobs);
    renderWithProviders(<JobList accountId={null} states={[]} accountNames={new Map()} />);
    const rows = await screen.findAllByTestId("job-row");
    const reason = (n: number) => normalizeSpaces(within(rows[n]).getByTestId("job-reason").textContent);
    expect(reason(0)).toContain("The item cannot be published as it is");
    expect(reason(0)).toContain("Size required for this category");
    expect(reason(1)).toContain("Listing 4003 does not belong to this account");
    expect(reason(3)).toContain("Listing 4002 is no longer on sale on Vinted");
    expect(reason(4)).toContain("failed 5 times in a row");
    expect(reason(4)).toContain("Last failure: the Vinted page did not answer");
  });
});
