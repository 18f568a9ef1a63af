/**
 * Periods of the books (dashboard, orders list) as the user means them: calendar days, weeks
 * (Monday first), months and years in the user's local time, sent to the store as half-open UTC
 * ranges `[from, to)` in RFC 3339.
 */

export const PERIOD_KINDS = ["today", "week", "month", "year", "custom"] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** A custom period as typed in two date inputs (`YYYY-MM-DD`), both days included. */
export type CustomRange = { from: string; to: string };

export type PeriodBounds = { from: string; to: string };

export type PeriodResult = { ok: true; bounds: PeriodBounds } | { ok: false; error: "from" | "to" };

function startOfDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

/** `YYYY-MM-DD` as a local midnight, or null when it is not a real date. */
export function parseLocalDate(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const date = new Date(y, mo, d);
  if (date.getFullYear() !== y || date.getMonth() !== mo || date.getDate() !== d) return null;
  return date;
}

/** A local date as `YYYY-MM-DD` (what a date input holds). */
export function toLocalDateInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** RFC 3339 in UTC with milliseconds, as the store keeps times. */
export function toUtc(d: Date): string {
  return d.toISOString();
}

/**
 * The local-time bounds of a period containing `now`: today, this week (Monday to Monday), this
 * month or this year, each up to the start of the next one so that charts show the whole period;
 * or a custom range of whole days.
 */
export function periodBounds(kind: PeriodKind, now: Date, custom?: CustomRange): PeriodResult {
  const today = startOfDay(now);
  let from: Date;
  let to: Date;
  switch (kind) {
    case "today":
      from = today;
      to = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1);
      break;
    case "week": {
      const sinceMonday = (today.getDay() + 6) % 7;
      from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - sinceMonday);
      to = new Date(from.getFullYear(), from.getMonth(), from.getDate() + 7);
      break;
    }
    case "month":
      from = new Date(today.getFullYear(), today.getMonth(), 1);
      to = new Date(today.getFullYear(), today.getMonth() + 1, 1);
      break;
    case "year":
      from = new Date(today.getFullYear(), 0, 1);
      to = new Date(today.getFullYear() + 1, 0, 1);
      break;
    case "custom": {
      const start = parseLocalDate(custom?.from ?? "");
      if (!start) return { ok: false, error: "from" };
      const end = parseLocalDate(custom?.to ?? "");
      if (!end || end < start) return { ok: false, error: "to" };
      from = start;
      to = new Date(end.getFullYear(), end.getMonth(), end.getDate() + 1);
      break;
    }
  }
  return { ok: true, bounds: { from: toUtc(from), to: toUtc(to) } };
}

/** The user's offset from UTC in minutes now (60 in Paris in winter), as the store expects it. */
export function utcOffsetMinutes(now: Date = new Date()): number {
  // `|| 0` turns JavaScript's -0 (UTC) into 0.
  return -now.getTimezoneOffset() || 0;
}
