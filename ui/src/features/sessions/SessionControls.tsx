import { useTranslation } from "react-i18next";
import type { SellerAccount, SessionStatus } from "../../bindings";
import { normalizeAppError } from "../../lib/errors";
import { useStartSession, useStopSession } from "./queries";

type Props = {
  account: SellerAccount;
  status: SessionStatus | undefined;
  onWatch: () => void;
};

/** An account's session: its health, start or stop, the live view and the external VNC address. */
export function SessionControls({ account, status, onWatch }: Props) {
  const { t } = useTranslation();
  const start = useStartSession();
  const stop = useStopSession();
  if (!status) {
    // Not known yet: no state shown is better than a wrong one.
    return <div className="session-bar" data-testid="session-bar" data-state="unknown" aria-busy="true" />;
  }
  const current = status;
  const running = current.state !== "stopped" && current.state !== "starting";
  const busy = start.isPending || stop.isPending || current.state === "starting";

  // Shown until the next try: a failed start says what to fix (wrong proxy password, no Chromium…).
  const startError = start.isError ? normalizeAppError(start.error) : null;

  return (
    <div className="session-bar" data-testid="session-bar" data-state={current.state} aria-label={t("accounts.session.label")}>
      <span className={`session-chip session-chip-${current.state}`} data-testid="session-state" role="status">
        <span className="session-dot" aria-hidden="true" />
        {t(`accounts.session.state.${current.state}`)}
      </span>
      {current.reason && (
        <span className="session-reason" data-testid="session-reason" data-reason={current.reason}>
          {t(`accounts.session.reason.${current.reason}`)}
        </span>
      )}
      <span className="session-actions">
        {running ? (
          <>
            {current.vncSupported && (
              <button type="button" className="btn" data-testid="session-watch" onClick={onWatch} aria-label={t("accounts.session.watchLabel", { name: account.name })}>
                {t("accounts.session.watch")}
              </button>
            )}
            <button
              type="button"
              className="btn"
              data-testid="session-stop"
              disabled={stop.isPending}
              onClick={() => stop.mutate(account.id)}
              aria-label={t("accounts.session.stopLabel", { name: account.name })}
            >
              {stop.isPending ? t("accounts.session.stopping") : t("accounts.session.stop")}
            </button>
          </>
        ) : (
          <button
            type="button"
            className="btn btn-primary"
            data-testid="session-start"
            disabled={busy}
            onClick={() => start.mutate(account.id)}
            aria-label={t("accounts.session.startLabel", { name: account.name })}
          >
            {busy ? <span className="spinner" aria-hidden="true" /> : null}
            {busy ? t("accounts.session.starting") : t("accounts.session.start")}
          </button>
        )}
      </span>
      {startError && !running && (
        <span className="session-error" role="alert" data-testid="session-error" data-code={startError.code}>
          {t("accounts.session.startError", { name: account.name })} {t(`errors.${startError.code}`)}
        </span>
      )}
      {running && current.vncSupported && current.vncPort !== null && (
        <span className="session-vnc muted" data-testid="session-vnc">
          {account.hasVncPassword ? t("accounts.session.vncAddress", { port: current.vncPort }) : t("accounts.session.vncNoPassword")}
        </span>
      )}
      {!current.vncSupported && (
        <span className="session-vnc muted" data-testid="session-vnc-linux-only">
          {t("accounts.session.vncLinuxOnly")}
        </span>
      )}
    </div>
  );
}
