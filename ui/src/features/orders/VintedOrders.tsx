import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type Job, type LabelMissing, type VintedOrderFilter, type VintedOrderRow } from "../../bindings";
import { LoadError } from "../../components/LoadError";
import { useToast } from "../../components/Toast";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { formatCents } from "../../lib/money";
import { UNFINISHED_STATES, isUnfinished, useJobs } from "../jobs/queries";
import { dashboardKeys } from "../dashboard/queryKeys";
import { inventoryKeys } from "../inventory/queryKeys";
import { jobKeys } from "../jobs/queryKeys";
import { statusLabel } from "./queries";
import { orderKeys, vintedOrderKeys } from "./queryKeys";

type Props = {
  onOpen: (id: string) => void;
};

/** Orders a page of the list shows. */
export const PAGE_SIZE = 100;
const HOUR_MS = 3_600_000;

const currencyFormatters = new Map<string, Intl.NumberFormat>();

/** Cents in the order's own currency (Vinted sells in EUR, GBP, PLN, CZK…); EUR when unknown. */
export function formatOrderMoney(cents: number, currency: string | null, language: string): string {
  const code = currency && /^[A-Z]{3}$/.test(currency) ? currency : "EUR";
  const key = `${language}|${code}`;
  let f = currencyFormatters.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(language, { style: "currency", currency: code });
    } catch {
      return formatCents(cents, language);
    }
    currencyFormatters.set(key, f);
  }
  return f.format(cents / 100);
}

/** How long until `shipBy` (negative: late), as days and hours. */
export function countdown(shipBy: string, now: Date): { late: boolean; days: number; hours: number } {
  const left = new Date(shipBy).getTime() - now.getTime();
  const hours = Math.floor(Math.abs(left) / HOUR_MS);
  return { late: left < 0, days: Math.floor(hours / 24), hours: hours % 24 };
}

/**
 * The orders read from Vinted: fees, net payout, profit, tracking and the ship-by countdown;
 * "Import orders" queues a read of every account, "Print labels" downloads the selected
 * orders' labels (a job when some are missing) and opens them merged in one PDF.
 */
