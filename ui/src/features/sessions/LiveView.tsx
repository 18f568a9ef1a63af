import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands } from "../../bindings";
import { normalizeAppError, unwrap } from "../../lib/errors";

type Props = {
  accountId: string;
  accountName: string;
  onClose: () => void;
};

type Phase = { kind: "connecting" } | { kind: "connected" } | { kind: "disconnected"; detail?: string };

/**
 * The session's screen, live, with keyboard and mouse: noVNC over the app's WebSocket bridge.
 * The bridge logs in to the VNC server itself, so no password reaches this window; the address
 * carries a token that opens one connection, and that a new view or the session's stop revokes.
 */
export function LiveView({ accountId, accountName, onClose }: Props) {
  const { t } = useTranslation();
  const screenRef = useRef<HTMLDivElement>(null);
  const [phase, setPhase] = useState<Phase>({ kind: "connecting" });
  const [attempt, setAttempt] = useState(0);
  // Each connection (another account, a reconnect, another language) starts as "connecting".
  const [connection, setConnection] = useState({ accountId, attempt, t });
  if (connection.accountId !== accountId || connection.attempt !== attempt || connection.t !== t) {
    setConnection({ accountId, attempt, t });
    setPhase({ kind: "connecting" });
  }

  useEffect(() => {
    let disposed = false;
    let rfb: { disconnect(): void } | null = null;
    (async () => {
      try {
        const view = unwrap(await commands.openLiveView(accountId));
        // Loaded on demand: the viewer is only needed here.
        const { default: RFB } = await import("@novnc/novnc");
        if (disposed || !screenRef.current) return;
        const client = new RFB(screenRef.current, view.url, { wsProtocols: ["binary"] });
        client.scaleViewport = true;
        client.focusOnClick = true;
        client.addEventListener("connect", () => {
          setPhase({ kind: "connected" });
          client.focus();
        });
        client.addEventListener("disconnect", () => setPhase({ kind: "disconnected" }));
        rfb = client;
      } catch (error) {
        if (!disposed) setPhase({ kind: "disconnected", detail: t(`errors.${normalizeAppError(error).code}`) });
      }
    })();
    return () => {
      disposed = true;
      rfb?.disconnect();
    };
  }, [accountId, attempt, t]);

  const onKeyDown = useCallback(
    (event: React.KeyboardEvent) => {
      // Escape closes only when the screen does not have the keyboard (it goes to the browser).
      if (event.key === "Escape" && event.target === event.currentTarget) onClose();
    },
    [onClose],
  );

  return (
    <div className="live-view-backdrop" role="presentation">
      {/* eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions -- the dialog itself takes the focus (tabIndex -1) and Escape there closes it */}
      <section className="live-view" role="dialog" aria-modal="true" aria-labelledby="live-view-title" data-testid="live-view" data-phase={phase.kind} onKeyDown={onKeyDown} tabIndex={-1}>
        <header className="live-view-header">
          <h2 id="live-view-title">{t("accounts.session.live.title", { name: accountName })}</h2>
          <p className="muted">{t("accounts.session.live.hint")}</p>
          <button type="button" className="btn" data-testid="live-view-close" onClick={onClose}>
            {t("accounts.session.live.close")}
          </button>
        </header>
        {phase.kind === "connecting" && (
          <p className="state-message" role="status" data-testid="live-view-connecting">
            <span className="spinner" aria-hidden="true" /> {t("accounts.session.live.connecting")}
          </p>
        )}
        {phase.kind === "disconnected" && (
          <p className="state-message" role="alert" data-testid="live-view-disconnected">
            {t("accounts.session.live.disconnected")} {phase.detail}
            <button type="button" className="btn" onClick={() => setAttempt((n) => n + 1)}>
              {t("accounts.session.live.reconnect")}
            </button>
          </p>
        )}
        <div className="live-view-screen" ref={screenRef} data-testid="live-view-screen" />
      </section>
    </div>
  );
}
