import { useCallback, useState } from "react";
import { LoadError } from "../../components/LoadError";
import { useTranslation } from "react-i18next";
import type { ProxyConfirmation, SellerAccount, SessionStatus } from "../../bindings";
import { useToast } from "../../components/Toast";
import { SECRET_KEYS, avatarLetter, domainOf, proxySummary, type SecretKey } from "../../lib/accountForm";
import { useSellerAccounts } from "../orders/queries";
import { LiveView } from "../sessions/LiveView";
import { SessionControls } from "../sessions/SessionControls";
import { useSessionStatuses } from "../sessions/queries";
import { normalizeAppError } from "../../lib/errors";
import { AccountForm } from "./AccountForm";
import { useConfirmProxy, useProxyConfirmations } from "./queries";

type View = { kind: "list" } | { kind: "new" } | { kind: "edit"; id: string };

type Props = {
  /** Changes when the user picks "Accounts" in the sidebar again: back to the list. */
  resetSignal?: number;
  onDirtyChange?: (dirty: boolean) => void;
};

const SAVED_FLAG: Record<SecretKey, "hasVintedPassword" | "hasProxyPassword" | "hasVncPassword"> = {
  vinted: "hasVintedPassword",
  proxy: "hasProxyPassword",
  vnc: "hasVncPassword",
};

/** The Accounts area: the Vinted accounts, and the form to add, edit or delete one. */
export function AccountsPage({ resetSignal, onDirtyChange }: Props) {
  const { t } = useTranslation();
  const { showToast } = useToast();
  const accounts = useSellerAccounts();
  const [view, setView] = useState<View>({ kind: "list" });
  const [watched, setWatched] = useState<SellerAccount | null>(null);
  const statuses = useSessionStatuses(accounts.data?.map((a) => a.id) ?? []);
  const confirmations = useProxyConfirmations();

  // The sidebar's entry, clicked again, brings the list back.
  const [seenReset, setSeenReset] = useState(resetSignal);
  if (seenReset !== resetSignal) {
    setSeenReset(resetSignal);
    setView({ kind: "list" });
  }

  const backToList = useCallback(() => setView({ kind: "list" }), []);
  const onSaved = useCallback(() => {
    setView({ kind: "list" });
    showToast(t("accounts.form.savedToast"));
  }, [showToast, t]);
  const onDeleted = useCallback(() => {
    setView({ kind: "list" });
    showToast(t("accounts.form.deletedToast"));
  }, [showToast, t]);

  if (view.kind === "new") {
    return <AccountForm account={null} onClose={backToList} onSaved={onSaved} onDeleted={onDeleted} onDirtyChange={onDirtyChange} />;
  }
  if (view.kind === "edit") {
    const account = accounts.data?.find((a) => a.id === view.id);
    if (account) {
      return <AccountForm key={account.id} account={account} onClose={backToList} onSaved={onSaved} onDeleted={onDeleted} onDirtyChange={onDirtyChange} />;
    }
  }

  const data = accounts.data;
  let body: React.ReactNode;
  if (accounts.isPending) {
    body = (
      <p className="state-message" role="status" data-testid="accounts-loading">
        <span className="spinner" aria-hidden="true" /> {t("accounts.list.loading")}
      </p>
    );
  } else if (accounts.isError && !data) {
    body = (
      <LoadError title={t("accounts.list.loadError")} error={accounts.error} onRetry={() => void accounts.refetch()} testId="accounts-error" />
    );
  } else if (data && data.length === 0) {
    body = (
      <div className="empty-state" data-testid="accounts-empty">
        <h2>{t("accounts.list.emptyTitle")}</h2>
        <p>{t("accounts.list.emptyText")}</p>
        <button type="button" className="btn btn-primary" onClick={() => setView({ kind: "new" })}>
          {t("accounts.list.createFirst")}
        </button>
      </div>
    );
  } else if (data) {
    body = (
      <ul className="account-list" aria-label={t("accounts.list.caption")}>
        {data.map((account) => (
          <AccountRow
            key={account.id}
            account={account}
            status={statuses.data?.[account.id]}
            awaiting={confirmations.data?.find((c) => c.accountId === account.id)}
            onOpen={() => setView({ kind: "edit", id: account.id })}
            onWatch={() => setWatched(account)}
          />
        ))}
      </ul>
    );
  }

  return (
    <section className="accounts" data-testid="accounts" aria-labelledby="accounts-title">
      <header className="page-header">
        <div>
          <h1 id="accounts-title" className="page-title">
            {t("accounts.title")}
          </h1>
          {data && data.length > 0 && <p className="page-subtitle">{t("accounts.count", { count: data.length })}</p>}
        </div>
        <button type="button" className="btn btn-primary" data-testid="new-account" onClick={() => setView({ kind: "new" })}>
          + {t("accounts.list.new")}
        </button>
      </header>
      {body}
      {watched && <LiveView accountId={watched.id} accountName={watched.name} onClose={() => setWatched(null)} />}
    </section>
  );
}

