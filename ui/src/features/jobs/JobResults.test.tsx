import { screen, within } from "@testing-library/react";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { beforeEach, describe, expect, it } from "vitest";
import type { Job, JobKind } from "../../bindings";
import i18n from "../../i18n";
import { normalizeSpaces, renderWithProviders } from "../../test/utils";
import { JobList } from "./JobList";
import { listingTarget, resultMessage } from "./jobText";
import { resetJobWatchForTests } from "./queries";

const done = (id: string, kind: JobKind, payload: unknown, result: unknown, dryRun = false): Job => ({
  id,
  accountId: "acc-1",
  kind,
  payload,
  state: "done",
  checkpoint: null,
  progressDone: 1,
  progressTotal: 1,
  dryRun,
  cancelRequested: false,
  notBefore: null,
  attempts: 1,
  failures: 0,
  errorCode: null,
  errorMessage: null,
  result,
  createdAt: "2026-12-07T10:00:00.000Z",
  updatedAt: "2026-12-07T10:00:00.000Z",
  finishedAt: "2026-12-07T10:01:00.000Z",
});

// What the flows answer (crates/vinted/src/flows: publish, relist, edit).
const jobs: Job[] = [
  done("publish", "publish", { productId: "p1" }, { productId: "p1", listingId: "5001", url: "https://www.vinted.fr/items/5001", adopted: false }),
  done("publish-dry", "publish", { productId: "p2" }, { productId: "p2", dryRun: true, payload: {} }, true),
  done("relist", "relist", { listingId: "4001" }, { oldListingId: "4001", newListingId: "5002", productId: "p1" }),
  done("relist-skipped", "relist", { listingId: "4002" }, { oldListingId: "4002", skipped: "favourited", favourites: 3 }),
  done("price", "edit_price", { listingId: "4003", priceCents: 1250 }, { listingId: "4003", priceCents: 1250, previousPriceCents: 1500, changed: true, dryRun: false }),
  done("hide", "hide", { listingId: "4004" }, { listingId: "4004", hidden: true, dryRun: false }),
  done("unhide-dry", "unhide", { listingId: "4005" }, { listingId: "4005", hidden: false, dryRun: true }, true),
  done("delete", "delete", { listingId: "4006" }, { listingId: "4006", deleted: true, alreadyGone: false, itemReady: true, dryRun: false }),
];

describe("job results", () => {
  beforeEach(() => resetJobWatchForTests());

  it("reads what each write did, and nothing from a result it does not know", () => {
    expect(resultMessage(jobs[0])).toEqual({ key: "publish", values: { id: "5001" } });
    expect(resultMessage(jobs[3])).toEqual({ key: "relistSkipped", values: { id: "4002", favourites: 3 } });
    expect(resultMessage(jobs[4])).toEqual({ key: "editPrice", values: { id: "4003", from: 1500, to: 1250 } });
    expect(resultMessage({ kind: "delete", result: { listingId: "9", deleted: true, alreadyGone: true } })).toEqual({ key: "deleteAlreadyGone", values: { id: "9" } });
    expect(resultMessage({ kind: "relist", result: { oldListingId: "1", dryRun: true, payload: {} } })).toEqual({ key: "relistDryRun", values: { id: "1" } });
    expect(resultMessage({ kind: "publish", result: { productId: "p" } })).toBeNull();
    expect(resultMessage({ kind: "import_listings", result: { seen: 1 } })).toBeNull();
    expect(resultMessage({ kind: "hide", result: null })).toBeNull();
    expect(listingTarget({ kind: "edit_price", payload: { listingId: "4003", priceCents: 1250 } })).toEqual({ id: "4003", priceCents: 1250 });
    expect(listingTarget({ kind: "publish", payload: { productId: "p1" } })).toBeNull();
  });

  it("names every kind of job and shows what the publishes, relists and listing changes did", async () => {
    mockIPC((cmd: string, payload?: InvokeArgs) => {
      void payload;
      if (cmd === "list_jobs") return { items: jobs, total: jobs.length, page: 1, perPage: 20 };
      if (cmd === "watch_jobs") return null;
      throw { code: "internal", message: cmd, fields: [] };
    });
    renderWithProviders(<JobList accountId={null} states={[]} accountNames={new Map([["acc-1", "Boutique Marie"]])} />);
    const rows = await screen.findAllByTestId("job-row");
    const text = (n: number, testId: string) => normalizeSpaces(within(rows[n]).getByTestId(testId).textContent);
    expect(rows.map((r) => within(r).getByTestId("job-kind").textContent)).toEqual([
      "Publication",
      "Publication",
      "Republication",
      "Republication",
      "Changement de prix",
      "Masquage",
      "Réaffichage",
      "Suppression",
    ]);
    expect(text(0, "job-result")).toBe("Publiée : annonce Vinted n° 5001.");
    expect(text(1, "job-result")).toBe("Simulation : rien n’a été envoyé ; le contenu est dans le journal.");
    expect(text(2, "job-result")).toBe("Republiée : l’annonce n° 4001 est remplacée par la n° 5002.");
    expect(text(3, "job-result")).toBe("Non republiée : l’annonce n° 4002 a 3 favoris.");
    expect(text(4, "job-result")).toBe("Prix de l’annonce n° 4003 : 15,00 € → 12,50 €.");
    expect(text(4, "job-target")).toBe("Annonce Vinted n° 4003 → 12,50 €");
    expect(text(5, "job-result")).toBe("Annonce n° 4004 masquée.");
    expect(text(6, "job-result")).toBe("Simulation : l’annonce n° 4005 n’a pas été réaffichée.");
    expect(text(7, "job-result")).toBe("Annonce n° 4006 supprimée de Vinted.");
  });

  it("in English too", async () => {
    await i18n.changeLanguage("en");
    mockIPC((cmd: string) => {
      if (cmd === "list_jobs") return { items: jobs.slice(2, 3), total: 1, page: 1, perPage: 20 };
      if (cmd === "watch_jobs") return null;
      throw { code: "internal", message: cmd, fields: [] };
    });
    renderWithProviders(<JobList accountId={null} states={[]} accountNames={new Map()} />);
    const row = await screen.findByTestId("job-row");
    expect(within(row).getByTestId("job-kind").textContent).toBe("Relist");
    expect(within(row).getByTestId("job-result").textContent).toBe("Relisted: listing no. 4001 is replaced by no. 5002.");
  });
});
