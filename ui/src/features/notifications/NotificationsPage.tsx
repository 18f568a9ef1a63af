import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Fragment, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type FavoriteItem, type NotificationKind } from "../../bindings";
import { LoadError } from "../../components/LoadError";
import { useToast } from "../../components/Toast";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { formatCents } from "../../lib/money";
import { useSellerAccounts } from "../orders/queries";
import { OutreachDialog } from "./OutreachDialog";
import { notificationKeys } from "./queryKeys";
import "./notifications.css";

type Tab = "notifications" | "favorites";
const TABS: readonly Tab[] = ["notifications", "favorites"];
const KINDS: readonly NotificationKind[] = ["sale", "message", "offer", "system"];
const PER_PAGE = 50;

function useDate() {
  const { i18n } = useTranslation();
  return useMemo(() => {
    const format = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" });
    return (iso: string) => format.format(new Date(iso));
  }, [i18n.language]);
}

/**
 * Vinted's notifications read in (sales, messages, offers and the rest), and the favourited
 * items with who favourited them; each item's opt-in messages to its favouriters.
 */
export function NotificationsPage() {
  const { t } = useTranslation();
  const accounts = useSellerAccounts();
  const queryClient = useQueryClient();
  const { showToast } = useToast();
  const [tab, setTab] = useState<Tab>("notifications");
  const [accountId, setAccountId] = useState<string | null>(null);
  const [kind, setKind] = useState<NotificationKind | null>(null);
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<FavoriteItem | null>(null);
  const [reading, setReading] = useState(false);
  const accountList = useMemo(() => accounts.data ?? [], [accounts.data]);
  const accountNames = useMemo(() => new Map(accountList.map((a) => [a.id, a.name])), [accountList]);

  async function readNow() {
    setReading(true);
    try {
      const queued = unwrap(await commands.readNotificationsNow(accountId));
      showToast(t("notifications.readQueued", { count: queued.length }));
      await queryClient.invalidateQueries({ queryKey: notificationKeys.all });
    } catch (e) {
      showToast(t("notifications.readFailed", { reason: t(`errors.${normalizeAppError(e).code}`) }));
    } finally {
      setReading(false);
    }
  }

  return (
    <section className="notifications" data-testid="notifications" aria-labelledby="notifications-title">
      <header className="page-header">
        <div>
          <h1 id="notifications-title" className="page-title">
            {t("notifications.title")}
          </h1>
          <p className="page-subtitle">{t("notifications.subtitle")}</p>
        </div>
        <button type="button" className="btn" data-testid="notifications-read-now" disabled={reading} onClick={() => void readNow()}>
          {t("notifications.readNow")}
        </button>
      </header>

      <div className="toolbar">
        <div className="toolbar-field">
          <label htmlFor="notifications-account">{t("notifications.account")}</label>
          <select
            id="notifications-account"
            data-testid="notifications-account"
            value={accountId ?? ""}
            onChange={(e) => {
              setAccountId(e.target.value === "" ? null : e.target.value);
              setPage(1);
            }}
          >
            <option value="">{t("notifications.allAccounts")}</option>
            {accountList.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        {tab === "notifications" && (
          <div className="toolbar-field">
            <label htmlFor="notifications-kind">{t("notifications.kind")}</label>
            <select
              id="notifications-kind"
              data-testid="notifications-kind"
              value={kind ?? ""}
              onChange={(e) => {
                setKind(e.target.value === "" ? null : (e.target.value as NotificationKind));
                setPage(1);
              }}
            >
              <option value="">{t("notifications.allKinds")}</option>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`notifications.kinds.${k}`)}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>

      <div className="tabs" role="tablist" aria-label={t("notifications.tabsLabel")}>
        {TABS.map((key) => (
          <button
            key={key}
            type="button"
            role="tab"
            id={`notifications-tab-${key}`}
            className={tab === key ? "tab is-active" : "tab"}
            aria-selected={tab === key}
            aria-controls={`notifications-panel-${key}`}
            data-testid={`notifications-tab-${key}`}
            onClick={() => setTab(key)}
          >
            {t(`notifications.tabs.${key}`)}
          </button>
        ))}
      </div>

      <div role="tabpanel" id={`notifications-panel-${tab}`} aria-labelledby={`notifications-tab-${tab}`} className="tab-panel">
        {tab === "notifications" ? (
          <NotificationList accountId={accountId} kind={kind} page={page} onPageChange={setPage} accountNames={accountNames} />
        ) : (
          <FavoriteItems accountId={accountId} accountNames={accountNames} onEdit={setEditing} />
        )}
      </div>

      {editing && <OutreachDialog item={editing} onClose={() => setEditing(null)} />}
    </section>
  );
}

function NotificationList({
  accountId,
  kind,
  page,
  onPageChange,
  accountNames,
}: {
  accountId: string | null;
  kind: NotificationKind | null;
  page: number;
  onPageChange: (page: number) => void;
  accountNames: Map<string, string>;
}) {
  const { t } = useTranslation();
  const date = useDate();
  const filter = { accountId, kind, page, perPage: PER_PAGE };
  const list = useQuery({ queryKey: notificationKeys.list(filter), queryFn: async () => unwrap(await commands.listNotifications(filter)) });
  if (list.isError) return <LoadError title={t("notifications.loadError")} error={list.error} onRetry={() => void list.refetch()} testId="notifications-error" />;
  if (!list.data) return <p className="hint">{t("notifications.loading")}</p>;
  if (list.data.items.length === 0) {
    return (
      <div className="empty-state" data-testid="notifications-empty">
        <h2>{t("notifications.emptyTitle")}</h2>
        <p>{t("notifications.emptyText")}</p>
      </div>
    );
  }
  const pages = Math.max(1, Math.ceil(list.data.total / PER_PAGE));
  return (
    <>
      <ul className="notification-list" data-testid="notification-list">
        {list.data.items.map((n) => (
          <li key={n.id} className={`notification-row kind-${n.kind}`} data-testid="notification-row">
            <span className={`badge notification-kind kind-${n.kind}`}>{t(`notifications.kinds.${n.kind}`)}</span>
            <span className="notification-title">{n.title}</span>
            <span className="notification-meta">
              {n.accountId ? accountNames.get(n.accountId) ?? "" : ""} · {date(n.createdAt)}
            </span>
          </li>
        ))}
      </ul>
      {pages > 1 && (
        <div className="pager">
          <button type="button" className="btn" disabled={page <= 1} onClick={() => onPageChange(page - 1)}>
            {t("notifications.previous")}
          </button>
          <span>{t("notifications.pageOf", { page, pages })}</span>
          <button type="button" className="btn" disabled={page >= pages} onClick={() => onPageChange(page + 1)}>
            {t("notifications.next")}
          </button>
        </div>
      )}
    </>
  );
}

function FavoriteItems({
  accountId,
  accountNames,
  onEdit,
}: {
  accountId: string | null;
  accountNames: Map<string, string>;
  onEdit: (item: FavoriteItem) => void;
}) {
  const { t, i18n } = useTranslation();
  const date = useDate();
  const [open, setOpen] = useState<string | null>(null);
  const items = useQuery({
    queryKey: notificationKeys.favoriteItems(accountId),
    queryFn: async () => unwrap(await commands.listFavoriteItems(accountId)),
  });
  if (items.isError) return <LoadError title={t("notifications.favorites.loadError")} error={items.error} onRetry={() => void items.refetch()} testId="favorites-error" />;
  if (!items.data) return <p className="hint">{t("notifications.loading")}</p>;
  if (items.data.length === 0) {
    return (
      <div className="empty-state" data-testid="favorites-empty">
        <h2>{t("notifications.favorites.emptyTitle")}</h2>
        <p>{t("notifications.favorites.emptyText")}</p>
      </div>
    );
  }
  return (
    <table className="table favorite-items" data-testid="favorite-items">
      <thead>
        <tr>
          <th scope="col">{t("notifications.favorites.item")}</th>
          <th scope="col">{t("notifications.favorites.account")}</th>
          <th scope="col">{t("notifications.favorites.count")}</th>
          <th scope="col">{t("notifications.favorites.last")}</th>
          <th scope="col">{t("notifications.favorites.outreach")}</th>
        </tr>
      </thead>
      <tbody>
        {items.data.map((item) => {
          const key = `${item.accountId}-${item.itemId}`;
          return (
            <Fragment key={key}>
              <tr data-testid="favorite-item">
                <td>
                  <span className="favorite-title">{item.itemTitle ?? t("notifications.favorites.unknownItem", { id: item.itemId })}</span>
                  {item.itemPriceCents !== null && <span className="hint"> · {formatCents(item.itemPriceCents, i18n.language)}</span>}
                  {item.itemSku && <span className="hint"> · {item.itemSku}</span>}
                </td>
                <td>{accountNames.get(item.accountId) ?? ""}</td>
                <td>
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-expanded={open === key}
                    data-testid="favorite-who"
                    onClick={() => setOpen(open === key ? null : key)}
                  >
                    {t("notifications.favorites.who", { count: item.favorites })}
                  </button>
                </td>
                <td>{date(item.lastFavoritedAt)}</td>
                <td>
                  <span className="hint" data-testid="favorite-outreach-state">
                    {item.outreach?.enabled
                      ? t(`notifications.favorites.on.${item.outreach.mode}`, { sent: item.sent })
                      : t("notifications.favorites.off")}
                  </span>{" "}
                  <button type="button" className="btn btn-small" data-testid="favorite-outreach-edit" onClick={() => onEdit(item)}>
                    {t("notifications.favorites.configure")}
                  </button>
                </td>
              </tr>
              {open === key && (
                <tr>
                  <td colSpan={5}>
                    <FavoriteMembers accountId={item.accountId} itemId={item.itemId} />
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

/** Who favourited one item, newest first, with what became of a message planned to each. */
function FavoriteMembers({ accountId, itemId }: { accountId: string; itemId: string }) {
  const { t } = useTranslation();
  const date = useDate();
  const filter = { accountId, itemId, page: 1, perPage: 200 };
  const members = useQuery({ queryKey: notificationKeys.favorites(filter), queryFn: async () => unwrap(await commands.listFavorites(filter)) });
  if (members.isError) return <LoadError title={t("notifications.favorites.loadError")} error={members.error} onRetry={() => void members.refetch()} testId="favorite-members-error" />;
  if (!members.data) return <p className="hint">{t("notifications.loading")}</p>;
  return (
    <ul className="favorite-members" data-testid="favorite-members">
      {members.data.items.map((m) => (
        <li key={m.id} data-testid="favorite-member">
          {m.userHandle ?? t("notifications.favorites.member", { id: m.vintedUserId ?? "?" })} · {date(m.createdAt)}
          {m.outreach && <span className="hint"> · {t(`notifications.favorites.states.${m.outreach}`)}</span>}
        </li>
      ))}
    </ul>
  );
}
