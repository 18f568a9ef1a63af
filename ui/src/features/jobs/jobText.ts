import type { Job, Problem, ProblemCode } from "../../bindings";

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
  "item_problems",
  "not_owned",
  "not_linked",
  "listing_gone",
  "already_sold",
  "too_many_failures",
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

export type ImportPhotos = { stored: number; failed: { listingId: string; position: number }[]; more: number };

/** The photos an import downloaded for the items it made, and those it could not; `null` when it fetched none. */
export function importPhotos(job: Pick<Job, "kind" | "result">): ImportPhotos | null {
  if (job.kind !== "import_listings" || typeof job.result !== "object" || job.result === null) return null;
  const r = job.result as Record<string, unknown>;
  if (typeof r.photos !== "number" || !Number.isFinite(r.photos)) return null;
  const failed = (Array.isArray(r.photoFailures) ? r.photoFailures : []).flatMap((f: unknown) => {
    if (typeof f !== "object" || f === null) return [];
    const { listingId, position } = f as Record<string, unknown>;
    if (typeof listingId !== "string" || typeof position !== "number") return [];
    return [{ listingId, position }];
  });
  // The import keeps the first failures and a total: the rest are only counted.
  const total = typeof r.photoFailuresTotal === "number" && Number.isFinite(r.photoFailuresTotal) ? r.photoFailuresTotal : failed.length;
  return { stored: r.photos, failed, more: Math.max(0, total - failed.length) };
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

/** What a finished write did, as one message of `jobs.result`; `null` when the result says nothing this version reads. */
export type ResultMessage = {
  key:
    | "publish"
    | "publishAdopted"
    | "publishDryRun"
    | "relist"
    | "relistSkipped"
    | "relistDryRun"
    | "editPrice"
    | "editPriceSame"
    | "editPriceDryRun"
    | "hide"
    | "unhide"
    | "hideDryRun"
    | "unhideDryRun"
    | "delete"
    | "deleteAlreadyGone"
    | "deleteDryRun";
  /** Vinted ids as text; prices in cents (`from`, `to`), formatted by the caller. */
  values: { id?: string; newId?: string; favourites?: number; from?: number | null; to?: number };
};

const record = (v: unknown): Record<string, unknown> | null => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" && Number.isFinite(v) ? String(v) : undefined);
const cents = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) ? v : undefined);

/** The result of a publish, relist, price change, hide, unhide or delete, as the flows record it. */
export function resultMessage(job: Pick<Job, "kind" | "result">): ResultMessage | null {
  const r = record(job.result);
  if (!r) return null;
  const dry = r.dryRun === true;
  switch (job.kind) {
    case "publish": {
      if (dry) return { key: "publishDryRun", values: {} };
      const id = text(r.listingId);
      return id ? { key: r.adopted === true ? "publishAdopted" : "publish", values: { id } } : null;
    }
    case "relist": {
      const id = text(r.oldListingId);
      if (!id) return null;
      if (dry) return { key: "relistDryRun", values: { id } };
      if (r.skipped === "favourited") return { key: "relistSkipped", values: { id, favourites: cents(r.favourites) ?? 0 } };
      const newId = text(r.newListingId);
      return newId ? { key: "relist", values: { id, newId } } : null;
    }
    case "edit_price": {
      const id = text(r.listingId);
      const to = cents(r.priceCents);
      if (!id || to === undefined) return null;
      const from = cents(r.previousPriceCents) ?? null;
      if (dry) return { key: "editPriceDryRun", values: { id, to } };
      return { key: r.changed === false ? "editPriceSame" : "editPrice", values: { id, from, to } };
    }
    case "hide":
    case "unhide": {
      const id = text(r.listingId);
      if (!id) return null;
      if (job.kind === "hide") return { key: dry ? "hideDryRun" : "hide", values: { id } };
      return { key: dry ? "unhideDryRun" : "unhide", values: { id } };
    }
    case "delete": {
      const id = text(r.listingId);
      if (!id) return null;
      if (dry) return { key: "deleteDryRun", values: { id } };
      return { key: r.alreadyGone === true ? "deleteAlreadyGone" : "delete", values: { id } };
    }
    default:
      return null;
  }
}

/** Which listing (and new price) a change of a listing is about, from its payload. */
export function listingTarget(job: Pick<Job, "kind" | "payload">): { id: string; priceCents: number | null } | null {
  if (job.kind !== "edit_price" && job.kind !== "hide" && job.kind !== "unhide" && job.kind !== "delete" && job.kind !== "relist") return null;
  const p = record(job.payload);
  const id = p ? text(p.listingId) : undefined;
  if (!p || !id) return null;
  return { id, priceCents: job.kind === "edit_price" ? (cents(p.priceCents) ?? null) : null };
}

/**
 * Failures the person can fix (or must look at), said in their language from the code and the
 * detail the queue keeps as the job's `result`: Vinted's or the app's English message is not shown.
 */
export const TRANSLATED_FAILURES: readonly JobReason[] = ["item_problems", "not_owned", "not_linked", "listing_gone", "already_sold", "too_many_failures"];

/** The transient failures a job gives up after (`too_many_failures`), said as the last one. */
export const LAST_FAILURES = ["no_answer", "server_error", "rate_limited"] as const;
export type LastFailure = (typeof LAST_FAILURES)[number] | "other";

/**
 * What a failed job's `result` says for its code: the item's problems, the listing, the number of
 * tries in a row, and (after too many of them) what the last one was.
 */
export type FailureDetail = { problems: Problem[]; listingId: string | null; failures: number | null; lastFailure: LastFailure | null };

export function failureDetail(job: Pick<Job, "state" | "errorCode" | "result">): FailureDetail | null {
  if (job.state !== "failed") return null;
  const reason = knownReason(job.errorCode);
  if (!reason || !TRANSLATED_FAILURES.includes(reason)) return null;
  const r = record(job.result) ?? {};
  const problems = Array.isArray(r.problems)
    ? r.problems.flatMap((p): Problem[] => {
        const o = record(p);
        if (!o || typeof o.field !== "string" || typeof o.code !== "string") return [];
        return [{ field: o.field, code: o.code as ProblemCode, detail: typeof o.detail === "string" ? o.detail : null }];
      })
    : [];
  const failures = typeof r.failures === "number" && Number.isInteger(r.failures) ? r.failures : null;
  const lastCode = text(r.lastCode);
  const lastFailure: LastFailure | null =
    lastCode === undefined ? null : (LAST_FAILURES as readonly string[]).includes(lastCode) ? (lastCode as LastFailure) : "other";
  return { problems, listingId: text(r.listingId) ?? null, failures, lastFailure };
}
