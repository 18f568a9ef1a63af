/** The dashboard's own preferences, kept in the webview's localStorage (nothing secret). */

export const DEAD_STOCK_DAYS_KEY = "sellerPanel.dashboard.deadStockDays";
export const DEFAULT_DEAD_STOCK_DAYS = 90;
export const MAX_DEAD_STOCK_DAYS = 36_500;

/** A whole number of days between 1 and 36 500, or null. */
export function parseDeadStockDays(input: string): number | null {
  const s = input.trim();
  if (!/^\d{1,5}$/.test(s)) return null;
  const days = Number(s);
  return days >= 1 && days <= MAX_DEAD_STOCK_DAYS ? days : null;
}

export function loadDeadStockDays(): number {
  try {
    return parseDeadStockDays(window.localStorage.getItem(DEAD_STOCK_DAYS_KEY) ?? "") ?? DEFAULT_DEAD_STOCK_DAYS;
  } catch {
    return DEFAULT_DEAD_STOCK_DAYS;
  }
}

export function saveDeadStockDays(days: number) {
  try {
    window.localStorage.setItem(DEAD_STOCK_DAYS_KEY, String(days));
  } catch {
    // Storage unavailable: the value lasts for this session only.
  }
}
