import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AppError, FiguresFilter, HistoryPoint, InsightThresholds, Job, ListingFigures, ReadIntervals, SellerAccount } from "../../bindings";
import { normalizeSpaces, renderWithProviders } from "../../test/utils";
import { resetJobWatchForTests } from "../jobs/queries";
import { ListingsPage } from "../listings/ListingsPage";
import { InsightThresholdsSection, ReadIntervalsSection } from "./InsightThresholdsSection";
import { daysSince, formatTrend, nextFiguresSort } from "./statsState";

// uPlot draws on a canvas, which jsdom has not: a stand-in records what each chart was given.
const charts = vi.hoisted(() => [] as { data: unknown[][] }[]);
vi.mock("uplot", () => {
  class FakeUPlot {
    static paths = { linear: () => () => null };
    constructor(_opts: unknown, data: unknown[][]) {
      charts.push({ data });
    }
    setSize() {}
    destroy() {}
  }
  return { default: FakeUPlot };
});

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

const base: ListingFigures = {
  id: "row-1",
  accountId: "acc-1",
  listingId: "4001",
  title: "Robe fleurie",
  photoUrl: null,
  priceCents: 2000,
  status: "active",
  listedAt: "2026-11-02T10:00:00.000Z",
  sku: "SP-0001",
  productId: "prod-1",
  views: 120,
  favorites: 2,
  offers: 0,
  avgOfferCents: null,
  bestOfferCents: null,
  lowestOfferCents: null,
  viewsTrend: 45,
  favoritesTrend: -1,
  recordedAt: "2026-12-07T08:00:00.000Z",
  insights: [
    { insightType: "few_favorites", severity: "warning", action: "improve_listing", data: { views: 120, favorites: 2, ratePct: 1 } },
    { insightType: "relist", severity: "info", action: "relist", data: { listedAt: new Date(Date.now() - 35 * 86_400_000).toISOString().slice(0, 10) } },
  ],
};
const offered: ListingFigures = {
  ...base,
  id: "row-2",
  listingId: "4002",
  title: "Jean droit",
  productId: null,
  views: 40,
  favorites: 6,
  offers: 2,
  avgOfferCents: 1100,
  bestOfferCents: 1200,
  lowestOfferCents: 1000,
  viewsTrend: 0,
  favoritesTrend: 3,
  insights: [{ insightType: "low_offers", severity: "warning", action: "edit_price", data: { offers: 2, bestOfferCents: 1200, priceCents: 2000, bestOfferPct: 60 } }],
};

const history: HistoryPoint[] = [
  { day: "2026-12-05", views: 75, favorites: 3, offers: 0 },
  { day: "2026-12-06", views: 100, favorites: 3, offers: 0 },
  { day: "2026-12-07", views: 120, favorites: 2, offers: 0 },
];

const job = (kind: Job["kind"]): Job => ({
  id: `job-${kind}`,
  accountId: "acc-1",
  kind,
  payload: {},
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
});

function fakeBackend(figures: ListingFigures[] = [base, offered]) {
  const calls: { cmd: string; payload: Record<string, unknown> }[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, payload: p });
    if (cmd === "list_seller_accounts") return [account];
    if (cmd === "list_listings") return { items: [], total: figures.length, page: 1, perPage: 50 };
    if (cmd === "list_listing_figures") return { items: figures, total: figures.length, page: 1, perPage: 50 };
    if (cmd === "listing_history") return history;
    if (cmd === "list_jobs") return { items: [], total: 0, page: 1, perPage: 5 };
    if (cmd === "watch_jobs") return null;
    if (cmd === "refresh_statistics") return [job("read_statistics")];
    if (cmd === "edit_listing_price") return job("edit_price");
    if (cmd === "relist_listing") return job("relist");
    throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
  });
  return { of: (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.payload) };
}

async function openStatistics() {
  const user = userEvent.setup();
  renderWithProviders(<ListingsPage onOpenJobs={() => {}} />);
  await user.click(await screen.findByTestId("listings-view-statistics"));
  return user;
}

async function rowOf(title: string) {
  const rows = await screen.findAllByTestId("stats-row");
  const row = rows.find((r) => within(r).getByTestId("stats-title").textContent === title);
  if (!row) throw new Error(`no row ${title}`);
  return within(row);
}

