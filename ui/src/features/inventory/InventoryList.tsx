import { photoSrc } from "../../lib/photos";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { commands, type ProductQuery, type ProductStatus, type ProductSummary, type SortField } from "../../bindings";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { formatCents } from "../../lib/money";
import { PRODUCT_STATUSES } from "../../lib/productForm";
import { useDebouncedValue } from "../../lib/useDebouncedValue";
import { PAGE_SIZE, lastPageOffset, nextSort, pageRange, type ListState } from "./listState";

type Props = {
  state: ListState;
  onStateChange: (update: (prev: ListState) => ListState) => void;
  onOpen: (id: string) => void;
  onNew: () => void;
};

export const SEARCH_DEBOUNCE_MS = 250;

export function InventoryList({ state, onStateChange, onOpen, onNew }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const debouncedSearch = useDebouncedValue(state.search.trim(), SEARCH_DEBOUNCE_MS);

  const query: ProductQuery = {
    search: debouncedSearch === "" ? null : debouncedSearch,
    status: state.status,
    sortBy: state.sortBy,
    sortDir: state.sortDir,
    limit: PAGE_SIZE,
    offset: state.offset,
  };

  const result = useQuery({
    queryKey: ["products", query],
    queryFn: async () => unwrap(await commands.listProducts(query)),
    placeholderData: keepPreviousData,
  });

  const data = result.data;

  // The current page became empty (e.g. after deleting its last item): go to the last page that has items.
  useEffect(() => {
    if (data && !result.isPlaceholderData && data.items.length === 0 && data.total > 0 && state.offset > 0) {
      onStateChange((s) => ({ ...s, offset: lastPageOffset(data.total) }));
    }
  }, [data, result.isPlaceholderData, state.offset, onStateChange]);

  const dateFormat = useMemo(() => new Intl.DateTimeFormat(lang, { dateStyle: "short" }), [lang]);
  const dateTimeFormat = useMemo(() => new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short" }), [lang]);

  const hasFilters = debouncedSearch !== "" || state.status !== null;

  function columnHeader(column: SortField, label: string, className?: string) {
    const active = state.sortBy === column;
    const ariaSort = active ? (state.sortDir === "asc" ? "ascending" : "descending") : "none";
    return (
      <th scope="col" aria-sort={ariaSort} className={className}>
        <button
          type="button"
          className={active ? "sort-btn is-active" : "sort-btn"}
          data-testid={`sort-${column}`}
          title={t("inventory.sortBy", { column: label })}
          onClick={() => onStateChange((s) => ({ ...s, ...nextSort(s, column), offset: 0 }))}
        >
          {label}
          <span className="sort-indicator" aria-hidden="true">
            {active ? (state.sortDir === "asc" ? "▲" : "▼") : "↕"}
          </span>
        </button>
      </th>
    );
  }

  function row(p: ProductSummary) {
    const updated = new Date(p.updatedAt);
    const validDate = !Number.isNaN(updated.getTime());
    return (
      <tr
        key={p.id}
        className="product-row"
        data-testid="product-row"
        data-sku={p.sku}
        data-id={p.id}
        tabIndex={0}
        aria-label={t("inventory.openProduct", { title: p.title })}
        onClick={() => onOpen(p.id)}
        onKeyDown={(e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            onOpen(p.id);
          }
        }}
      >
        <td className="col-photo">
          {p.photoFile ? (
            <img className="thumb" src={photoSrc(p.photoFile)} alt="" loading="lazy" draggable={false} />
          ) : (
            <span className="thumb thumb-placeholder" title={t("inventory.noPhoto")} aria-hidden="true" />
          )}
        </td>
        <td className="col-title" data-testid="row-title">
          {p.title}
        </td>
        <td className="col-sku">
          <code>{p.sku}</code>
        </td>
        <td className="col-brand">{p.brand ?? ""}</td>
        <td className="col-size">{p.size ?? ""}</td>
        <td className="col-status">
          <span className={`badge badge-${p.status}`} data-testid="row-status" data-status={p.status}>
            {t(`status.${p.status}`)}
          </span>
        </td>
        <td className="col-num" data-testid="row-price">
          {formatCents(p.priceCents, lang)}
        </td>
        <td className="col-num" data-testid="row-quantity">
          {p.quantity}
        </td>
        <td className="col-date" title={validDate ? dateTimeFormat.format(updated) : undefined}>
          {validDate ? dateFormat.format(updated) : ""}
        </td>
      </tr>
    );
  }

  let body: React.ReactNode;
  if (result.isPending) {
    body = (
      <p className="state-message" role="status" data-testid="inventory-loading">
        <span className="spinner" aria-hidden="true" /> {t("inventory.loading")}
      </p>
    );
  } else if (result.isError && !data) {
    const error = normalizeAppError(result.error);
    body = (
      <div className="banner banner-error" role="alert" data-testid="inventory-error">
        <p>
          <strong>{t("inventory.loadError")}</strong> {t(`errors.${error.code}`)}
        </p>
        <div className="banner-actions">
          <button type="button" className="btn" onClick={() => void result.refetch()}>
            {t("errors.retry")}
          </button>
        </div>
      </div>
    );
  } else if (data && data.total === 0 && !hasFilters) {
    body = (
      <div className="empty-state" data-testid="inventory-empty">
        <h2>{t("inventory.emptyTitle")}</h2>
        <p>{t("inventory.emptyText")}</p>
        <button type="button" className="btn btn-primary" data-testid="empty-create" onClick={onNew}>
          {t("inventory.createFirst")}
        </button>
      </div>
    );
  } else if (data && data.items.length === 0) {
    body = (
      <div className="empty-state" data-testid="inventory-no-match">
        <h2>{t("inventory.noMatchTitle")}</h2>
        <p>{t("inventory.noMatchText")}</p>
        <button
          type="button"
          className="btn"
          data-testid="clear-filters"
          onClick={() => onStateChange((s) => ({ ...s, search: "", status: null, offset: 0 }))}
        >
          {t("inventory.clearFilters")}
        </button>
      </div>
    );
  } else if (data) {
    const range = pageRange(state.offset, data.items.length, data.total);
    body = (
      <>
        <div className="table-wrap">
          <table className={result.isFetching ? "product-table is-refreshing" : "product-table"} aria-busy={result.isFetching || undefined}>
            <caption className="sr-only">{t("inventory.tableCaption")}</caption>
            <thead>
              <tr>
                <th scope="col" className="col-photo">
                  <span className="sr-only">{t("inventory.columns.photo")}</span>
                </th>
                {columnHeader("title", t("inventory.columns.title"))}
                <th scope="col">{t("inventory.columns.sku")}</th>
                <th scope="col">{t("inventory.columns.brand")}</th>
                <th scope="col">{t("inventory.columns.size")}</th>
                <th scope="col">{t("inventory.columns.status")}</th>
                {columnHeader("price", t("inventory.columns.price"), "col-num")}
                {columnHeader("quantity", t("inventory.columns.quantity"), "col-num")}
                {columnHeader("updatedAt", t("inventory.columns.updatedAt"))}
              </tr>
            </thead>
            <tbody>{data.items.map(row)}</tbody>
          </table>
        </div>
        <nav className="pagination" aria-label={t("inventory.pagination")}>
          <span className="pagination-range" data-testid="page-range">
            {t("inventory.range", range)}
          </span>
          <div className="pagination-buttons">
            <button
              type="button"
              className="btn btn-small"
              data-testid="page-prev"
              disabled={state.offset === 0}
              onClick={() => onStateChange((s) => ({ ...s, offset: Math.max(0, s.offset - PAGE_SIZE) }))}
            >
              ← {t("inventory.previous")}
            </button>
            <button
              type="button"
              className="btn btn-small"
              data-testid="page-next"
              disabled={state.offset + PAGE_SIZE >= data.total}
              onClick={() => onStateChange((s) => ({ ...s, offset: s.offset + PAGE_SIZE }))}
            >
              {t("inventory.next")} →
            </button>
          </div>
        </nav>
      </>
    );
  }

  return (
    <section className="inventory" data-testid="inventory" aria-labelledby="inventory-title">
      <header className="page-header">
        <div>
          <h1 id="inventory-title" className="page-title">
            {t("inventory.title")}
          </h1>
          {data && data.total > 0 && !hasFilters && <p className="page-subtitle">{t("inventory.count", { count: data.total })}</p>}
        </div>
        <button type="button" className="btn btn-primary" data-testid="new-product" onClick={onNew}>
          + {t("inventory.newProduct")}
        </button>
      </header>

      <div className="toolbar">
        <div className="toolbar-field toolbar-search">
          <label htmlFor="inventory-search" className="sr-only">
            {t("inventory.searchLabel")}
          </label>
          <input
            id="inventory-search"
            data-testid="inventory-search"
            type="search"
            autoComplete="off"
            placeholder={t("inventory.searchPlaceholder")}
            value={state.search}
            onChange={(e) => {
              const search = e.target.value;
              onStateChange((s) => ({ ...s, search, offset: 0 }));
            }}
          />
        </div>
        <div className="toolbar-field">
          <label htmlFor="status-filter">{t("inventory.statusFilterLabel")}</label>
          <select
            id="status-filter"
            data-testid="status-filter"
            value={state.status ?? ""}
            onChange={(e) => {
              const status = e.target.value === "" ? null : (e.target.value as ProductStatus);
              onStateChange((s) => ({ ...s, status, offset: 0 }));
            }}
          >
            <option value="">{t("inventory.allStatuses")}</option>
            {PRODUCT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </div>
      </div>

      {body}
    </section>
  );
}

