import type { Job, OfferAction } from "../../bindings";

/** What a queued answer of a thread says it will do (its job's payload). */
export type PendingAnswer =
  | { kind: "reply"; body: string }
  | { kind: "offer"; action: OfferAction; priceCents: number | null; offerId: string | null };

/** Whether an answer to the thread's offer is queued or under way: the offer's buttons hide until it ends (a second click would answer twice). */
export function offerAnswerPending(pending: ReadonlyArray<Pick<Job, "kind">>): boolean {
  return pending.some((job) => job.kind === "answer_offer");
}

export function pendingAnswer(job: Pick<Job, "kind" | "payload">): PendingAnswer | null {
  const payload = (job.payload ?? {}) as Record<string, unknown>;
  if (job.kind === "send_reply" && typeof payload.body === "string") return { kind: "reply", body: payload.body };
  if (job.kind === "answer_offer" && (payload.action === "accept" || payload.action === "decline" || payload.action === "counter")) {
    return {
      kind: "offer",
      action: payload.action,
      priceCents: typeof payload.priceCents === "number" ? payload.priceCents : null,
      offerId: typeof payload.offerId === "string" ? payload.offerId : null,
    };
  }
  return null;
}

/** The failures of an answer the inbox explains itself; others show the job's message. */
export type AnswerFailure =
  | { code: "offer_out_of_range"; priceCents: number; minCents: number; maxCents: number }
  | { code: "offer_not_pending" }
  | { code: "thread_not_read" }
  | { code: "other"; message: string };

export function answerFailure(job: Pick<Job, "errorCode" | "errorMessage" | "result">): AnswerFailure {
  const detail = (job.result ?? {}) as Record<string, unknown>;
  const number = (v: unknown) => (typeof v === "number" ? v : null);
  if (job.errorCode === "offer_out_of_range") {
    const [priceCents, minCents, maxCents] = [number(detail.priceCents), number(detail.minCents), number(detail.maxCents)];
    if (priceCents !== null && minCents !== null && maxCents !== null) return { code: "offer_out_of_range", priceCents, minCents, maxCents };
  }
  if (job.errorCode === "offer_not_pending") return { code: "offer_not_pending" };
  if (job.errorCode === "thread_not_read") return { code: "thread_not_read" };
  return { code: "other", message: job.errorMessage ?? job.errorCode ?? "" };
}

/**
 * Whether a counter-offer price fits the range Vinted allows, when the range is known: `null`
 * when it fits (or the range is unknown: the job reads it before sending).
 */
export function counterProblem(priceCents: number | null, min: number | null, max: number | null): "invalid" | "outOfRange" | null {
  if (priceCents === null || priceCents <= 0) return "invalid";
  if (min !== null && max !== null && (priceCents < min || priceCents > max)) return "outOfRange";
  return null;
}

/** Ctrl+Enter (Cmd+Enter on a Mac) sends. */
export function isSendShortcut(e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey">): boolean {
  return e.key === "Enter" && (e.ctrlKey || e.metaKey);
}
