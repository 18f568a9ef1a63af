import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AppError, Dashboard, DashboardQuery, SellerAccount } from "../../bindings";
import i18n from "../../i18n";
import { normalizeSpaces, renderWithProviders } from "../../test/utils";
import { DashboardPage, bucketLabel } from "./DashboardPage";
import { DEAD_STOCK_DAYS_KEY } from "./settings";

// uPlot draws on a canvas, which jsdom has not: a stand-in records what each chart was given.
const charts = vi.hoisted(() => [] as { data: unknown[][]; target: HTMLElement; destroyed: boolean }[]);
vi.mock("uplot", () => {
  class FakeUPlot {
    static paths = { bars: () => () => null, linear: () => () => null };
    record: { data: unknown[][]; target: HTMLElement; destroyed: boolean };
    constructor(_opts: unknown, data: unknown[][], target: HTMLElement) {
      this.record = { data, target, destroyed: false };
      charts.push(this.record);
    }
    setSize() {}
    destroy() {
      this.record.destroyed = true;
    }
  }
  return { default: FakeUPlot };
});

const dashboard: Dashboard = {
  from: "2025-03-01T00:00:00.000Z",
  to: "2025-04-01T00:00:00.000Z",
  revenueCents: 123450,
  feesCents: 1520,
  costOfGoodsCents: 40000,
  netProfitCents: 81930,
  marginBp: 6637,
  salesCount: 12,
  unitsSold: 14,
  averageSaleCents: 10288,
  averageDaysToSell: 17.25,
  purchasesCount: 2,
  purchasesCents: 30000,
  stockItems: 40,
  stockUnits: 52,
  stockValueCostCents: 98000,
  stockValuePriceCents: 250000,
  deadStockSince: "2024-12-01T00:00:00.000Z",
  deadStockItems: 3,
  deadStockUnits: 3,
  deadStockValueCostCents: 4500,
  deadStockValuePriceCents: 12000,
  granularity: "day",
  series: [
    { bucket: "2025-03-01", sales: 2, revenueCents: 5000, profitCents: 3000 },
    { bucket: "2025-03-02", sales: 0, revenueCents: 0, profitCents: 0 },
  ],
  byCategory: [
    { key: "Robes", units: 5, revenueCents: 80000 },
    { key: null, units: 9, revenueCents: 43450 },
  ],
  byBrand: [{ key: "Zara", units: 14, revenueCents: 123450 }],
};

const account: SellerAccount = {
  id: "acc-1",
  name: "Boutique Lou",
  username: "lou",
  email: null,
  avatar: null,
  vintedBaseUrl: "https://www.vinted.fr",
  proxy: null,
  isConnected: false,
  isRunning: false,
  lastSessionStart: null,
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
  hasVintedPassword: false,
  hasProxyPassword: false,
  hasVncPassword: false,
};

function fakeBackend(answer: (q: DashboardQuery) => Dashboard = () => dashboard) {
  const queries: DashboardQuery[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    if (cmd === "list_seller_accounts") return [account];
    if (cmd === "get_dashboard") {
      const q = p.query as DashboardQuery;
      queries.push(q);
      return answer(q);
    }
    throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
  });
  return queries;
}

const text = (testId: string) => normalizeSpaces(screen.getByTestId(testId).textContent);
const local = (y: number, m: number, d: number) => new Date(y, m - 1, d).toISOString();