type RowProps = {
  account: SellerAccount;
  status: SessionStatus | undefined;
  /** Set when the account's proxy was changed on another device and awaits confirmation here. */
  awaiting?: ProxyConfirmation;
  onOpen: () => void;
  onWatch: () => void;
};

function AccountRow({ account, status, awaiting, onOpen, onWatch }: RowProps) {
  const { t } = useTranslation();
  const proxy = proxySummary(account);
  return (
    <li className="account-row" data-testid="account-row" data-id={account.id}>
      <button type="button" className="account-row-button" onClick={onOpen} aria-label={t("accounts.list.open", { name: account.name })}>
        <span className="account-avatar" aria-hidden="true" data-testid="account-row-avatar">
          {avatarLetter(account.avatar, account.name)}
        </span>
        <span className="account-main">
          <span className="account-name" data-testid="account-row-name">
            {account.name}
          </span>
          <span className="account-meta">
            {account.username && (
              <span className="account-username" data-testid="account-row-username">
                @{account.username}
              </span>
            )}
            <span className="account-domain" data-testid="account-row-domain">
              {domainOf(account.vintedBaseUrl)}
            </span>
          </span>
        </span>
        <span className="account-proxy" data-testid="account-row-proxy">
          {proxy ?? <span className="muted">{t("accounts.list.noProxy")}</span>}
        </span>
        <span className="account-secrets">
          {SECRET_KEYS.filter((key) => account[SAVED_FLAG[key]]).map((key) => (
            <span key={key} className="badge account-secret-badge" data-testid="account-row-secret" data-kind={key} title={t(`accounts.list.secretSaved.${key}`)}>
              <span aria-hidden="true">✓ </span>
              {t(`accounts.list.secretShort.${key}`)}
              <span className="sr-only"> — {t(`accounts.list.secretSaved.${key}`)}</span>
            </span>
          ))}
        </span>
      </button>
      <SessionControls account={account} status={status} onWatch={onWatch} />
      {awaiting && <ProxyConfirmationNotice account={account} awaiting={awaiting} />}
    </li>
  );
}

/**
 * The account's proxy (or Vinted site) was changed on another device: its password stays here
 * until the person checks the new proxy and confirms it.
 */
function ProxyConfirmationNotice({ account, awaiting }: { account: SellerAccount; awaiting: ProxyConfirmation }) {
  const { t } = useTranslation();
  const { showToast } = useToast();
  const confirm = useConfirmProxy();
  const error = confirm.isError ? normalizeAppError(confirm.error) : null;
  const fields = awaiting.columns.map((column) => t(`accounts.proxyConfirm.fields.${column}`, { defaultValue: column })).join(", ");
  return (
    <div className="account-proxy-confirm" role="status" data-testid="account-proxy-confirm" data-id={account.id}>
      <p>
        <span aria-hidden="true">⚠ </span>
        {t("accounts.proxyConfirm.text", { fields })}
      </p>
      <button
        type="button"
        className="btn btn-small"
        data-testid="account-proxy-confirm-button"
        aria-label={t("accounts.proxyConfirm.actionLabel", { name: account.name })}
        aria-busy={confirm.isPending || undefined}
        disabled={confirm.isPending}
        onClick={() => confirm.mutate(account.id, { onSuccess: () => showToast(t("accounts.proxyConfirm.confirmed")) })}
      >
        {confirm.isPending ? t("accounts.proxyConfirm.confirming") : t("accounts.proxyConfirm.action")}
      </button>
      {error && (
        <p className="field-error" role="alert" data-testid="account-proxy-confirm-error" data-code={error.code}>
          {t("accounts.proxyConfirm.error")} {t(`errors.${error.code}`)}
        </p>
      )}
    </div>
  );
}
