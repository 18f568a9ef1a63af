import { screen, within } from "@testing-library/react";
import { mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Job } from "../../bindings";
import i18n from "../../i18n";
import { normalizeSpaces, renderWithProviders } from "../../test/utils";
import { JobList } from "./JobList";
import { resetJobWatchForTests } from "./queries";

// What crates/vinted/src/flows/import.rs records once the photos of the items it made are fetched.
const imported: Job = {
  id: "import-1",
  accountId: "acc-1",
  kind: "import_listings",
  payload: { linkBySku: true, createItems: true },
  state: "done",
  checkpoint: null,
  progressDone: 3,
  progressTotal: 3,
  dryRun: false,
  cancelRequested: false,
  notBefore: null,
  attempts: 1,
  failures: 0,
  errorCode: null,
  errorMessage: null,
  result: {
    seen: 3,
    linked: 0,
    gone: 0,
    created: 3,
    photos: 7,
    photoFailures: [
      { listingId: "5001", productId: "p1", position: 2, url: "https://images.example/2.jpg", reason: "not an image" },
      { listingId: "5003", productId: "p3", position: 0, url: "", reason: "no answer" },
    ],
    photoFailuresTotal: 5,
  },
  createdAt: "2026-12-07T10:00:00.000Z",
  updatedAt: "2026-12-07T10:02:00.000Z",
  finishedAt: "2026-12-07T10:02:00.000Z",
};

function serve(items: Job[]) {
  mockIPC((cmd: string) => {
    if (cmd === "list_jobs") return { items, total: items.length, page: 1, perPage: 20 };
    if (cmd === "watch_jobs") return null;
    throw { code: "internal", message: cmd, fields: [] };
  });
}

describe("an import's photos", () => {
  beforeEach(() => resetJobWatchForTests());
  afterEach(async () => {
    await i18n.changeLanguage("fr");
  });

  it("says in French how many were downloaded and which could not be", async () => {
    serve([imported]);
    renderWithProviders(<JobList accountId={null} states={[]} accountNames={new Map()} />);
    const photos = await screen.findByTestId("job-photos");
    const text = normalizeSpaces(photos.textContent);
    expect(text).toContain("7 photos téléchargées");
    expect(text).toContain("5 photos n’ont pas pu être téléchargées");
    expect(within(photos).getAllByRole("listitem").map((li) => normalizeSpaces(li.textContent))).toEqual([
      "annonce n° 5001, photo 2",
      "annonce n° 5003 : ses photos n’ont pas pu être lues",
      "et 3 autres",
    ]);
    // The reasons are the browser's English words: kept in the logs, not shown.
    expect(text).not.toContain("not an image");
  });

  it("and in English, with nothing about failures when every photo came", async () => {
    await i18n.changeLanguage("en");
    serve([{ ...imported, result: { seen: 1, linked: 0, gone: 0, created: 1, photos: 1, photoFailures: [] } }]);
    renderWithProviders(<JobList accountId={null} states={[]} accountNames={new Map()} />);
    const photos = await screen.findByTestId("job-photos");
    expect(normalizeSpaces(photos.textContent)).toBe("1 photo downloaded for the items made.");
    expect(within(photos).queryAllByRole("listitem")).toHaveLength(0);
  });
});
