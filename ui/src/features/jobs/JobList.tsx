import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Job, JobState, Problem } from "../../bindings";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { LoadError } from "../../components/LoadError";
import { useToast } from "../../components/Toast";
import { normalizeAppError } from "../../lib/errors";
import { LiveView } from "../sessions/LiveView";
import { formatCents } from "../../lib/money";
import { problemMessage, problemValues } from "../publish/publishPreview";
import { failureDetail, formatUntil, importOptions, importPhotos, importSummary, knownReason, listingTarget, progressPercent, resultMessage } from "./jobText";
import { isUnfinished, useCancelJob, useJobs, useResumeAccountJobs } from "./queries";

export const JOBS_PER_PAGE = 20;
const COMPACT_PER_PAGE = 5;

type Props = {
  accountId: string | null;
  /** Every state when empty. */
  states: readonly JobState[];
  /** Account names by id, for the rows. */
  accountNames: ReadonlyMap<string, string>;
  /** A few rows without paging and nothing at all when there is none (the listings' panel). */
  compact?: boolean;
  page?: number;
  onPageChange?: (page: number) => void;
};

/** The job queue, newest first: state, progress, what a done import found, cancel and resume. */
export function JobList({ accountId, states, accountNames, compact, page = 1, onPageChange }: Props) {
  const { t } = useTranslation();
  const { showToast } = useToast();
  const perPage = compact ? COMPACT_PER_PAGE : JOBS_PER_PAGE;
  const jobs = useJobs({ accountId, states: [...states], page: compact ? 1 : page, perPage });
  const cancel = useCancelJob();
  const resume = useResumeAccountJobs();
  const [confirming, setConfirming] = useState<Job | null>(null);
  const [watched, setWatched] = useState<{ id: string; name: string } | null>(null);
  const data = jobs.data;

  const accountName = (id: string) => accountNames.get(id) ?? t("jobs.unknownAccount");

  function confirmCancel() {
    const job = confirming;
    if (!job) return;
    cancel.mutate(job.id, {
      onSuccess: (after) => {
        setConfirming(null);
        showToast(after.state === "cancelled" ? t("jobs.cancelled") : t("jobs.cancelRequested"));
      },
      onError: (error) => {
        setConfirming(null);
        showToast(t("jobs.cancelFailed", { reason: t(`errors.${normalizeAppError(error).code}`) }));
      },
    });
  }

  function resumeAccount(job: Job) {
    resume.mutate(job.accountId, {
      onSuccess: (count) => showToast(t("jobs.resumed", { count, name: accountName(job.accountId) })),
      onError: (error) => showToast(t("jobs.resumeFailed", { reason: t(`errors.${normalizeAppError(error).code}`) })),
    });
  }

  if (jobs.isPending) {
    if (compact) return null;
    return (
      <p className="state-message" role="status" data-testid="jobs-loading">
        <span className="spinner" aria-hidden="true" /> {t("jobs.loading")}
      </p>
    );
  }
  if (jobs.isError && !data) {
    // The listings' panel is an aside: a failure to read the queue is shown in the jobs area.
    if (compact) return null;
    return <LoadError title={t("jobs.loadError")} error={jobs.error} onRetry={() => void jobs.refetch()} testId="jobs-error" />;
  }
  if (!data) return null;
  if (data.items.length === 0) {
    if (compact) return null;
    return (
      <div className="empty-state" data-testid="jobs-empty">
        <h2>{t("jobs.emptyTitle")}</h2>
        <p>{t("jobs.emptyText")}</p>
      </div>
    );
  }

  const pages = Math.max(1, Math.ceil(data.total / perPage));
  return (
    <div className={compact ? "job-panel" : undefined} data-testid={compact ? "jobs-panel" : undefined}>
      {compact && <h2 className="section-title">{t("jobs.panelTitle")}</h2>}
      <ul className="job-list" aria-label={t("jobs.listLabel")} aria-busy={jobs.isFetching || undefined} data-testid="job-list">
        {data.items.map((job) => (
          <JobItem
            key={job.id}
            job={job}
            accountName={accountName(job.accountId)}
            resuming={resume.isPending && resume.variables === job.accountId}
            onCancel={() => setConfirming(job)}
            onResume={() => resumeAccount(job)}
            onWatch={() => setWatched({ id: job.accountId, name: accountName(job.accountId) })}
          />
        ))}
      </ul>
      {!compact && pages > 1 && (
        <nav className="pagination" aria-label={t("jobs.pagination")}>
          <span className="pagination-range" data-testid="jobs-page">
            {t("jobs.pageOf", { page: data.page, pages })}
          </span>
          <div className="pagination-buttons">
            <button type="button" className="btn btn-small" data-testid="jobs-page-prev" disabled={page <= 1} onClick={() => onPageChange?.(page - 1)}>
              ← {t("jobs.previous")}
            </button>
            <button type="button" className="btn btn-small" data-testid="jobs-page-next" disabled={page >= pages} onClick={() => onPageChange?.(page + 1)}>
              {t("jobs.next")} →
            </button>
          </div>
        </nav>
      )}
      <ConfirmDialog
        open={confirming !== null}
        title={t("jobs.cancelDialog.title")}
        text={
          confirming?.state === "running"
            ? t("jobs.cancelDialog.textRunning", { kind: t(`jobs.kinds.${confirming.kind}`), name: accountName(confirming.accountId) })
            : t("jobs.cancelDialog.text", { kind: confirming ? t(`jobs.kinds.${confirming.kind}`) : "", name: confirming ? accountName(confirming.accountId) : "" })
        }
        confirmLabel={t("jobs.cancelDialog.confirm")}
        cancelLabel={t("jobs.cancelDialog.cancel")}
        testId="confirm-cancel-job"
        danger
        busy={cancel.isPending}
        onConfirm={confirmCancel}
        onCancel={() => setConfirming(null)}
      />
      {watched && <LiveView accountId={watched.id} accountName={watched.name} onClose={() => setWatched(null)} />}
    </div>
  );
}