describe("listing statistics", () => {
  beforeEach(() => {
    resetJobWatchForTests();
    charts.length = 0;
  });

  it("works out trends, ages and the next sort", () => {
    expect(formatTrend(12)).toBe("+12");
    expect(formatTrend(-3)).toBe("−3");
    expect(formatTrend(0)).toBe("0");
    expect(formatTrend(null)).toBe("");
    expect(daysSince("2026-12-01T10:00:00.000Z", new Date("2026-12-08T09:00:00.000Z"))).toBe(6);
    expect(daysSince(null, new Date())).toBeNull();
    expect(nextFiguresSort({ field: "views", dir: "desc" }, "views")).toEqual({ field: "views", dir: "asc" });
    expect(nextFiguresSort({ field: "views", dir: "desc" }, "favorites")).toEqual({ field: "favorites", dir: "desc" });
    expect(nextFiguresSort({ field: "views", dir: "desc" }, "age")).toEqual({ field: "age", dir: "asc" });
  });

  it("shows each listing's figures and trends, and sorts by any figure in the store", async () => {
    const fake = fakeBackend();
    const user = await openStatistics();
    const robe = await rowOf("Robe fleurie");
    expect(robe.getByTestId("stats-views").textContent).toBe("120");
    expect(robe.getByTestId("stats-views-trend").textContent).toBe("+45");
    expect(robe.getByTestId("stats-favorites-trend").textContent).toBe("−1");
    const jean = await rowOf("Jean droit");
    expect(jean.getByTestId("stats-offers").textContent).toBe("2");
    expect(normalizeSpaces(jean.getByTestId("stats-offers").getAttribute("title"))).toBe("Moyenne 11,00 €, meilleure 12,00 €, plus basse 10,00 €");
    expect(normalizeSpaces(jean.getByTestId("stats-best-offer").textContent)).toBe("12,00 €");
    // Views, largest first, is where it starts.
    expect((fake.of("list_listing_figures")[0].filter as FiguresFilter).sort).toEqual({ field: "views", dir: "desc" });

    await user.click(screen.getByTestId("stats-sort-favoritesTrend"));
    await waitFor(() => expect((fake.of("list_listing_figures").at(-1)?.filter as FiguresFilter).sort).toEqual({ field: "favoritesTrend", dir: "desc" }));
    await user.click(screen.getByTestId("stats-sort-favoritesTrend"));
    await waitFor(() => expect((fake.of("list_listing_figures").at(-1)?.filter as FiguresFilter).sort).toEqual({ field: "favoritesTrend", dir: "asc" }));
    await user.selectOptions(screen.getByTestId("stats-insight-filter"), "low_offers");
    await waitFor(() => expect((fake.of("list_listing_figures").at(-1)?.filter as FiguresFilter).insight).toBe("low_offers"));
  });

  it("says what each insight means and what to do", async () => {
    fakeBackend();
    await openStatistics();
    const robe = await rowOf("Robe fleurie");
    const insights = robe.getAllByTestId("stats-insight");
    expect(insights.map((i) => i.dataset.type)).toEqual(["few_favorites", "relist"]);
    expect(insights[0].textContent).toContain("120 vues, 2 favoris (1 %)");
    expect(insights[0].textContent).toContain("améliorez les photos ou le titre");
    expect(insights[0].dataset.severity).toBe("warning");
    // Better photos are the seller's to take: no button.
    expect(within(insights[0]).queryByRole("button")).toBeNull();
    expect(insights[1].textContent).toContain("En ligne depuis 35 jours");
    const jean = await rowOf("Jean droit");
    expect(normalizeSpaces(jean.getByTestId("stats-insight").textContent)).toContain("Meilleure offre 12,00 € (60 % du prix)");
  });

  it("an insight's button changes the price or relists through the listing actions", async () => {
    const fake = fakeBackend();
    const user = await openStatistics();
    await user.click((await rowOf("Jean droit")).getByTestId("stats-insight-edit-price"));
    const dialog = screen.getByTestId("listing-price-dialog");
    const input = within(dialog).getByTestId("listing-price-input") as HTMLInputElement;
    expect(input.value).toBe("20,00");
    await user.clear(input);
    await user.type(input, "17,50");
    await user.click(within(dialog).getByTestId("listing-price-save"));
    await waitFor(() => expect(fake.of("edit_listing_price")).toEqual([{ accountId: "acc-1", listingId: "4002", priceCents: 1750, dryRun: false }]));

    await user.click((await rowOf("Robe fleurie")).getByTestId("stats-insight-relist"));
    await user.click(screen.getByTestId("confirm-relist"));
    await waitFor(() => expect(fake.of("relist_listing")).toEqual([{ accountId: "acc-1", listingId: "4001" }]));
  });

  it("draws a listing's days on demand", async () => {
    const fake = fakeBackend();
    const user = await openStatistics();
    await user.click((await rowOf("Robe fleurie")).getByTestId("stats-chart-toggle"));
    await screen.findByTestId("stats-chart");
    expect(fake.of("listing_history")).toEqual([{ id: "row-1" }]);
    const table = screen.getByTestId("stats-chart-table");
    expect(within(table).getAllByRole("row")).toHaveLength(4);
    await waitFor(() => expect(charts).toHaveLength(1));
    expect(charts[0].data.slice(1)).toEqual([
      [75, 100, 120],
      [3, 3, 2],
    ]);
  });

  it("refreshes the statistics on demand", async () => {
    const fake = fakeBackend();
    const user = await openStatistics();
    await user.click(await screen.findByTestId("stats-refresh"));
    await waitFor(() => expect(fake.of("refresh_statistics")).toEqual([{ accountId: null }]));
    expect(await screen.findByText(/Relevé des statistiques mis en file \(1 compte\)/)).toBeTruthy();
  });

  it("says when there is nothing yet", async () => {
    fakeBackend([]);
    await openStatistics();
    expect((await screen.findByTestId("stats-empty")).textContent).toContain("Aucune annonce");
  });

  it("says when the listings have no figures yet", async () => {
    fakeBackend([{ ...base, views: null, favorites: null, offers: null, viewsTrend: null, favoritesTrend: null, insights: [] }]);
    await openStatistics();
    expect((await screen.findByTestId("stats-no-figures")).textContent).toContain("Pas encore de statistiques");
    expect(((await rowOf("Robe fleurie")).getByTestId("stats-chart-toggle") as HTMLButtonElement).disabled).toBe(true);
  });
});

