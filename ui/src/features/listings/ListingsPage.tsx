import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type AppError, type Job, type ListingRow, type ListingSortField, type ListingStatus } from "../../bindings";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { LoadError } from "../../components/LoadError";
import { useToast } from "../../components/Toast";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { formatCents } from "../../lib/money";
import { useDebouncedValue } from "../../lib/useDebouncedValue";
import { inventoryKeys } from "../inventory/queryKeys";
import { JobList } from "../jobs/JobList";
import { UNFINISHED_STATES } from "../jobs/queries";
import { useSellerAccounts } from "../orders/queries";
import { RefreshStatisticsButton, StatisticsView } from "../statistics/StatisticsView";
import { ImportDialog } from "./ImportDialog";
import { ListingActionDialog, ListingRowActions, type PendingAction } from "./ListingActions";
import {
  INITIAL_LISTING_STATE,
  LISTING_STATUSES,
  hasListingFilters,
  listingFilter,
  listingRange,
  nextListingSort,
  pageCount,
  type ListingListState,
} from "./listState";
import { listingKeys } from "./queryKeys";

const SEARCH_DEBOUNCE_MS = 250;

type Props = {
  /** Opens an inventory item's form. */
  onOpenProduct?: (id: string) => void;
  /** Opens the Vinted jobs area. */
  onOpenJobs?: () => void;
};

/** A listing picked for "create inventory items": the store needs its account and Vinted id. */
type Picked = { accountId: string; listingId: string };

/**
 * The Vinted listings area: the listings imported from the accounts' wardrobes, paged, sorted
 * and filtered in the store, each with the inventory item it is linked to (by SKU), the import
 * and what it is doing, linking by SKU and making inventory items of unlinked listings.
 */
