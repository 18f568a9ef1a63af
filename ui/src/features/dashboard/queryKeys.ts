import type { DashboardQuery } from "../../bindings";

/** The dashboard's query keys: every figure depends on the orders and the inventory. */
export const dashboardKeys = {
  all: ["dashboard"] as const,
  summary: (query: DashboardQuery | null) => ["dashboard", query] as const,
};