describe("Settings › insight thresholds", () => {
  it("shows the saved thresholds, names a refused one, then saves", async () => {
    let current: InsightThresholds = {
      staleDays: 7,
      manyViews: 50,
      minFavoriteRatePct: 3,
      manyFavorites: 5,
      lowOfferPct: 70,
      relistAfterDays: 30,
      aboveMedianPct: 120,
      minSimilarSales: 3,
    };
    const saves: InsightThresholds[] = [];
    mockIPC((cmd: string, payload?: InvokeArgs) => {
      if (cmd === "get_insight_thresholds") return current;
      if (cmd === "set_insight_thresholds") {
        const thresholds = (payload as { thresholds: InsightThresholds }).thresholds;
        saves.push(thresholds);
        if (thresholds.staleDays === 0) throw { code: "validation", message: "", fields: [{ field: "staleDays", code: "invalid" }] } satisfies AppError;
        current = thresholds;
        return current;
      }
      throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
    });
    renderWithProviders(<InsightThresholdsSection />);
    const user = userEvent.setup();
    const stale = () => screen.getByTestId("thresholds-staleDays") as HTMLInputElement;
    await waitFor(() => expect(stale().value).toBe("7"));
    expect((screen.getByTestId("thresholds-save") as HTMLButtonElement).disabled).toBe(true);

    await user.clear(stale());
    await user.type(stale(), "0");
    await user.click(screen.getByTestId("thresholds-save"));
    await waitFor(() => expect(stale().getAttribute("aria-invalid")).toBe("true"));
    expect(screen.getByTestId("error-staleDays").textContent).toBe("Valeur hors limites");

    await user.clear(stale());
    await user.type(stale(), "10");
    await user.click(screen.getByTestId("thresholds-save"));
    await waitFor(() => expect(saves.at(-1)?.staleDays).toBe(10));
    await waitFor(() => expect(stale().value).toBe("10"));
    expect(saves.at(-1)?.relistAfterDays).toBe(30);
  });
});

describe("Settings › scheduled reads", () => {
  it("shows the intervals in minutes and saves a changed one, keeping the others", async () => {
    const saves: ReadIntervals[] = [];
    let current: ReadIntervals = { readStatisticsMinutes: 1440, importOrdersMinutes: 120, importInboxMinutes: 30, readNotificationsMinutes: 360 };
    mockIPC((cmd: string, payload?: InvokeArgs) => {
      if (cmd === "get_read_intervals") return current;
      if (cmd === "set_read_intervals") {
        current = (payload as { intervals: ReadIntervals }).intervals;
        saves.push(current);
        return current;
      }
      throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
    });
    renderWithProviders(<ReadIntervalsSection />);
    const user = userEvent.setup();
    const inbox = () => screen.getByTestId("intervals-importInboxMinutes") as HTMLInputElement;
    await waitFor(() => expect(inbox().value).toBe("30"));
    expect(screen.getByText("Messagerie")).toBeTruthy();
    await user.clear(inbox());
    await user.type(inbox(), "45");
    await user.click(screen.getByTestId("intervals-save"));
    await waitFor(() => expect(saves).toEqual([{ readStatisticsMinutes: 1440, importOrdersMinutes: 120, importInboxMinutes: 45, readNotificationsMinutes: 360 }]));
  });
});
