import { keepPreviousData, useQueries, useQuery } from "@tanstack/react-query";
import { LoadError } from "../../components/LoadError";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type ProductQuery, type ProductSelection, type ProductStatus, type ProductSummary, type SortField } from "../../bindings";
import { unwrap } from "../../lib/errors";
import { formatCents } from "../../lib/money";
import { photoSrc } from "../../lib/photos";
import { PRODUCT_STATUSES } from "../../lib/productForm";
import { useDebouncedValue } from "../../lib/useDebouncedValue";
import { PublishDialog } from "../publish/PublishDialog";
import { InventoryTransferButtons } from "../transfer/InventoryTransferButtons";
import { BulkBar } from "./BulkBar";
import { InventoryFilters } from "./InventoryFilters";
import { UndoBulkButton } from "./useUndoBulkAction";
import { INITIAL_LIST_STATE, PAGE_SIZE, activeFilterCount, nextSort, pagesFor, toProductQuery, type ListState } from "./listState";
import { inventoryKeys } from "./queryKeys";

type Props = {
  state: ListState;
  onStateChange: (update: (prev: ListState) => ListState) => void;
  onOpen: (id: string) => void;
  onNew: () => void;
  /** Opens the Vinted jobs area (from the toast after a publish). */
  onOpenJobs?: () => void;
};

export const SEARCH_DEBOUNCE_MS = 250;
const ROW_HEIGHT = 52;

type Selection = { kind: "ids"; ids: Set<string> } | { kind: "matching" };
const NOTHING_SELECTED: Selection = { kind: "ids", ids: new Set() };

/**
 * The inventory: a virtualised list that asks the store only for the rows on screen (pages of
 * {@link PAGE_SIZE}), so 100,000 products scroll as smoothly as 10. Search, filters and sort run
 * in SQL; ticked rows (or everything the filter matches) get bulk actions.
 */
