import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Job, JobState, LabelsBatch, VintedOrderRow } from "../../bindings";
import i18n from "../../i18n";
import { normalizeSpaces, renderWithProviders } from "../../test/utils";
import { resetJobWatchForTests } from "../jobs/queries";
import { VintedOrders, countdown } from "./VintedOrders";

const HOUR = 3_600_000;

function row(patch: Partial<VintedOrderRow>): VintedOrderRow {
  return {
    id: "o1",
    sellerAccountId: "acc-1",
    orderType: "sale",
    transactionId: "8001",
    conversationId: "7001",
    shipmentId: "9901",
    title: "Robe fleurie Zara",
    status: "paid",
    rowStatus: "Commande payée",
    thumbnailUrl: null,
    counterpart: "marie",
    priceCents: 2000,
    feesTotalCents: 100,
    costCents: 500,
    profitCents: 1400,
    netPayoutCents: 1900,
    buyerProtectionFeeCents: 170,
    shippingPriceCents: 289,
    currency: "EUR",
    trackingNumber: "MR123",
    trackingCarrier: "Mondial Relay",
    trackingUrl: "https://www.mondialrelay.fr/suivi-de-colis/?numeroExpedition=MR123",
    isBundle: false,
    quantity: 1,
    shipBy: new Date(Date.now() + 2 * 24 * HOUR + 5 * HOUR + 60_000).toISOString(),
    labelPath: null,
    labelError: null,
    canceledAt: null,
    createdAt: "2026-12-01T10:00:00.000Z",
    ...patch,
  };
}

function job(id: string, kind: Job["kind"], state: JobState, done = 0): Job {
  return {
    id,
    accountId: "acc-1",
    kind,
    payload: {},
    state,
    checkpoint: null,
    progressDone: done,
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
  } as Job;
}

type Backend = {
  rows: VintedOrderRow[];
  jobs: Job[];
  batches: LabelsBatch[];
  calls: { cmd: string; payload: Record<string, unknown> }[];
};

function serve(backend: Backend) {
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    backend.calls.push({ cmd, payload: p });
    switch (cmd) {
      case "list_vinted_orders":
        return backend.rows;
      case "list_jobs":
        return { items: backend.jobs, total: backend.jobs.length, page: 1, perPage: 50 };
      case "watch_jobs":
        return null;
      case "import_vinted_orders": {
        const queued = job("j-import", "import_orders", "running", 12);
        backend.jobs = [queued];
        return [queued];
      }
      case "print_vinted_labels":
        return backend.batches.shift();
      case "open_vinted_label":
        return null;
    }
    throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] };
  });
}

beforeEach(async () => {
  resetJobWatchForTests();
  await i18n.changeLanguage("fr");
});

afterEach(async () => {
  await i18n.changeLanguage("fr");
});

