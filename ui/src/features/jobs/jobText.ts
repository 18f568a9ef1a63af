import type { Job } from "../../bindings";

/**
 * The reasons a job waits, needs the person or failed, as the queue records them in
 * `errorCode`: the pacing governor's waits, Vinted's refusals, the account's pauses.
 */
export const JOB_REASONS = [
  "gap",
  "hourly_cap",
  "daily_cap",
  "cooldown",
  "retry_after",
  "no_answer",
  "session",
  "rate_limited",
  "server_error",
  "challenge",
  "captcha",
  "login_expired",
  "restricted",
  "blocked",
  "access_denied",
  "validation",
  "not_found",
  "endpoint_moved",
  "unexpected",
  "invalid_job",
  "store",
] as const;
export type JobReason = (typeof JOB_REASONS)[number];

export function knownReason(code: string | null): JobReason | null {
  return code !== null && (JOB_REASONS as readonly string[]).includes(code) ? (code as JobReason) : null;
}

/** What an import did, from its result; `null` for another job or a result this version does not read. */
export type ImportSummary = { seen: number; linked: number; gone: number; created: number };

export function importSummary(job: Pick<Job, "kind" | "result">): ImportSummary | null {
  if (job.kind !== "import_listings" || typeof job.result !== "object" || job.result === null) return null;
  const r = job.result as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  return { seen: n(r.seen), linked: n(r.linked), gone: n(r.gone), created: n(r.created) };
}

/** The options an import was queued with, from its payload. */
export function importOptions(job: Pick<Job, "kind" | "payload">): { linkBySku: boolean; createItems: boolean } | null {
  if (job.kind !== "import_listings" || typeof job.payload !== "object" || job.payload === null) return null;
  const p = job.payload as Record<string, unknown>;
  return { linkBySku: p.linkBySku !== false, createItems: p.createItems === true };
}

/** A whole percentage of the progress, or `null` while the total is unknown. */
export function progressPercent(done: number, total: number | null): number | null {
  if (total === null || total <= 0) return null;
  return Math.min(100, Math.max(0, Math.round((done / total) * 100)));
}

/** "14:05" for a time later today, else the date and the time, in the user's language. */
export function formatUntil(iso: string, lang: string, now: Date = new Date()): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const sameDay = at.getFullYear() === now.getFullYear() && at.getMonth() === now.getMonth() && at.getDate() === now.getDate();
  return sameDay
    ? new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" }).format(at)
    : new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short" }).format(at);
}