export function InventoryList({ state, onStateChange, onOpen, onNew, onOpenJobs }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const debouncedSearch = useDebouncedValue(state.search.trim(), SEARCH_DEBOUNCE_MS);
  const baseQuery = useMemo(() => toProductQuery(state, debouncedSearch), [state, debouncedSearch]);
  const [showFilters, setShowFilters] = useState(activeFilterCount(state.filters) > 0);
  const [selection, setSelection] = useState<Selection>(NOTHING_SELECTED);
  const [publishing, setPublishing] = useState<ProductSelection | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);

  const pageQuery = (page: number): ProductQuery => ({ ...baseQuery, limit: PAGE_SIZE, offset: page * PAGE_SIZE });
  const first = useQuery({
    queryKey: inventoryKeys.page(baseQuery, 0),
    queryFn: async () => unwrap(await commands.listProducts(pageQuery(0))),
    placeholderData: keepPreviousData,
  });
  const total = first.data?.total ?? 0;

  // A new search or filter starts at the top with nothing ticked.
  const baseKey = JSON.stringify(baseQuery);
  useEffect(() => {
    setSelection(NOTHING_SELECTED);
    scrollRef.current?.scrollTo?.({ top: 0 });
  }, [baseKey]);

  // eslint-disable-next-line react-hooks/incompatible-library -- its functions must not be memoized, and the app does not use the React Compiler
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    initialRect: { width: 1000, height: 800 },
  });
  const virtualRows = virtualizer.getVirtualItems();
  const visiblePages = pagesFor(virtualRows[0]?.index ?? 0, virtualRows[virtualRows.length - 1]?.index ?? -1).filter((p) => p > 0);
  const pages = useQueries({
    queries: visiblePages.map((page) => ({
      queryKey: inventoryKeys.page(baseQuery, page),
      queryFn: async () => unwrap(await commands.listProducts(pageQuery(page))),
      staleTime: 30_000,
    })),
  });
  const rowAt = (index: number): ProductSummary | undefined => {
    const page = Math.floor(index / PAGE_SIZE);
    const data = page === 0 ? first.data : pages[visiblePages.indexOf(page)]?.data;
    return data?.items[index % PAGE_SIZE];
  };

  const dateFormat = useMemo(() => new Intl.DateTimeFormat(lang, { dateStyle: "short" }), [lang]);
  const filterCount = activeFilterCount(state.filters);
  const hasFilters = debouncedSearch !== "" || state.status !== null || filterCount > 0;
  const selectedCount = selection.kind === "matching" ? total : selection.ids.size;
  const bulkSelection: ProductSelection =
    selection.kind === "matching" ? { kind: "matching", query: { ...baseQuery, limit: PAGE_SIZE, offset: 0 } } : { kind: "ids", ids: [...selection.ids] };

  function toggle(id: string) {
    setSelection((s) => {
      const ids = new Set(s.kind === "ids" ? s.ids : []);
      if (ids.has(id)) ids.delete(id);
      else ids.add(id);
      return { kind: "ids", ids };
    });
  }

  const isSelected = (id: string) => selection.kind === "matching" || selection.ids.has(id);

  function columnHeader(column: SortField, label: string, className: string) {
    const active = state.sortBy === column;
    const ariaSort = active ? (state.sortDir === "asc" ? "ascending" : "descending") : "none";
    return (
      <div role="columnheader" aria-sort={ariaSort} className={className}>
        <button
          type="button"
          className={active ? "sort-btn is-active" : "sort-btn"}
          data-testid={`sort-${column}`}
          title={t("inventory.sortBy", { column: label })}
          onClick={() => onStateChange((s) => ({ ...s, ...nextSort(s, column) }))}
        >
          {label}
          <span className="sort-indicator" aria-hidden="true">
            {active ? (state.sortDir === "asc" ? "▲" : "▼") : "↕"}
          </span>
        </button>
      </div>
    );
  }

  const shortDate = (iso: string) => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? "" : dateFormat.format(date);
  };

  function row(p: ProductSummary, index: number, start: number) {
    return (
      <div
        key={p.id}
        role="row"
        aria-rowindex={index + 2}
        aria-selected={isSelected(p.id)}
        className={isSelected(p.id) ? "product-row grid-row is-selected" : "product-row grid-row"}
        data-testid="product-row"
        data-sku={p.sku}
        data-id={p.id}
        tabIndex={0}
        aria-label={t("inventory.openProduct", { title: p.title })}
        ref={(el) => {
          if (el) el.style.transform = `translateY(${start}px)`;
        }}
        onClick={(e) => {
          // A click on the checkbox's cell ticks the row; it does not open the product.
          if (e.target instanceof Element && e.target.closest("[data-select-cell]")) return;
          onOpen(p.id);
        }}
        onKeyDown={(e) => {
          if (e.target !== e.currentTarget) return;
          if (e.key === "Enter") {
            e.preventDefault();
            onOpen(p.id);
          } else if (e.key === " ") {
            e.preventDefault();
            toggle(p.id);
          }
        }}
      >
        <div role="gridcell" className="col-select" data-select-cell>
          <input
            type="checkbox"
            data-testid="row-select"
            aria-label={t("bulk.selectRow", { title: p.title })}
            checked={isSelected(p.id)}
            onChange={() => toggle(p.id)}
          />
        </div>
        <div role="gridcell" className="col-photo">
          {p.photoFile ? (
            <img className="thumb" src={photoSrc(p.photoFile)} alt="" loading="lazy" draggable={false} />
          ) : (
            <span className="thumb thumb-placeholder" title={t("inventory.noPhoto")} aria-hidden="true" />
          )}
        </div>
        <div role="gridcell" className="col-title" data-testid="row-title">
          {p.title}
        </div>
        <div role="gridcell" className="col-sku">
          <code>{p.sku}</code>
        </div>
        <div role="gridcell" className="col-brand">
          {p.brand ?? ""}
        </div>
        <div role="gridcell" className="col-size">
          {p.size ?? ""}
        </div>
        <div role="gridcell" className="col-status">
          <span className={`badge badge-${p.status}`} data-testid="row-status" data-status={p.status}>
            {t(`status.${p.status}`)}
          </span>
        </div>
        <div role="gridcell" className="col-num" data-testid="row-price">
          {formatCents(p.priceCents, lang)}
        </div>
        <div role="gridcell" className="col-num" data-testid="row-quantity">
          {p.quantity}
        </div>
        <div role="gridcell" className="col-date" data-testid="row-created">
          {shortDate(p.createdAt)}
        </div>
        <div role="gridcell" className="col-date">
          {shortDate(p.updatedAt)}
        </div>
      </div>
    );
  }

  function placeholderRow(index: number, start: number) {
    return (
      <div
        key={`loading-${index}`}
        role="row"
        aria-rowindex={index + 2}
        className="grid-row is-loading"
        ref={(el) => {
          if (el) el.style.transform = `translateY(${start}px)`;
        }}
      >
        <div role="gridcell" className="col-loading">
          <span className="skeleton" aria-hidden="true" />
        </div>
      </div>
    );
  }

  let body: React.ReactNode;
  if (first.isPending) {
    body = (
      <p className="state-message" role="status" data-testid="inventory-loading">
        <span className="spinner" aria-hidden="true" /> {t("inventory.loading")}
      </p>
    );
  } else if (first.isError && !first.data) {
    body = (
      <LoadError title={t("inventory.loadError")} error={first.error} onRetry={() => void first.refetch()} testId="inventory-error" />
    );
  } else if (total === 0 && !hasFilters) {
    body = (
      <div className="empty-state" data-testid="inventory-empty">
        <h2>{t("inventory.emptyTitle")}</h2>
        <p>{t("inventory.emptyText")}</p>
        <button type="button" className="btn btn-primary" data-testid="empty-create" onClick={onNew}>
          {t("inventory.createFirst")}
        </button>
      </div>
    );
  } else if (total === 0) {
    body = (
      <div className="empty-state" data-testid="inventory-no-match">
        <h2>{t("inventory.noMatchTitle")}</h2>
        <p>{t("inventory.noMatchText")}</p>
        <button
          type="button"
          className="btn"
          data-testid="clear-filters"
          onClick={() => onStateChange((s) => ({ ...s, search: "", status: null, filters: INITIAL_LIST_STATE.filters }))}
        >
          {t("inventory.clearFilters")}
        </button>
      </div>
    );
  } else {
    const allChecked = selection.kind === "matching";
    body = (
      <div
        className={first.isFetching ? "product-grid is-refreshing" : "product-grid"}
        role="grid"
        aria-rowcount={total + 1}
        aria-busy={first.isFetching || undefined}
        aria-label={t("inventory.tableCaption")}
        aria-multiselectable="true"
      >
        <div role="row" className="grid-row grid-head">
          <div role="columnheader" className="col-select">
            <input
              type="checkbox"
              data-testid="select-all"
              aria-label={t("bulk.selectAll", { count: total })}
              checked={allChecked}
              ref={(el) => {
                if (el) el.indeterminate = selection.kind === "ids" && selection.ids.size > 0;
              }}
              onChange={() => setSelection(allChecked || (selection.kind === "ids" && selection.ids.size > 0) ? NOTHING_SELECTED : { kind: "matching" })}
            />
          </div>
          <div role="columnheader" className="col-photo">
            <span className="sr-only">{t("inventory.columns.photo")}</span>
          </div>
          {columnHeader("title", t("inventory.columns.title"), "col-title")}
          <div role="columnheader" className="col-sku">
            {t("inventory.columns.sku")}
          </div>
          <div role="columnheader" className="col-brand">
            {t("inventory.columns.brand")}
          </div>
          <div role="columnheader" className="col-size">
            {t("inventory.columns.size")}
          </div>
          <div role="columnheader" className="col-status">
            {t("inventory.columns.status")}
          </div>
          {columnHeader("price", t("inventory.columns.price"), "col-num")}
          {columnHeader("quantity", t("inventory.columns.quantity"), "col-num")}
          {columnHeader("createdAt", t("inventory.columns.createdAt"), "col-date")}
          {columnHeader("updatedAt", t("inventory.columns.updatedAt"), "col-date")}
        </div>
        <div className="grid-scroll" ref={scrollRef} data-testid="inventory-scroll">
          <div
            className="grid-canvas"
            ref={(el) => {
              if (el) el.style.height = `${virtualizer.getTotalSize()}px`;
            }}
          >
            {virtualRows.map((v) => {
              const item = rowAt(v.index);
              return item ? row(item, v.index, v.start) : placeholderRow(v.index, v.start);
            })}
          </div>
        </div>
      </div>
    );
  }

  return (
    <section className="inventory" data-testid="inventory" aria-labelledby="inventory-title">
      <header className="page-header">
        <div>
          <h1 id="inventory-title" className="page-title">
            {t("inventory.title")}
          </h1>
          {first.data && total > 0 && (
            <p className="page-subtitle" data-testid="inventory-count">
              {hasFilters ? t("inventory.matching", { count: total }) : t("inventory.count", { count: total })}
            </p>
          )}
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
              onStateChange((s) => ({ ...s, search }));
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
              onStateChange((s) => ({ ...s, status }));
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
        <button
          type="button"
          className={filterCount > 0 ? "btn is-active" : "btn"}
          data-testid="filters-toggle"
          aria-expanded={showFilters}
          onClick={() => setShowFilters((v) => !v)}
        >
          {filterCount > 0 ? t("inventory.filters.buttonCount", { count: filterCount }) : t("inventory.filters.button")}
        </button>
        <UndoBulkButton />
        <InventoryTransferButtons query={{ ...baseQuery, limit: PAGE_SIZE, offset: 0 }} />
      </div>
      {showFilters && <InventoryFilters filters={state.filters} onChange={(filters) => onStateChange((s) => ({ ...s, filters }))} />}
      {selectedCount > 0 && (
        <BulkBar selection={bulkSelection} count={selectedCount} onDone={() => setSelection(NOTHING_SELECTED)} onPublish={() => setPublishing(bulkSelection)} />
      )}
      {publishing && (
        <PublishDialog
          selection={publishing}
          onClose={() => setPublishing(null)}
          onEditProduct={(id) => {
            setPublishing(null);
            onOpen(id);
          }}
          onOpenJobs={onOpenJobs}
        />
      )}

      {body}
    </section>
  );
}
