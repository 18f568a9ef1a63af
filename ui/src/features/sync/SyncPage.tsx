import { useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { SyncStatusView } from "../../bindings";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { LoadError } from "../../components/LoadError";
import { useToast } from "../../components/Toast";
import { normalizeAppError } from "../../lib/errors";
import { ConflictList } from "./ConflictList";
import { SignInForm } from "./SignInForm";
import { useSyncNow, useSyncSignOut, useSyncStatus } from "./queries";

type Props = {
  /** Opens an inventory item in its form (a SKU conflict is settled there). */
  onOpenProduct?: (id: string) => void;
};

/**
 * The Sync area: signed out, the sign-in form; signed in, where this device syncs, when it last
 * did, what waits to be sent, the last problem, "Sync now", sign-out, and the conflicts to settle.
 * The status is read again every few seconds, so background rounds show up.
 */
export function SyncPage({ onOpenProduct }: Props) {
  const { t, i18n } = useTranslation();
  const status = useSyncStatus();
  const data = status.data;

  let body: React.ReactNode;
  if (status.isPending) {
    body = (
      <p className="state-message" role="status" data-testid="sync-loading">
        <span className="spinner" aria-hidden="true" /> {t("sync.loading")}
      </p>
    );
  } else if (!data) {
    body = <LoadError title={t("sync.loadError")} error={status.error} onRetry={() => void status.refetch()} testId="sync-load-error" />;
  } else if (!data.signedIn) {
    body = (
      <>
        {data.restoredAt && (
          <p className="card hint" role="status" data-testid="sync-restored">
            {t("sync.restored", { date: formatRestoredAt(data.restoredAt, i18n.language) })}
          </p>
        )}
        <SignInForm initialServer={data.server} initialEmail={data.email} />
        {data.conflicts.length > 0 && <ConflictList conflicts={data.conflicts} onOpenProduct={onOpenProduct} />}
      </>
    );
  } else {
    body = (
      <>
        {data.lastErrorCode === "syncSignedOut" && <SignInForm reconnect initialServer={data.server} initialEmail={data.email} />}
        <StatusCard status={data} />
        <ConflictList conflicts={data.conflicts} onOpenProduct={onOpenProduct} />
      </>
    );
  }

  return (
    <section className="sync" data-testid="sync" data-signed-in={data ? String(data.signedIn) : undefined} aria-labelledby="sync-title">
      <header className="page-header">
        <div>
          <h1 id="sync-title" className="page-title">
            {t("sync.title")}
          </h1>
          <p className="page-subtitle">{t("sync.subtitle")}</p>
        </div>
      </header>
      {body}
    </section>
  );
}

function StatusCard({ status }: { status: SyncStatusView }) {
  const { t, i18n } = useTranslation();
  const { showToast } = useToast();
  const syncNow = useSyncNow();
  const signOut = useSyncSignOut();
  const [confirmSignOut, setConfirmSignOut] = useState(false);
  const syncNowRef = useRef<HTMLButtonElement>(null);
  const dateTime = useMemo(() => new Intl.DateTimeFormat(i18n.language, { dateStyle: "long", timeStyle: "short" }), [i18n.language]);

  const busy = status.syncing || syncNow.isPending;
  const lastSync = status.lastSyncAt ? new Date(status.lastSyncAt) : null;
  const lastSyncText = !status.lastSyncAt
    ? t("sync.status.never")
    : lastSync && !Number.isNaN(lastSync.getTime())
      ? dateTime.format(lastSync)
      : status.lastSyncAt;
  // A failure with no known kind is still a failure.
  const lastErrorCode = status.lastErrorCode ?? (status.lastError ? "internal" : null);
  const nowError = syncNow.isError ? normalizeAppError(syncNow.error) : null;
  const signOutError = signOut.isError ? normalizeAppError(signOut.error) : null;

  function runSyncNow() {
    if (busy) return;
    // The button is disabled while the round runs, which drops the keyboard focus: give it back.
    const hadFocus = document.activeElement === syncNowRef.current;
    syncNow.mutate(undefined, {
      onSuccess: () => showToast(t("sync.status.synced")),
      onSettled: () => {
        if (hadFocus && (document.activeElement === null || document.activeElement === document.body)) {
          requestAnimationFrame(() => syncNowRef.current?.focus());
        }
      },
    });
  }

  // Awaited rather than given callbacks: once signed out, this card is gone before they would run.
  async function confirmedSignOut() {
    try {
      await signOut.mutateAsync();
      showToast(t("sync.signOutDialog.done"));
    } catch {
      // Shown below the buttons (signOut.error).
    }
    setConfirmSignOut(false);
  }

  const signOutText =
    t("sync.signOutDialog.text", { server: status.server ?? "" }) +
    (status.waitingRows > 0 ? ` ${t("sync.signOutDialog.waiting", { count: status.waitingRows })}` : "");

  return (
    <section
      className="card form-section sync-status"
      data-testid="sync-status"
      data-syncing={busy}
      aria-labelledby="sync-status-title"
      aria-busy={busy || undefined}
    >
      <h2 id="sync-status-title" className="section-title">
        {t("sync.status.title")}
      </h2>
      <dl className="sync-facts">
        <div>
          <dt>{t("sync.status.server")}</dt>
          <dd data-testid="sync-account-server">{status.server}</dd>
        </div>
        <div>
          <dt>{t("sync.status.email")}</dt>
          <dd data-testid="sync-account-email">{status.email}</dd>
        </div>
        <div>
          <dt>{t("sync.status.lastSync")}</dt>
          <dd data-testid="sync-last" data-value={status.lastSyncAt ?? ""}>
            {status.lastSyncAt ? <time dateTime={status.lastSyncAt}>{lastSyncText}</time> : lastSyncText}
          </dd>
        </div>
        <div>
          <dt>{t("sync.status.waiting")}</dt>
          <dd data-testid="sync-waiting" data-count={status.waitingRows}>
            {status.waitingRows === 0 ? (
              <span className="sync-all-sent">
                <span aria-hidden="true">✓ </span>
                {t("sync.status.allSent")}
              </span>
            ) : (
              t("sync.status.waitingCount", { count: status.waitingRows })
            )}
          </dd>
        </div>
      </dl>

      <div aria-live="polite">
        {lastErrorCode && (
          <div className="banner banner-error sync-error" data-testid="sync-error" data-code={lastErrorCode}>
            <p>
              <strong>{t("sync.status.lastError")}</strong> {t(`errors.${lastErrorCode}`)}
            </p>
            {status.lastError && (
              <details>
                <summary>{t("errors.details")}</summary>
                <code className="details-text" data-testid="sync-error-detail">
                  {status.lastError}
                </code>
              </details>
            )}
          </div>
        )}
      </div>

      <div className="sync-actions">
        <button
          ref={syncNowRef}
          type="button"
          className="btn btn-primary"
          data-testid="sync-now"
          disabled={busy}
          aria-busy={busy || undefined}
          aria-describedby="sync-auto-hint"
          onClick={runSyncNow}
        >
          {busy && <span className="spinner" aria-hidden="true" data-testid="sync-now-spinner" />}
          {busy ? t("sync.status.syncing") : t("sync.status.syncNow")}
        </button>
        <button
          type="button"
          className="btn btn-danger-ghost"
          data-testid="sync-sign-out"
          disabled={signOut.isPending}
          onClick={() => setConfirmSignOut(true)}
        >
          {t("sync.status.signOut")}
        </button>
      </div>
      <p id="sync-auto-hint" className="hint">
        {t("sync.status.autoHint")}
      </p>
      {/* Said once: a failed round is usually recorded as the last problem above. */}
      {nowError && nowError.code !== lastErrorCode && (
        <p className="field-error" role="alert" data-testid="sync-now-error" data-code={nowError.code}>
          {t("sync.status.syncNowFailed")} {t(`errors.${nowError.code}`)}
        </p>
      )}
      {signOutError && (
        <p className="field-error" role="alert" data-testid="sync-sign-out-error" data-code={signOutError.code}>
          {t(`errors.${signOutError.code}`)}
        </p>
      )}

      <ConfirmDialog
        open={confirmSignOut}
        title={t("sync.signOutDialog.title")}
        text={signOutText}
        confirmLabel={t("sync.signOutDialog.confirm")}
        cancelLabel={t("sync.signOutDialog.cancel")}
        testId="confirm-sign-out"
        danger
        busy={signOut.isPending}
        onConfirm={() => void confirmedSignOut()}
        onCancel={() => setConfirmSignOut(false)}
      />
    </section>
  );
}

/** When the data was restored, in the user's language (the raw value if it cannot be read). */
function formatRestoredAt(iso: string, language: string) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(date);
}