describe("Vinted orders", () => {
  it("counts down to the ship-by date, and says when it is late", () => {
    const now = new Date("2026-12-07T10:00:00.000Z");
    expect(countdown("2026-12-09T15:30:00.000Z", now)).toEqual({ late: false, days: 2, hours: 5 });
    expect(countdown("2026-12-07T07:00:00.000Z", now)).toEqual({ late: true, days: 0, hours: 3 });
  });

  it("shows an empty state until orders are imported", async () => {
    const backend: Backend = { rows: [], jobs: [], batches: [], calls: [] };
    serve(backend);
    renderWithProviders(<VintedOrders onOpen={() => {}} />);
    expect(normalizeSpaces((await screen.findByTestId("vinted-orders-empty")).textContent)).toContain("Aucune commande lue sur Vinted");
    await userEvent.click(screen.getByTestId("import-orders"));
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "import_vinted_orders")).toBe(true));
    expect(backend.calls.find((c) => c.cmd === "import_vinted_orders")?.payload).toEqual({ accountId: null });
    await screen.findByText("Import en cours… 12 commandes lues");
  });

  it("shows fees, net payout, profit, tracking, bundles and the countdown, in French and English", async () => {
    const backend: Backend = {
      rows: [
        row({}),
        row({
          id: "o2",
          transactionId: "8002",
          title: "3 articles",
          isBundle: true,
          quantity: 3,
          status: "completed",
          shipBy: null,
          netPayoutCents: 4500,
          feesTotalCents: 0,
          profitCents: 3000,
        }),
        row({ id: "o3", transactionId: "8003", orderType: "purchase", title: "Livre", shipBy: null, netPayoutCents: null, profitCents: null }),
      ],
      jobs: [],
      batches: [],
      calls: [],
    };
    serve(backend);
    const opened: string[] = [];
    renderWithProviders(<VintedOrders onOpen={(id) => opened.push(id)} />);
    const rows = await screen.findAllByTestId("vinted-order-row");
    expect(rows).toHaveLength(3);
    const first = within(rows[0]);
    expect(normalizeSpaces(first.getByTestId("fees").textContent)).toBe("1,00 €");
    expect(normalizeSpaces(first.getByTestId("net").textContent)).toBe("19,00 €");
    expect(normalizeSpaces(first.getByTestId("profit").textContent)).toBe("14,00 €");
    expect(normalizeSpaces(first.getByTestId("ship-by").textContent)).toContain("À expédier sous 2 j 5 h");
    expect(first.getByRole("link", { name: /Mondial Relay MR123/ }).getAttribute("href")).toBe(
      "https://www.mondialrelay.fr/suivi-de-colis/?numeroExpedition=MR123",
    );
    within(rows[1]).getByText("lot · 3 articles");
    expect(within(rows[1]).queryByTestId("ship-by")).toBeNull();
    expect(normalizeSpaces(within(rows[2]).getByTestId("profit").textContent)).toContain("—");
    screen.getByText("1 colis à expédier");
    await userEvent.click(first.getByRole("button", { name: "Robe fleurie Zara" }));
    expect(opened).toEqual(["o1"]);

    await i18n.changeLanguage("en");
    await screen.findByText("Ship within 2 d 5 h");
    screen.getByText("1 parcel to ship");
  });

  it("prints the selected orders' labels: downloads the missing ones first, then opens one merged PDF", async () => {
    const backend: Backend = {
      rows: [row({}), row({ id: "o2", transactionId: "8002", title: "Jupe plissée" }), row({ id: "o3", transactionId: "8003", title: "Annulée", canceledAt: "2026-12-02T10:00:00.000Z", shipBy: null })],
      jobs: [],
      batches: [
        { mergedPath: null, pages: null, jobs: [job("j-labels", "download_labels", "queued")], withoutLabel: [] },
        { mergedPath: "labels/merged/b1.pdf", pages: 2, jobs: [], withoutLabel: [] },
      ],
      calls: [],
    };
    serve(backend);
    const { queryClient } = renderWithProviders(<VintedOrders onOpen={() => {}} />);
    const rows = await screen.findAllByTestId("vinted-order-row");
    const print = screen.getByTestId("print-labels");
    expect((print as HTMLButtonElement).disabled).toBe(true);
    // A canceled order has no label to print.
    expect((within(rows[2]).getByRole("checkbox") as HTMLInputElement).disabled).toBe(true);
    await userEvent.click(within(rows[0]).getByRole("checkbox"));
    await userEvent.click(within(rows[1]).getByRole("checkbox"));
    expect(normalizeSpaces(print.textContent)).toContain("Imprimer les étiquettes (2)");
    backend.jobs = [job("j-labels", "download_labels", "running")];
    await userEvent.click(print);
    await screen.findByText("Téléchargement des étiquettes…");
    expect(backend.calls.find((c) => c.cmd === "print_vinted_labels")?.payload).toEqual({ orderIds: ["o1", "o2"], downloadMissing: true });

    // The job ends: the batch is asked for again, merged and opened.
    backend.jobs = [job("j-labels", "download_labels", "done", 2)];
    // (What the job queue's pushed progress does.)
    await queryClient.invalidateQueries({ queryKey: ["vintedJobs"] });
    await waitFor(() => expect(backend.calls.filter((c) => c.cmd === "print_vinted_labels")).toHaveLength(2));
    await waitFor(() => expect(backend.calls.find((c) => c.cmd === "open_vinted_label")?.payload).toEqual({ path: "labels/merged/b1.pdf" }));
    await screen.findByText("PDF prêt : 2 pages.");
  });

  it("asks once more after the label jobs end without downloading again, and says which orders have no label and why", async () => {
    const labelsJob = job("j-labels", "download_labels", "queued");
    const backend: Backend = {
      rows: [row({}), row({ id: "o2", transactionId: "8002", title: "Jupe plissée" })],
      jobs: [],
      batches: [
        { mergedPath: null, pages: null, jobs: [labelsJob], withoutLabel: [] },
        // A backend that would queue again (Vinted refused o2's label): the UI must not follow.
        {
          mergedPath: "labels/merged/b1.pdf",
          pages: 1,
          jobs: [job("j-again", "download_labels", "queued")],
          withoutLabel: [{ orderId: "o2", reason: "failed", detail: "Vinted has no label for this shipment" }],
        },
        { mergedPath: null, pages: null, jobs: [job("j-third", "download_labels", "queued")], withoutLabel: [] },
      ],
      calls: [],
    };
    serve(backend);
    const { queryClient } = renderWithProviders(<VintedOrders onOpen={() => {}} />);
    const rows = await screen.findAllByTestId("vinted-order-row");
    await userEvent.click(within(rows[0]).getByRole("checkbox"));
    await userEvent.click(within(rows[1]).getByRole("checkbox"));
    backend.jobs = [job("j-labels", "download_labels", "running")];
    await userEvent.click(screen.getByTestId("print-labels"));
    await screen.findByText("Téléchargement des étiquettes…");
    backend.jobs = [job("j-labels", "download_labels", "done", 1)];
    await queryClient.invalidateQueries({ queryKey: ["vintedJobs"] });
    await waitFor(() => expect(backend.calls.find((c) => c.cmd === "open_vinted_label")?.payload).toEqual({ path: "labels/merged/b1.pdf" }));
    const prints = () => backend.calls.filter((c) => c.cmd === "print_vinted_labels");
    expect(prints()).toHaveLength(2);
    expect(prints()[1].payload).toEqual({ orderIds: ["o1", "o2"], downloadMissing: false });
    const missing = await screen.findByTestId("labels-missing");
    expect(normalizeSpaces(missing.textContent)).toContain("1 commande sans étiquette");
    expect(normalizeSpaces(missing.textContent)).toContain("Jupe plissée — le téléchargement a échoué");
    // The jobs' list moves again: nothing is asked for again, the button is free.
    backend.jobs = [job("j-labels", "download_labels", "done", 1), job("j-again", "download_labels", "done", 1)];
    await queryClient.invalidateQueries({ queryKey: ["vintedJobs"] });
    await waitFor(() => expect((screen.getByTestId("print-labels") as HTMLButtonElement).disabled).toBe(false));
    expect(prints()).toHaveLength(2);
  });

  it("pages the list instead of cutting it, and shows each order in its currency", async () => {
    const many = Array.from({ length: 100 }, (_, n) => row({ id: `o${n}`, transactionId: `${9000 + n}`, title: `Article ${n}`, currency: n === 0 ? "GBP" : "EUR" }));
    const backend: Backend = { rows: many, jobs: [], batches: [], calls: [] };
    serve(backend);
    renderWithProviders(<VintedOrders onOpen={() => {}} />);
    const rows = await screen.findAllByTestId("vinted-order-row");
    expect(normalizeSpaces(within(rows[0]).getAllByRole("cell")[3].textContent)).toContain("£");
    const lists = () => backend.calls.filter((c) => c.cmd === "list_vinted_orders");
    expect(lists()[0].payload).toMatchObject({ filter: { limit: 100, offset: 0 } });
    await userEvent.click(within(screen.getByTestId("vinted-orders-pager")).getByRole("button", { name: "Suivantes" }));
    await waitFor(() => expect(lists().some((c) => (c.payload.filter as { offset: number }).offset === 100)).toBe(true));
  });
});