export function ListingsPage({ onOpenProduct, onOpenJobs }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const queryClient = useQueryClient();
  const { showToast } = useToast();
  const accounts = useSellerAccounts();
  const [state, setState] = useState<ListingListState>(INITIAL_LISTING_STATE);
  const [selected, setSelected] = useState<ReadonlyMap<string, Picked>>(new Map());
  const [importOpen, setImportOpen] = useState(false);
  const [linking, setLinking] = useState<{ rowId: string; sku: string; error: AppError | null } | null>(null);
  const [unlinking, setUnlinking] = useState<ListingRow | null>(null);
  const [acting, setActing] = useState<PendingAction | null>(null);
  /** The listings as imported, or their statistics and insights. */
  const [view, setView] = useState<"listings" | "statistics">("listings");

  const search = useDebouncedValue(state.search.trim(), SEARCH_DEBOUNCE_MS);
  const filter = listingFilter(state, search);
  const result = useQuery({
    queryKey: listingKeys.list(filter),
    queryFn: async () => unwrap(await commands.listListings(filter)),
    placeholderData: keepPreviousData,
  });
  const data = result.data;

  const accountList = useMemo(() => accounts.data ?? [], [accounts.data]);
  const accountNames = useMemo(() => new Map(accountList.map((a) => [a.id, a.name])), [accountList]);
  const dateFormat = useMemo(() => new Intl.DateTimeFormat(lang, { dateStyle: "short" }), [lang]);
  const dateTimeFormat = useMemo(() => new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short" }), [lang]);
  const filtered = hasListingFilters(state, search);

  const link = useMutation({
    mutationFn: async (v: { accountId: string; listingId: string; sku: string | null }) => unwrap(await commands.linkListing(v.accountId, v.listingId, v.sku)),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: listingKeys.all }),
  });

  const createItems = useMutation({
    mutationFn: async (picked: Picked[]) => {
      const byAccount = new Map<string, string[]>();
      for (const p of picked) byAccount.set(p.accountId, [...(byAccount.get(p.accountId) ?? []), p.listingId]);
      let created = 0;
      for (const [accountId, listingIds] of byAccount) created += unwrap(await commands.createItemsFromListings(accountId, listingIds)).length;
      return created;
    },
    onSettled: () =>
      Promise.all([queryClient.invalidateQueries({ queryKey: listingKeys.all }), queryClient.invalidateQueries({ queryKey: inventoryKeys.all })]),
    onSuccess: (count) => {
      setSelected(new Map());
      showToast(t("listings.createItems.done", { count }));
    },
    onError: (error) => showToast(t("listings.createItems.failed", { reason: t(`errors.${normalizeAppError(error).code}`) })),
  });

  /** A filter changed: back to the first page, with nothing selected. */
  function update(patch: Partial<ListingListState>) {
    setState((s) => ({ ...s, ...patch, page: 1 }));
    setSelected(new Map());
    setLinking(null);
  }

  function goToPage(page: number) {
    setState((s) => ({ ...s, page }));
    setSelected(new Map());
    setLinking(null);
  }

  function toggle(row: ListingRow) {
    setSelected((old) => {
      const next = new Map(old);
      if (next.has(row.id)) next.delete(row.id);
      else next.set(row.id, { accountId: row.accountId, listingId: row.listingId });
      return next;
    });
  }

  function onQueued(job: Job) {
    setImportOpen(false);
    showToast(t("listings.import.queued", { name: accountNames.get(job.accountId) ?? "" }), onOpenJobs && { label: t("listings.import.seeJobs"), onAction: onOpenJobs, testId: "toast-open-jobs" });
  }

  function onChangeQueued(pending: PendingAction, dryRun: boolean) {
    setActing(null);
    const message = t(`listings.actions.queued.${pending.action}`, { title: pending.row.title });
    showToast(
      dryRun ? `${message} ${t("listings.actions.dryRunNote")}` : message,
      onOpenJobs && { label: t("listings.actions.seeJobs"), onAction: onOpenJobs, testId: "toast-open-jobs" },
    );
  }

  function submitLink(row: ListingRow) {
    if (!linking || link.isPending) return;
    const sku = linking.sku.trim();
    if (sku === "") {
      setLinking({ ...linking, error: { code: "validation", message: "", fields: [{ field: "sku", code: "required" }] } });
      return;
    }
    link.mutate(
      { accountId: row.accountId, listingId: row.listingId, sku },
      {
        onSuccess: () => {
          setLinking(null);
          showToast(t("listings.link.done", { sku }));
        },
        onError: (error) => setLinking((l) => (l ? { ...l, error: normalizeAppError(error) } : l)),
      },
    );
  }

  function linkErrorText(error: AppError): string {
    if (error.fields.some((f) => f.field === "sku" && f.code === "required")) return t("listings.link.required");
    if (error.code === "unknownSku") return t("listings.link.unknownSku");
    return t(`errors.${error.code}`);
  }

  function columnHeader(field: ListingSortField, label: string, className?: string) {
    const active = state.sort.field === field;
    return (
      <th scope="col" className={className} aria-sort={active ? (state.sort.dir === "asc" ? "ascending" : "descending") : "none"}>
        <button
          type="button"
          className={active ? "sort-btn is-active" : "sort-btn"}
          data-testid={`listings-sort-${field}`}
          title={t("listings.sortBy", { column: label })}
          onClick={() => update({ sort: nextListingSort(state.sort, field) })}
        >
          {label}
          <span className="sort-indicator" aria-hidden="true">
            {active ? (state.sort.dir === "asc" ? "▲" : "▼") : "↕"}
          </span>
        </button>
      </th>
    );
  }

  const shortDate = (iso: string | null) => {
    if (!iso) return "";
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? "" : dateFormat.format(date);
  };
  const longDate = (iso: string | null) => {
    if (!iso) return undefined;
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? undefined : dateTimeFormat.format(date);
  };

  function linkCell(row: ListingRow) {
    if (row.product) {
      const product = row.product;
      return (
        <div className="listing-link">
          {onOpenProduct ? (
            <button
              type="button"
              className="link-btn"
              data-testid="listing-product"
              data-id={product.id}
              aria-label={t("listings.link.openProduct", { title: product.title })}
              onClick={() => onOpenProduct(product.id)}
            >
              {product.title}
            </button>
          ) : (
            <span data-testid="listing-product" data-id={product.id}>
              {product.title}
            </span>
          )}
          {row.sku && <code className="listing-sku">{row.sku}</code>}
          <button
            type="button"
            className="btn btn-small btn-danger-ghost"
            data-testid="listing-unlink"
            aria-label={t("listings.link.unlinkLabel", { title: row.title })}
            onClick={() => setUnlinking(row)}
          >
            {t("listings.link.unlink")}
          </button>
        </div>
      );
    }
    if (linking?.rowId === row.id) {
      const inputId = `listing-sku-${row.id}`;
      const errorId = `${inputId}-error`;
      return (
        <form
          className="listing-link-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            submitLink(row);
          }}
        >
          <label htmlFor={inputId} className="sr-only">
            {t("listings.link.skuLabel", { title: row.title })}
          </label>
          <input
            id={inputId}
            data-testid="listing-sku-input"
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder={t("listings.link.skuPlaceholder")}
            // eslint-disable-next-line jsx-a11y/no-autofocus -- the user just asked to type the SKU of this row
            autoFocus
            value={linking.sku}
            aria-invalid={linking.error ? true : undefined}
            aria-describedby={linking.error ? errorId : undefined}
            disabled={link.isPending}
            onChange={(e) => setLinking({ ...linking, sku: e.target.value, error: null })}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                e.preventDefault();
                setLinking(null);
              }
            }}
          />
          <button type="submit" className="btn btn-small btn-primary" data-testid="listing-sku-save" disabled={link.isPending}>
            {t("listings.link.save")}
          </button>
          <button type="button" className="btn btn-small" data-testid="listing-sku-cancel" disabled={link.isPending} onClick={() => setLinking(null)}>
            {t("form.cancel")}
          </button>
          {linking.error && (
            <p id={errorId} className="field-error" role="alert" data-testid="listing-sku-error" data-code={linking.error.code}>
              {linkErrorText(linking.error)}
            </p>
          )}
        </form>
      );
    }
    return (
      <div className="listing-link">
        <span className="muted" data-testid="listing-unlinked">
          {t("listings.link.none")}
        </span>
        {row.sku && (
          <span className="hint" data-testid="listing-sku-missing">
            {t("listings.link.skuMissing", { sku: row.sku })}
          </span>
        )}
        <button
          type="button"
          className="btn btn-small"
          data-testid="listing-link"
          aria-label={t("listings.link.linkLabel", { title: row.title })}
          onClick={() => setLinking({ rowId: row.id, sku: row.sku ?? "", error: null })}
        >
          {t("listings.link.link")}
        </button>
      </div>
    );
  }

  function row(r: ListingRow) {
    const gone = r.goneAt !== null;
    const canPick = r.product === null;
    return (
      <tr key={r.id} className={gone ? "listing-row is-gone" : "listing-row"} data-testid="listing-row" data-id={r.id} data-listing-id={r.listingId}>
        <td className="col-select">
          {canPick && (
            <input
              type="checkbox"
              data-testid="listing-select"
              aria-label={t("listings.selectRow", { title: r.title })}
              checked={selected.has(r.id)}
              onChange={() => toggle(r)}
            />
          )}
        </td>
        <td className="col-photo">
          <span className="thumb thumb-placeholder" title={t("listings.noPhoto")} aria-hidden="true" />
        </td>
        <td className="col-title">
          <span className="listing-title" data-testid="listing-title">
            {r.title}
          </span>
          <span className="listing-meta muted">
            {accountList.length > 1 && <>{accountNames.get(r.accountId) ?? ""} · </>}
            {t("listings.vintedId", { id: r.listingId })}
          </span>
        </td>
        <td className="col-num" data-testid="listing-price">
          {formatCents(r.priceCents, lang)}
        </td>
        <td className="col-status">
          {gone ? (
            <span className="badge badge-listing-gone" data-testid="listing-status" data-status={r.status} data-gone="true" title={longDate(r.goneAt)}>
              {t("listings.goneOn", { date: shortDate(r.goneAt) })}
            </span>
          ) : (
            <span className={`badge badge-listing-${r.status}`} data-testid="listing-status" data-status={r.status}>
              {t(`listings.statuses.${r.status}`)}
            </span>
          )}
        </td>
        <td className="col-date" title={longDate(r.listedAt)} data-testid="listing-listed-at">
          {shortDate(r.listedAt)}
        </td>
        <td className="col-date" title={longDate(r.lastSync)} data-testid="listing-last-sync">
          {shortDate(r.lastSync)}
        </td>
        <td className="col-link" data-testid="listing-linked">
          {linkCell(r)}
        </td>
        <td className="col-actions">
          <ListingRowActions row={r} onAction={(action) => setActing({ action, row: r })} />
        </td>
      </tr>
    );
  }

  const importButton = (testId: string) => (
    <button type="button" className="btn btn-primary" data-testid={testId} onClick={() => setImportOpen(true)}>
      {t("listings.import.open")}
    </button>
  );

  let body: React.ReactNode;
  if (result.isPending) {
    body = (
      <p className="state-message" role="status" data-testid="listings-loading">
        <span className="spinner" aria-hidden="true" /> {t("listings.loading")}
      </p>
    );
  } else if (result.isError && !data) {
    body = <LoadError title={t("listings.loadError")} error={result.error} onRetry={() => void result.refetch()} testId="listings-error" />;
  } else if (data && data.total === 0 && !filtered) {
    body = (
      <div className="empty-state" data-testid="listings-empty">
        <h2>{t("listings.emptyTitle")}</h2>
        <p>{t("listings.emptyText")}</p>
        {importButton("listings-empty-import")}
      </div>
    );
  } else if (data && data.items.length === 0) {
    body = (
      <div className="empty-state" data-testid="listings-no-match">
        <h2>{t("listings.noMatchTitle")}</h2>
        <p>{t("listings.noMatchText")}</p>
        <button type="button" className="btn" data-testid="listings-clear-filters" onClick={() => update({ search: "", accountId: null, status: null, linked: null })}>
          {t("listings.clearFilters")}
        </button>
      </div>
    );
  } else if (data) {
    const range = listingRange(state.page, data.items.length, data.total);
    const pages = pageCount(data.total);
    const pickable = data.items.filter((r) => r.product === null);
    const allPicked = pickable.length > 0 && pickable.every((r) => selected.has(r.id));
    const somePicked = pickable.some((r) => selected.has(r.id));
    body = (
      <>
        {selected.size > 0 && (
          <div className="bulk-bar" role="region" aria-label={t("listings.createItems.barLabel")} data-testid="listings-bulk-bar">
            <span data-testid="listings-selected-count">{t("listings.selected", { count: selected.size })}</span>
            <button
              type="button"
              className="btn btn-primary btn-small"
              data-testid="listings-create-items"
              disabled={createItems.isPending}
              onClick={() => createItems.mutate([...selected.values()])}
            >
              {createItems.isPending ? t("listings.createItems.running") : t("listings.createItems.action", { count: selected.size })}
            </button>
            <button type="button" className="btn btn-small" data-testid="listings-clear-selection" onClick={() => setSelected(new Map())}>
              {t("listings.clearSelection")}
            </button>
          </div>
        )}
        <div className="table-wrap">
          <table className={result.isFetching ? "data-table listing-table is-refreshing" : "data-table listing-table"} aria-busy={result.isFetching || undefined}>
            <caption className="sr-only">{t("listings.caption")}</caption>
            <thead>
              <tr>
                <th scope="col" className="col-select">
                  {pickable.length > 0 && (
                    <input
                      type="checkbox"
                      data-testid="listings-select-all"
                      aria-label={t("listings.selectAllUnlinked", { count: pickable.length })}
                      checked={allPicked}
                      ref={(el) => {
                        if (el) el.indeterminate = somePicked && !allPicked;
                      }}
                      onChange={() =>
                        setSelected((old) => {
                          const next = new Map(old);
                          for (const r of pickable) {
                            if (allPicked) next.delete(r.id);
                            else next.set(r.id, { accountId: r.accountId, listingId: r.listingId });
                          }
                          return next;
                        })
                      }
                    />
                  )}
                </th>
                <th scope="col" className="col-photo">
                  <span className="sr-only">{t("listings.columns.photo")}</span>
                </th>
                {columnHeader("title", t("listings.columns.title"), "col-title")}
                {columnHeader("price", t("listings.columns.price"), "col-num")}
                {columnHeader("status", t("listings.columns.status"))}
                {columnHeader("listedAt", t("listings.columns.listedAt"))}
                {columnHeader("lastSync", t("listings.columns.lastSync"))}
                <th scope="col">{t("listings.columns.linked")}</th>
                <th scope="col" className="col-actions">
                  {t("listings.actions.column")}
                </th>
              </tr>
            </thead>
            <tbody>{data.items.map(row)}</tbody>
          </table>
        </div>
        <nav className="pagination" aria-label={t("listings.pagination")}>
          <span className="pagination-range" data-testid="listings-page-range">
            {t("listings.range", range)}
          </span>
          <div className="pagination-buttons">
            <button type="button" className="btn btn-small" data-testid="listings-page-prev" disabled={state.page <= 1} onClick={() => goToPage(state.page - 1)}>
              ← {t("listings.previous")}
            </button>
            <button
              type="button"
              className="btn btn-small"
              data-testid="listings-page-next"
              disabled={state.page >= pages}
              onClick={() => goToPage(state.page + 1)}
            >
              {t("listings.next")} →
            </button>
          </div>
        </nav>
      </>
    );
  }

  return (
    <section className="listings" data-testid="listings" aria-labelledby="listings-title">
      <header className="page-header">
        <div>
          <h1 id="listings-title" className="page-title">
            {t("listings.title")}
          </h1>
          {data && data.total > 0 && <p className="page-subtitle">{t("listings.count", { count: data.total })}</p>}
        </div>
        <div className="page-header-actions">
          {view === "listings" && <RefreshStatisticsButton accountId={state.accountId} onOpenJobs={onOpenJobs} />}
          {importButton("listings-import")}
        </div>
      </header>

      <JobList accountId={null} states={UNFINISHED_STATES} accountNames={accountNames} compact />

      <div className="stats-view-switch" role="group" aria-label={t("statistics.viewSwitch")}>
        <button type="button" className={view === "listings" ? "btn btn-small is-active" : "btn btn-small"} aria-pressed={view === "listings"} data-testid="listings-view-listings" onClick={() => setView("listings")}>
          {t("statistics.viewListings")}
        </button>
        <button type="button" className={view === "statistics" ? "btn btn-small is-active" : "btn btn-small"} aria-pressed={view === "statistics"} data-testid="listings-view-statistics" onClick={() => setView("statistics")}>
          {t("statistics.viewStatistics")}
        </button>
      </div>

      {view === "statistics" ? (
        <StatisticsView accounts={accountList} onOpenJobs={onOpenJobs} />
      ) : (
        <>
          <div className="toolbar">
            <div className="toolbar-field toolbar-search">
              <label htmlFor="listings-search" className="sr-only">
                {t("listings.searchLabel")}
              </label>
              <input
                id="listings-search"
                data-testid="listings-search"
                type="search"
                autoComplete="off"
                placeholder={t("listings.searchPlaceholder")}
                value={state.search}
                onChange={(e) => update({ search: e.target.value })}
              />
            </div>
            {accountList.length > 0 && (
              <div className="toolbar-field">
                <label htmlFor="listings-account-filter">{t("listings.accountFilter")}</label>
                <select
                  id="listings-account-filter"
                  data-testid="listings-account-filter"
                  value={state.accountId ?? ""}
                  onChange={(e) => update({ accountId: e.target.value === "" ? null : e.target.value })}
                >
                  <option value="">{t("listings.allAccounts")}</option>
                  {accountList.map((a) => (
                    <option key={a.id} value={a.id}>
                      {a.name}
                    </option>
                  ))}
                </select>
              </div>
            )}
            <div className="toolbar-field">
              <label htmlFor="listings-status-filter">{t("listings.statusFilter")}</label>
              <select
                id="listings-status-filter"
                data-testid="listings-status-filter"
                value={state.status ?? ""}
                onChange={(e) => update({ status: e.target.value === "" ? null : (e.target.value as ListingStatus) })}
              >
                <option value="">{t("listings.allStatuses")}</option>
                {LISTING_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {t(`listings.statuses.${s}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="toolbar-field">
              <label htmlFor="listings-linked-filter">{t("listings.linkedFilter")}</label>
              <select
                id="listings-linked-filter"
                data-testid="listings-linked-filter"
                value={state.linked === null ? "" : state.linked ? "yes" : "no"}
                onChange={(e) => update({ linked: e.target.value === "" ? null : e.target.value === "yes" })}
              >
                <option value="">{t("listings.linkedAll")}</option>
                <option value="yes">{t("listings.linkedYes")}</option>
                <option value="no">{t("listings.linkedNo")}</option>
              </select>
            </div>
            {onOpenJobs && (
              <button type="button" className="btn btn-small toolbar-end" data-testid="listings-open-jobs" onClick={onOpenJobs}>
                {t("listings.openJobs")}
              </button>
            )}
          </div>

          {body}
        </>
      )}

      {importOpen && (
        <ImportDialog accounts={accountList} initialAccountId={state.accountId} onClose={() => setImportOpen(false)} onQueued={onQueued} />
      )}
      {acting && (
        <ListingActionDialog
          key={`${acting.action}-${acting.row.id}`}
          pending={acting}
          account={accountList.find((a) => a.id === acting.row.accountId)}
          onClose={() => setActing(null)}
          onQueued={onChangeQueued}
        />
      )}
      <ConfirmDialog
        open={unlinking !== null}
        title={t("listings.unlinkDialog.title")}
        text={t("listings.unlinkDialog.text", { title: unlinking?.title ?? "", product: unlinking?.product?.title ?? "" })}
        confirmLabel={t("listings.unlinkDialog.confirm")}
        cancelLabel={t("listings.unlinkDialog.cancel")}
        testId="confirm-unlink-listing"
        danger
        busy={link.isPending}
        onConfirm={() => {
          const r = unlinking;
          if (!r) return;
          link.mutate(
            { accountId: r.accountId, listingId: r.listingId, sku: null },
            {
              onSuccess: () => {
                setUnlinking(null);
                showToast(t("listings.link.unlinked"));
              },
              onError: (error) => {
                setUnlinking(null);
                showToast(t("listings.link.unlinkFailed", { reason: t(`errors.${normalizeAppError(error).code}`) }));
              },
            },
          );
        }}
        onCancel={() => setUnlinking(null)}
      />
    </section>
  );
}
