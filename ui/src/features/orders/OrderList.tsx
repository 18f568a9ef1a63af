import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { LoadError } from "../../components/LoadError";
import { useEffect, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { commands, type OrderSummary, type OrderType } from "../../bindings";
import { unwrap } from "../../lib/errors";
import { formatCents } from "../../lib/money";
import { CANCELED_STATUS, ORDER_STATUSES, ORDER_TYPES } from "../../lib/orderForm";
import { useDebouncedValue } from "../../lib/useDebouncedValue";
import {
  LIST_PERIODS,
  ORDERS_PAGE_SIZE,
  hasOrderFilters,
  lastPageOffset,
  orderQuery,
  pageRange,
  type ListPeriod,
  type OrderListState,
} from "./listState";
import { statusLabel, useSellerAccounts } from "./queries";
import { orderKeys } from "./queryKeys";

type Props = {
  state: OrderListState;
  onStateChange: (update: (prev: OrderListState) => OrderListState) => void;
  onOpen: (id: string) => void;
  onNew: () => void;
};

const SEARCH_DEBOUNCE_MS = 250;

export function OrderList({ state, onStateChange, onOpen, onNew }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const search = useDebouncedValue(state.search.trim(), SEARCH_DEBOUNCE_MS);
  const query = orderQuery(state, search, new Date());
  const accounts = useSellerAccounts();

  const result = useQuery({
    queryKey: orderKeys.list(query),
    queryFn: async () => unwrap(await commands.listOrders(query)),
    placeholderData: keepPreviousData,
  });
  const data = result.data;

  // The current page became empty (orders canceled away by a filter): go to the last page with rows.
  useEffect(() => {
    if (data && !result.isPlaceholderData && data.items.length === 0 && data.total > 0 && state.offset > 0) {
      onStateChange((s) => ({ ...s, offset: lastPageOffset(data.total) }));
    }
  }, [data, result.isPlaceholderData, state.offset, onStateChange]);

  const dateFormat = useMemo(() => new Intl.DateTimeFormat(lang, { dateStyle: "short" }), [lang]);
  const dateTimeFormat = useMemo(() => new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short" }), [lang]);
  const filtered = hasOrderFilters(state, search);

  function update(patch: Partial<OrderListState>) {
    onStateChange((s) => ({ ...s, ...patch, offset: 0 }));
  }

  function row(o: OrderSummary) {
    const at = new Date(o.createdAt);
    const valid = !Number.isNaN(at.getTime());
    const party = o.orderType === "sale" ? o.buyerName : o.sellerName;
    const canceled = o.canceledAt !== null;
    return (
      <tr
        key={o.id}
        className={canceled ? "product-row order-row is-canceled" : "product-row order-row"}
        data-testid="order-row"
        data-id={o.id}
        data-type={o.orderType}
        tabIndex={0}
        aria-label={t("orders.list.open", { title: o.title })}
        onClick={() => onOpen(o.id)}
        onKeyDown={(e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            onOpen(o.id);
          }
        }}
      >
        <td className="col-date" title={valid ? dateTimeFormat.format(at) : undefined}>
          {valid ? dateFormat.format(at) : ""}
        </td>
        <td>
          <span className={`badge badge-order-${o.orderType}`}>{t(`orders.types.${o.orderType}`)}</span>
        </td>
        <td className="col-title" data-testid="order-row-title">
          {o.title}
          {o.isBundle && <span className="order-bundle-tag">{t("orders.list.bundle", { count: o.quantity })}</span>}
        </td>
        <td>{party ?? ""}</td>
        <td className="col-num" data-testid="order-row-price">
          {formatCents(o.priceCents, lang)}
        </td>
        <td className={o.profitCents !== null && o.profitCents < 0 ? "col-num is-negative" : "col-num"} data-testid="order-row-profit">
          {o.profitCents !== null ? formatCents(o.profitCents, lang) : ""}
        </td>
        <td>
          <span className={canceled ? "badge badge-order-canceled" : "badge badge-order-status"} data-testid="order-row-status" data-status={o.status}>
            {statusLabel(t, o.status)}
          </span>
        </td>
        <td className="col-processed">
          {o.processed ? (
            <span className="processed-mark" title={t("orders.list.processed")}>
              ✓<span className="sr-only"> {t("orders.list.processed")}</span>
            </span>
          ) : (
            <span className="sr-only">{t("orders.list.notProcessed")}</span>
          )}
        </td>
      </tr>
    );
  }

  let body: React.ReactNode;
  if (result.isPending) {
    body = (
      <p className="state-message" role="status" data-testid="orders-loading">
        <span className="spinner" aria-hidden="true" /> {t("orders.list.loading")}
      </p>
    );
  } else if (result.isError && !data) {
    body = (
      <LoadError title={t("orders.list.loadError")} error={result.error} onRetry={() => void result.refetch()} testId="orders-error" />
    );
  } else if (data && data.total === 0 && !filtered) {
    body = (
      <div className="empty-state" data-testid="orders-empty">
        <h2>{t("orders.list.emptyTitle")}</h2>
        <p>{t("orders.list.emptyText")}</p>
        <button type="button" className="btn btn-primary" onClick={onNew}>
          {t("orders.list.createFirst")}
        </button>
      </div>
    );
  } else if (data && data.items.length === 0) {
    body = (
      <div className="empty-state" data-testid="orders-no-match">
        <h2>{t("orders.list.noMatchTitle")}</h2>
        <p>{t("orders.list.noMatchText")}</p>
        <button
          type="button"
          className="btn"
          data-testid="orders-clear-filters"
          onClick={() =>
            onStateChange(() => ({ search: "", orderType: null, status: null, processed: null, sellerAccountId: null, period: "all", offset: 0 }))
          }
        >
          {t("orders.list.clearFilters")}
        </button>
      </div>
    );
  } else if (data) {
    const range = pageRange(state.offset, data.items.length, data.total);
    body = (
      <>
        <div className="table-wrap">
          <table className={result.isFetching ? "product-table order-table is-refreshing" : "product-table order-table"} aria-busy={result.isFetching || undefined}>
            <caption className="sr-only">{t("orders.list.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("orders.columns.date")}</th>
                <th scope="col">{t("orders.columns.type")}</th>
                <th scope="col">{t("orders.columns.title")}</th>
                <th scope="col">{t("orders.columns.party")}</th>
                <th scope="col" className="col-num">
                  {t("orders.columns.price")}
                </th>
                <th scope="col" className="col-num">
                  {t("orders.columns.profit")}
                </th>
                <th scope="col">{t("orders.columns.status")}</th>
                <th scope="col" className="col-processed">
                  {t("orders.columns.processed")}
                </th>
              </tr>
            </thead>
            <tbody>{data.items.map(row)}</tbody>
          </table>
        </div>
        <nav className="pagination" aria-label={t("orders.list.pagination")}>
          <span className="pagination-range" data-testid="orders-page-range">
            {t("orders.list.range", range)}
          </span>
          <div className="pagination-buttons">
            <button
              type="button"
              className="btn btn-small"
              data-testid="orders-page-prev"
              disabled={state.offset === 0}
              onClick={() => onStateChange((s) => ({ ...s, offset: Math.max(0, s.offset - ORDERS_PAGE_SIZE) }))}
            >
              ← {t("orders.list.previous")}
            </button>
            <button
              type="button"
              className="btn btn-small"
              data-testid="orders-page-next"
              disabled={state.offset + ORDERS_PAGE_SIZE >= data.total}
              onClick={() => onStateChange((s) => ({ ...s, offset: s.offset + ORDERS_PAGE_SIZE }))}
            >
              {t("orders.list.next")} →
            </button>
          </div>
        </nav>
      </>
    );
  }

  return (
    <section className="orders" data-testid="orders" aria-labelledby="orders-title">
      <header className="page-header">
        <div>
          <h1 id="orders-title" className="page-title">
            {t("orders.title")}
          </h1>
          {data && data.total > 0 && <p className="page-subtitle">{t("orders.list.count", { count: data.total })}</p>}
        </div>
        <button type="button" className="btn btn-primary" data-testid="new-order" onClick={onNew}>
          + {t("orders.list.new")}
        </button>
      </header>

      <div className="toolbar">
        <div className="toolbar-field toolbar-search">
          <label htmlFor="orders-search" className="sr-only">
            {t("orders.list.searchLabel")}
          </label>
          <input
            id="orders-search"
            data-testid="orders-search"
            type="search"
            autoComplete="off"
            placeholder={t("orders.list.searchPlaceholder")}
            value={state.search}
            onChange={(e) => {
              const value = e.target.value;
              onStateChange((s) => ({ ...s, search: value, offset: 0 }));
            }}
          />
        </div>
        <div className="toolbar-field">
          <label htmlFor="orders-type-filter">{t("orders.list.typeFilter")}</label>
          <select
            id="orders-type-filter"
            data-testid="orders-type-filter"
            value={state.orderType ?? ""}
            onChange={(e) => update({ orderType: e.target.value === "" ? null : (e.target.value as OrderType) })}
          >
            <option value="">{t("orders.list.allTypes")}</option>
            {ORDER_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`orders.typesPlural.${type}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="toolbar-field">
          <label htmlFor="orders-status-filter">{t("orders.list.statusFilter")}</label>
          <select
            id="orders-status-filter"
            data-testid="orders-status-filter"
            value={state.status ?? ""}
            onChange={(e) => update({ status: e.target.value === "" ? null : e.target.value })}
          >
            <option value="">{t("orders.list.allStatuses")}</option>
            {[...ORDER_STATUSES, CANCELED_STATUS].map((s) => (
              <option key={s} value={s}>
                {statusLabel(t, s)}
              </option>
            ))}
          </select>
        </div>
        <div className="toolbar-field">
          <label htmlFor="orders-period-filter">{t("orders.list.periodFilter")}</label>
          <select
            id="orders-period-filter"
            data-testid="orders-period-filter"
            value={state.period}
            onChange={(e) => update({ period: e.target.value as ListPeriod })}
          >
            {LIST_PERIODS.map((p) => (
              <option key={p} value={p}>
                {t(`orders.periods.${p}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="toolbar-field">
          <label htmlFor="orders-processed-filter">{t("orders.list.processedFilter")}</label>
          <select
            id="orders-processed-filter"
            data-testid="orders-processed-filter"
            value={state.processed === null ? "" : state.processed ? "yes" : "no"}
            onChange={(e) => update({ processed: e.target.value === "" ? null : e.target.value === "yes" })}
          >
            <option value="">{t("orders.list.processedAll")}</option>
            <option value="no">{t("orders.list.processedNo")}</option>
            <option value="yes">{t("orders.list.processedYes")}</option>
          </select>
        </div>
        {accounts.data && accounts.data.length > 0 && (
          <div className="toolbar-field">
            <label htmlFor="orders-account-filter">{t("orders.list.accountFilter")}</label>
            <select
              id="orders-account-filter"
              data-testid="orders-account-filter"
              value={state.sellerAccountId ?? ""}
              onChange={(e) => update({ sellerAccountId: e.target.value === "" ? null : e.target.value })}
            >
              <option value="">{t("orders.list.allAccounts")}</option>
              {accounts.data.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>

      {body}
    </section>
  );
}