export function VintedOrders({ onOpen }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { showToast } = useToast();
  const queryClient = useQueryClient();
  const [selected, setSelected] = useState<string[]>([]);
  const [importJobs, setImportJobs] = useState<string[]>([]);
  const [labelJobs, setLabelJobs] = useState<{ jobs: string[]; orders: string[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(() => new Date());
  const [page, setPage] = useState(0);
  const [missing, setMissing] = useState<LabelMissing[]>([]);
  const filter: VintedOrderFilter = { accountId: null, orderType: null, toShip: false, limit: PAGE_SIZE, offset: page * PAGE_SIZE };

  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), 60_000);
    return () => window.clearInterval(timer);
  }, []);

  const result = useQuery({
    queryKey: vintedOrderKeys.list(filter),
    queryFn: async () => unwrap(await commands.listVintedOrders(filter)),
  });
  const jobs = useJobs({ accountId: null, states: [...UNFINISHED_STATES, "done", "failed"], page: 1, perPage: 50 });
  const jobById = useMemo(() => new Map((jobs.data?.items ?? []).map((job: Job) => [job.id, job])), [jobs.data]);
  const importing = importJobs.map((id) => jobById.get(id)).filter((job): job is Job => job !== undefined && isUnfinished(job));
  const importDone = importing.reduce((sum, job) => sum + job.progressDone, 0);

  // The read ended: the list and the books are read again (once per batch of jobs).
  const importEnded = importJobs.length > 0 && importing.length === 0 && importJobs.every((id) => jobById.has(id)) ? importJobs.join() : "";
  useEffect(() => {
    if (!importEnded) return;
    void queryClient.invalidateQueries({ queryKey: vintedOrderKeys.all });
    void queryClient.invalidateQueries({ queryKey: orderKeys.all });
    void queryClient.invalidateQueries({ queryKey: dashboardKeys.all });
    void queryClient.invalidateQueries({ queryKey: inventoryKeys.all });
  }, [importEnded, queryClient]);

  /**
   * Asks for the batch. The first call (`downloadMissing`) may queue download jobs; the call
   * made once they end does not, so it merges what is on disk and says why the others have no
   * label, and never queues again (a label Vinted refuses would otherwise loop).
   */
  async function printLabels(orderIds: string[], downloadMissing: boolean) {
    setBusy(true);
    try {
      const batch = unwrap(await commands.printVintedLabels(orderIds, downloadMissing));
      setMissing(batch.withoutLabel);
      if (batch.withoutLabel.length > 0) showToast(t("vintedOrders.labels.without", { count: batch.withoutLabel.length }));
      if (batch.jobs.length > 0 && downloadMissing) {
        setLabelJobs({ jobs: batch.jobs.map((job) => job.id), orders: orderIds });
        void queryClient.invalidateQueries({ queryKey: jobKeys.all });
        showToast(t("vintedOrders.labels.downloading", { count: batch.jobs.reduce((n, job) => n + (job.progressTotal ?? 0), 0) }));
      } else if (batch.mergedPath) {
        unwrap(await commands.openVintedLabel(batch.mergedPath));
        showToast(t("vintedOrders.labels.ready", { count: batch.pages ?? 0 }));
        void queryClient.invalidateQueries({ queryKey: vintedOrderKeys.all });
      }
      if (!downloadMissing || batch.jobs.length === 0) setLabelJobs(null);
    } catch (error) {
      setLabelJobs(null);
      showToast(t("vintedOrders.failed", { reason: t(`errors.${normalizeAppError(error).code}`) }));
    } finally {
      setBusy(false);
    }
  }

  // The labels' jobs ended: the batch is merged and opened, once.
  const labelsPending = labelJobs !== null && labelJobs.jobs.some((id) => !jobById.has(id) || isUnfinished(jobById.get(id)!));
  const handledBatch = useRef<string | null>(null);
  const endedBatch = labelJobs !== null && !labelsPending ? labelJobs.jobs.join() : null;
  useEffect(() => {
    if (labelJobs === null || endedBatch === null || handledBatch.current === endedBatch) return;
    handledBatch.current = endedBatch;
    void printLabels(labelJobs.orders, false);
    // printLabels is recreated each render; the jobs' end is what matters here.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [endedBatch]);

  async function importOrders() {
    setBusy(true);
    try {
      const queued = unwrap(await commands.importVintedOrders(null));
      if (queued.length === 0) showToast(t("vintedOrders.noAccount"));
      setImportJobs(queued.map((job) => job.id));
      void queryClient.invalidateQueries({ queryKey: jobKeys.all });
    } catch (error) {
      showToast(t("vintedOrders.failed", { reason: t(`errors.${normalizeAppError(error).code}`) }));
    } finally {
      setBusy(false);
    }
  }

  const rows = result.data ?? [];
  const toShip = rows.filter((row) => row.shipBy !== null);
  const money = (cents: number | null, currency: string | null) => (cents === null ? "—" : formatOrderMoney(cents, currency, lang));
  const titleOf = (id: string) => rows.find((row) => row.id === id)?.title ?? id;
  const dateFormat = new Intl.DateTimeFormat(lang, { dateStyle: "short" });

  function toggle(id: string) {
    setSelected((old) => (old.includes(id) ? old.filter((x) => x !== id) : [...old, id]));
  }

  function due(row: VintedOrderRow) {
    if (!row.shipBy) return null;
    const left = countdown(row.shipBy, now);
    const text = left.late
      ? t("vintedOrders.countdown.late", { days: left.days, hours: left.hours })
      : t("vintedOrders.countdown.left", { days: left.days, hours: left.hours });
    return (
      <span className={left.late || left.days < 1 ? "badge badge-order-canceled" : "badge badge-order-status"} data-testid="ship-by">
        {text}
      </span>
    );
  }

  let body;
  if (result.isPending) {
    body = (
      <p className="state-message" role="status">
        <span className="spinner" aria-hidden="true" /> {t("vintedOrders.loading")}
      </p>
    );
  } else if (result.isError) {
    body = <LoadError title={t("vintedOrders.loadFailed")} error={result.error} onRetry={() => void result.refetch()} testId="vinted-orders-error" />;
  } else if (rows.length === 0) {
    body = (
      <div className="empty-state" data-testid="vinted-orders-empty">
        <p>{t("vintedOrders.empty")}</p>
        <p className="muted">{t("vintedOrders.emptyHint")}</p>
      </div>
    );
  } else {
    body = (
      <div className="table-wrap">
        <table className="product-table order-table">
          <caption className="sr-only">{t("vintedOrders.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">
                <span className="sr-only">{t("vintedOrders.select")}</span>
              </th>
              <th scope="col">{t("vintedOrders.columns.date")}</th>
              <th scope="col">{t("vintedOrders.columns.order")}</th>
              <th scope="col" className="col-num">
                {t("vintedOrders.columns.price")}
              </th>
              <th scope="col" className="col-num">
                {t("vintedOrders.columns.fees")}
              </th>
              <th scope="col" className="col-num">
                {t("vintedOrders.columns.net")}
              </th>
              <th scope="col" className="col-num">
                {t("vintedOrders.columns.profit")}
              </th>
              <th scope="col">{t("vintedOrders.columns.status")}</th>
              <th scope="col">{t("vintedOrders.columns.shipping")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} className={row.canceledAt ? "product-row order-row is-canceled" : "product-row order-row"} data-testid="vinted-order-row">
                <td>
                  <input
                    type="checkbox"
                    aria-label={t("vintedOrders.selectOrder", { title: row.title })}
                    checked={selected.includes(row.id)}
                    disabled={row.orderType !== "sale" || row.shipmentId === null || row.canceledAt !== null}
                    onChange={() => toggle(row.id)}
                  />
                </td>
                <td className="col-date">{dateFormat.format(new Date(row.createdAt))}</td>
                <td className="col-title">
                  <button type="button" className="link-btn" onClick={() => onOpen(row.id)}>
                    {row.title}
                  </button>{" "}
                  <span className={`badge badge-order-${row.orderType}`}>{t(`orders.types.${row.orderType}`)}</span>
                  {row.isBundle && <span className="order-bundle-tag">{t("orders.list.bundle", { count: row.quantity })}</span>}
                  {row.counterpart && <span className="muted"> · {row.counterpart}</span>}
                </td>
                <td className="col-num">{money(row.priceCents, row.currency)}</td>
                <td className="col-num" data-testid="fees">
                  {money(row.feesTotalCents, row.currency)}
                </td>
                <td className="col-num" data-testid="net">
                  {money(row.netPayoutCents, row.currency)}
                </td>
                <td className={row.profitCents !== null && row.profitCents < 0 ? "col-num is-negative" : "col-num"} data-testid="profit">
                  {row.orderType === "sale" && !row.canceledAt ? money(row.profitCents, row.currency) : "—"}
                </td>
                <td>
                  <span className={row.canceledAt ? "badge badge-order-canceled" : "badge badge-order-status"} data-status={row.status}>
                    {statusLabel(t, row.status)}
                  </span>{" "}
                  {due(row)}
                </td>
                <td>
                  {row.trackingUrl ? (
                    <a href={row.trackingUrl} target="_blank" rel="noreferrer noopener">
                      {row.trackingCarrier ?? t("vintedOrders.tracking")} {row.trackingNumber}
                    </a>
                  ) : (
                    (row.trackingNumber ?? "—")
                  )}
                  {!row.labelPath && row.labelError && (
                    <span className="muted" data-testid="label-error">
                      {" "}
                      · {t("vintedOrderLabels.failedShort")}
                    </span>
                  )}
                  {row.labelPath && (
                    <>
                      {" "}
                      <button type="button" className="btn btn-small" onClick={() => void commands.openVintedLabel(row.labelPath!)}>
                        {t("vintedOrders.labels.open")}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <section className="orders" data-testid="vinted-orders" aria-labelledby="vinted-orders-title">
      <header className="page-header">
        <div>
          <h2 id="vinted-orders-title" className="page-title">
            {t("vintedOrders.title")}
          </h2>
          {rows.length > 0 && <p className="page-subtitle">{t("vintedOrders.toShip", { count: toShip.length })}</p>}
        </div>
        <div className="page-header-actions">
          <button
            type="button"
            className="btn"
            data-testid="print-labels"
            disabled={selected.length === 0 || busy || labelsPending}
            onClick={() => void printLabels(selected, true)}
          >
            {labelsPending ? t("vintedOrders.labels.waiting") : t("vintedOrders.labels.print", { count: selected.length })}
          </button>
          <button type="button" className="btn btn-primary" data-testid="import-orders" disabled={busy || importing.length > 0} onClick={() => void importOrders()}>
            {importing.length > 0 ? t("vintedOrders.importing", { count: importDone }) : t("vintedOrders.import")}
          </button>
        </div>
      </header>
      {missing.length > 0 && (
        <div className="notice" role="status" data-testid="labels-missing">
          <p>{t("vintedOrderLabels.missingTitle", { count: missing.length })}</p>
          <ul>
            {missing.map((m) => (
              <li key={m.orderId}>
                {titleOf(m.orderId)} — {t(`vintedOrderLabels.reasons.${m.reason}`)}
                {m.detail ? ` (${m.detail})` : ""}
              </li>
            ))}
          </ul>
        </div>
      )}
      {body}
      {(page > 0 || rows.length === PAGE_SIZE) && (
        <nav className="pager" aria-label={t("vintedOrderLabels.pages")} data-testid="vinted-orders-pager">
          <button type="button" className="btn btn-small" disabled={page === 0} onClick={() => setPage((p) => Math.max(0, p - 1))}>
            {t("vintedOrderLabels.previous")}
          </button>
          <span className="muted"> {t("vintedOrderLabels.page", { page: page + 1 })} </span>
          <button type="button" className="btn btn-small" disabled={rows.length < PAGE_SIZE} onClick={() => setPage((p) => p + 1)}>
            {t("vintedOrderLabels.next")}
          </button>
        </nav>
      )}
    </section>
  );
}