type ItemProps = {
  job: Job;
  accountName: string;
  resuming: boolean;
  onCancel: () => void;
  onResume: () => void;
  onWatch: () => void;
};

/** The listing a job is about, from its payload, for a failure whose detail names none. */
function payloadListing(job: Job): string {
  return listingTarget(job)?.id ?? "";
}

function JobItem({ job, accountName, resuming, onCancel, onResume, onWatch }: ItemProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const dateTime = useMemo(() => new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short" }), [lang]);
  const kind = t(`jobs.kinds.${job.kind}`);
  const reason = knownReason(job.errorCode);
  // A failure the person can fix is said from its code and detail, in their language.
  const failure = failureDetail(job);
  const reasonText = reason
    ? t(`jobs.reasons.${reason}`, { id: failure?.listingId ?? payloadListing(job), count: failure?.failures ?? 0 })
    : job.errorCode;
  const money = (cents: number | null | undefined) => (cents === null || cents === undefined ? "—" : formatCents(cents, lang));
  function problemText(problem: Problem): string {
    const values = problemValues(problem, (amount) => formatCents(amount, lang));
    const message = problemMessage(problem);
    if (message.kind === "specific") return t(`publish.specific.${message.key}`, values);
    const field = message.kind === "generic" && message.field ? t(`publish.fields.${message.field}`) : problem.field;
    if (message.kind === "generic") return t(`publish.problems.${message.code}`, { ...values, field });
    return t("publish.problems.unknown", { field, code: problem.code, detail: values.detail });
  }
  const summary = job.state === "done" ? importSummary(job) : null;
  const photos = job.state === "done" ? importPhotos(job) : null;
  const options = importOptions(job);
  const result = job.state === "done" ? resultMessage(job) : null;
  const target = listingTarget(job);
  const unfinished = isUnfinished(job);
  const percent = progressPercent(job.progressDone, job.progressTotal);
  const created = new Date(job.createdAt);

  let stateText: string;
  if (job.state === "waiting" && job.notBefore) stateText = t("jobs.states.waitingUntil", { time: formatUntil(job.notBefore, lang) });
  else stateText = t(`jobs.states.${job.state}`);

  return (
    <li className={`job-item is-${job.state}`} data-testid="job-row" data-id={job.id} data-state={job.state}>
      <div className="job-head">
        <span className="job-kind" data-testid="job-kind">
          {kind}
        </span>
        <span className="job-account" data-testid="job-account">
          {accountName}
        </span>
        {job.dryRun && (
          <span className="badge badge-dry-run" data-testid="job-dry-run" title={t("jobs.dryRunHint")}>
            {t("jobs.dryRun")}
          </span>
        )}
        <span className={`badge badge-job badge-job-${job.state}`} data-testid="job-state" data-state={job.state}>
          {stateText}
        </span>
        <span className="job-date muted">{Number.isNaN(created.getTime()) ? "" : dateTime.format(created)}</span>
      </div>

      {options && (
        <p className="job-options muted">
          {[options.linkBySku && t("jobs.options.linkBySku"), options.createItems && t("jobs.options.createItems")].filter(Boolean).join(" · ") ||
            t("jobs.options.none")}
        </p>
      )}

      {target && (
        <p className="job-options muted" data-testid="job-target">
          {target.priceCents !== null ? t("jobs.target.listingPrice", { id: target.id, price: money(target.priceCents) }) : t("jobs.target.listing", { id: target.id })}
        </p>
      )}

      {(job.state === "waiting" || job.state === "needs_attention" || job.state === "failed") && (reasonText || job.errorMessage) && (
        <div className={job.state === "waiting" ? "job-reason" : "job-reason is-alert"} data-testid="job-reason" data-code={job.errorCode ?? ""}>
          {reasonText && <p>{reasonText}</p>}
          {/* A pacing wait's message only repeats its reason in English; a refusal's says more. */}
          {failure && failure.problems.length > 0 && (
            <ul className="job-problems" data-testid="job-problems">
              {failure.problems.map((problem, k) => (
                <li key={k} data-field={problem.field} data-code={problem.code}>
                  {problemText(problem)}
                </li>
              ))}
            </ul>
          )}
          {failure?.lastFailure && (
            <p className="job-message muted" data-testid="job-last-failure" data-code={failure.lastFailure}>
              {t(`jobs.lastFailure.${failure.lastFailure}`)}
            </p>
          )}
          {job.errorMessage && job.errorMessage !== job.errorCode && !(job.state === "waiting" && reason) && !failure && (
            <p className="job-message muted" data-testid="job-message">
              {job.errorMessage}
            </p>
          )}
        </div>
      )}

      {unfinished && (job.progressDone > 0 || job.progressTotal !== null || job.state === "running") && (
        <div className="job-progress">
          <progress
            data-testid="job-progress"
            max={job.progressTotal ?? undefined}
            value={job.progressTotal !== null ? job.progressDone : undefined}
            aria-label={t("jobs.progressLabel", { kind })}
            aria-valuetext={percent !== null ? `${percent} %` : undefined}
          />
          <span className="job-progress-text" data-testid="job-progress-text">
            {job.progressTotal !== null
              ? t("jobs.progress", { done: job.progressDone, total: job.progressTotal, percent: percent ?? 0 })
              : t("jobs.progressUnknown", { done: job.progressDone })}
          </span>
        </div>
      )}

      {summary && (
        <p className="job-result" data-testid="job-result">
          {t("jobs.result.import", summary)}
        </p>
      )}
      {photos && (
        <div className="job-result" data-testid="job-photos">
          <p>{t("jobs.result.importPhotos", { count: photos.stored })}</p>
          {photos.failed.length + photos.more > 0 && (
            <>
              <p>{t("jobs.result.importPhotosFailed", { count: photos.failed.length + photos.more })}</p>
              <ul>
                {photos.failed.map((f) => (
                  <li key={`${f.listingId}-${f.position}`}>
                    {f.position === 0
                      ? t("jobs.result.importPhotoListingFailed", { id: f.listingId })
                      : t("jobs.result.importPhotoFailed", { id: f.listingId, position: f.position })}
                  </li>
                ))}
                {photos.more > 0 && <li>{t("jobs.result.importPhotosMore", { count: photos.more })}</li>}
              </ul>
            </>
          )}
        </div>
      )}

      {result && (
        <p className="job-result" data-testid="job-result" data-result={result.key}>
          {t(`jobs.result.${result.key}`, {
            id: result.values.id ?? "",
            newId: result.values.newId ?? "",
            count: result.values.favourites ?? 0,
            from: money(result.values.from),
            to: money(result.values.to),
          })}
        </p>
      )}

      {unfinished && (
        <div className="job-actions">
          {job.state === "needs_attention" && (
            <>
              <button type="button" className="btn btn-small" data-testid="job-live-view" onClick={onWatch} aria-label={t("jobs.liveViewLabel", { name: accountName })}>
                {t("jobs.liveView")}
              </button>
              <button
                type="button"
                className="btn btn-small btn-primary"
                data-testid="job-resume"
                disabled={resuming}
                aria-busy={resuming || undefined}
                aria-label={t("jobs.resumeLabel", { name: accountName })}
                onClick={onResume}
              >
                {resuming ? t("jobs.resuming") : t("jobs.resume")}
              </button>
            </>
          )}
          {job.cancelRequested ? (
            <span className="muted" data-testid="job-cancel-requested">
              {t("jobs.cancelRequestedShort")}
            </span>
          ) : (
            <button
              type="button"
              className="btn btn-small btn-danger-ghost"
              data-testid="job-cancel"
              aria-label={t("jobs.cancelLabel", { kind, name: accountName })}
              onClick={onCancel}
            >
              {t("jobs.cancel")}
            </button>
          )}
        </div>
      )}
    </li>
  );
}