describe("DashboardPage", () => {
  beforeEach(() => {
    charts.length = 0;
    window.localStorage.clear();
    // Only the clock is fixed (Wednesday 12 March 2025, afternoon); timers stay real.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(2025, 2, 12, 15, 30));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("asks for this month in the user's time zone and shows the figures in French", async () => {
    const queries = fakeBackend();
    renderWithProviders(<DashboardPage />);

    await screen.findByTestId("dash-revenue");
    expect(queries[0]).toEqual({
      from: local(2025, 3, 1),
      to: local(2025, 4, 1),
      sellerAccountId: null,
      deadStockDays: 90,
      utcOffsetMinutes: -new Date().getTimezoneOffset() || 0,
    });
    expect(text("dash-revenue")).toBe("1 234,50 €");
    expect(text("dash-fees")).toBe("15,20 €");
    expect(text("dash-cogs")).toBe("400,00 €");
    expect(text("dash-profit")).toBe("819,30 €");
    expect(text("dash-sales-count")).toBe("12");
    expect(text("dash-margin")).toBe("66,4 %");
    expect(text("dash-average-sale")).toBe("102,88 €");
    expect(text("dash-days-to-sell")).toBe("17,3 j");
    expect(text("dash-stock-cost")).toBe("980,00 €");
    expect(text("dash-stock-price")).toBe("2 500,00 €");
    expect(text("dash-dead-stock")).toBe("3 articles");

    // Charts: the series in euros per day, the bars most revenue first, their figures as tables.
    await waitFor(() => expect(charts).toHaveLength(3));
    expect(charts[0].data).toEqual([
      [0, 1],
      [50, 0],
      [30, 0],
    ]);
    expect(screen.getByTestId("chart-series").contains(charts[0].target)).toBe(true);
    const categories = within(screen.getByTestId("chart-category-table")).getAllByRole("row");
    expect(categories.map((r) => normalizeSpaces(r.textContent))).toEqual(["Robes800,00 €5 articles", "Sans catégorie434,50 €9 articles"]);
    expect(normalizeSpaces(screen.getByTestId("chart-brand-table").textContent)).toContain("Zara1 234,50 €14 articles");
  });

  it("follows the period, the account and the dead-stock days, and remembers the days", async () => {
    const queries = fakeBackend();
    renderWithProviders(<DashboardPage />);
    const user = userEvent.setup();
    await screen.findByTestId("dash-revenue");

    await user.selectOptions(screen.getByTestId("dashboard-period"), "week");
    await waitFor(() => expect(queries.at(-1)).toMatchObject({ from: local(2025, 3, 10), to: local(2025, 3, 17) }));
    await user.selectOptions(screen.getByTestId("dashboard-period"), "today");
    await waitFor(() => expect(queries.at(-1)).toMatchObject({ from: local(2025, 3, 12), to: local(2025, 3, 13) }));
    await user.selectOptions(screen.getByTestId("dashboard-period"), "year");
    await waitFor(() => expect(queries.at(-1)).toMatchObject({ from: local(2025, 1, 1), to: local(2026, 1, 1) }));

    await user.selectOptions(screen.getByTestId("dashboard-period"), "custom");
    const to = screen.getByTestId("dashboard-to");
    await user.clear(to);
    await user.type(to, "2025-03-05");
    await waitFor(() => expect(queries.at(-1)).toMatchObject({ from: local(2025, 3, 1), to: local(2025, 3, 6) }));

    await user.selectOptions(await screen.findByTestId("dashboard-account"), "acc-1");
    await waitFor(() => expect(queries.at(-1)?.sellerAccountId).toBe("acc-1"));

    const days = screen.getByTestId("dashboard-dead-days");
    await user.clear(days);
    await user.type(days, "30");
    await waitFor(() => expect(queries.at(-1)?.deadStockDays).toBe(30));
    expect(window.localStorage.getItem(DEAD_STOCK_DAYS_KEY)).toBe("30");
  });

  it("starts with the remembered dead-stock days and shows English amounts", async () => {
    window.localStorage.setItem(DEAD_STOCK_DAYS_KEY, "180");
    await i18n.changeLanguage("en");
    const queries = fakeBackend();
    renderWithProviders(<DashboardPage />);

    expect((await screen.findByTestId("dash-revenue")).textContent).toBe("€1,234.50");
    expect(queries[0].deadStockDays).toBe(180);
    expect(text("dash-margin")).toBe("66.4%");
  });

  it("says what is wrong with a custom period instead of asking the store", async () => {
    const queries = fakeBackend();
    renderWithProviders(<DashboardPage />);
    const user = userEvent.setup();
    await screen.findByTestId("dash-revenue");
    const before = queries.length;

    await user.selectOptions(screen.getByTestId("dashboard-period"), "custom");
    const to = screen.getByTestId("dashboard-to");
    await user.clear(to);
    await user.type(to, "2025-02-01");
    expect(screen.getByTestId("dashboard-period-error").textContent).toContain("date de fin");
    // Only the valid custom period (1–12 March) reached the store.
    expect(queries.slice(before).every((q) => q.to === local(2025, 3, 13))).toBe(true);
  });
});

describe("bucketLabel", () => {
  it("names days and months in the UI language", () => {
    expect(bucketLabel("2025-03-05", "day", "fr")).toBe("5 mars");
    expect(bucketLabel("2025-03", "month", "en")).toBe("Mar 2025");
  });
});
