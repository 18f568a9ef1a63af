import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type AppError, type Order, type Result } from "../../bindings";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { EnumSelect, Field, useSaveMutation } from "../../components/form";
import { useToast } from "../../components/Toast";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { formatCents } from "../../lib/money";
import { ORDER_STATUSES, createdAtFor, orderErrorKey } from "../../lib/orderForm";
import { toLocalDateInput } from "../../lib/period";
import { afterOrderWrite, statusLabel, useSellerAccounts } from "./queries";
import { orderKeys } from "./queryKeys";

type Props = {
  orderId: string;
  onBack: () => void;
};

type Action = "cancel" | "status" | "processed" | "tracking";
type ActionError = { action: Action; error: AppError };

export function OrderDetail({ orderId, onBack }: Props) {
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: orderKeys.detail(orderId),
    queryFn: async () => unwrap(await commands.getOrder(orderId)),
  });

  if (query.isPending) {
    return (
      <p className="state-message" role="status" data-testid="order-loading">
        <span className="spinner" aria-hidden="true" /> {t("orders.detail.loading")}
      </p>
    );
  }
  if (query.isError) {
    const error = normalizeAppError(query.error);
    return (
      <div className="banner banner-error" role="alert" data-testid="order-load-error">
        <p>
          <strong>{t("orders.detail.loadError")}</strong> {error.code === "notFound" ? t("orders.detail.notFound") : t(`errors.${error.code}`)}
        </p>
        <div className="banner-actions">
          <button type="button" className="btn" onClick={onBack}>
            {t("orders.detail.back")}
          </button>
          {error.code !== "notFound" && (
            <button type="button" className="btn" onClick={() => void query.refetch()}>
              {t("errors.retry")}
            </button>
          )}
        </div>
      </div>
    );
  }
  return <OrderView key={query.data.id} order={query.data} onBack={onBack} />;
}

function OrderView({ order, onBack }: { order: Order; onBack: () => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const queryClient = useQueryClient();
  const { showToast } = useToast();
  const accounts = useSellerAccounts();
  const [busyAction, setBusyAction] = useState<Action | null>(null);
  const [actionError, setActionError] = useState<ActionError | null>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [newStatus, setNewStatus] = useState<string>(() => nextStatus(order.status));
  const [statusDate, setStatusDate] = useState("");
  const [statusDateError, setStatusDateError] = useState(false);
  const [tracking, setTracking] = useState({
    number: order.tracking.number ?? "",
    carrier: order.tracking.carrier ?? "",
    url: order.tracking.url ?? "",
  });
  const errorRef = useRef<HTMLDivElement>(null);
  const change = useSaveMutation({
    save: (call: () => Promise<Result<Order, AppError>>) => call(),
    onSaved: (saved: Order) => afterOrderWrite(queryClient, saved),
  });
  const busy = change.pending ? busyAction : null;

  const isSale = order.orderType === "sale";
  const canceled = order.canceledAt !== null;
  const dateTime = useMemo(() => new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short" }), [lang]);
  const formatDate = (iso: string) => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
  };
  const money = (cents: number | null) => (cents === null ? "—" : formatCents(cents, lang));
  const account = accounts.data?.find((a) => a.id === order.sellerAccountId);

  /** Runs one change of the order; on success the caches follow, on failure the error is shown by the action. */
  async function run(action: Action, call: () => Promise<Result<Order, AppError>>, done?: string): Promise<boolean> {
    if (busy) return false;
    setBusyAction(action);
    setActionError(null);
    const outcome = await change.run(call);
    if (!outcome) return false;
    if (outcome.ok) {
      if (done) showToast(done);
      return true;
    }
    setActionError({ action, error: outcome.error });
    requestAnimationFrame(() => errorRef.current?.focus());
    return false;
  }

  function actionErrorText(e: ActionError): string {
    if (e.action === "cancel" && e.error.code === "insufficientStock") return t("orders.detail.cancelRefusedStock");
    if (e.error.code === "notFound") return t("orders.detail.notFound");
    if (e.action === "status" && e.error.code === "validation" && canceled) return t("orders.detail.statusOfCanceled");
    return t(`errors.${e.error.code}`);
  }

  const trackingFieldError = (field: "trackingNumber" | "trackingCarrier" | "trackingUrl") => {
    if (actionError?.action !== "tracking") return undefined;
    const fe = actionError.error.fields.find((f) => f.field === field);
    return fe ? t(orderErrorKey(field, { code: fe.code })) : undefined;
  };

  async function addStatus() {
    const today = toLocalDateInput(new Date());
    let occurredAt: string | null = null;
    if (statusDate.trim() !== "") {
      const at = createdAtFor(statusDate, today);
      if (at === undefined) {
        setStatusDateError(true);
        return;
      }
      occurredAt = at;
    }
    setStatusDateError(false);
    const ok = await run("status", () => commands.updateOrderStatus(order.id, newStatus, occurredAt), t("orders.detail.statusAdded"));
    if (ok) setStatusDate("");
  }

  const party = isSale
    ? { name: order.buyerName, username: order.buyerUsername, label: t("orders.detail.buyer") }
    : { name: order.sellerName, username: order.sellerUsername, label: t("orders.detail.supplier") };
  const address = [order.shippingStreet, [order.shippingPostalCode, order.shippingCity].filter(Boolean).join(" "), order.shippingCountry].filter(
    (part) => part && part.trim() !== "",
  );

  return (
    <section className="order-detail" data-testid="order-detail" data-id={order.id} aria-labelledby="order-detail-title">
      <header className="page-header">
        <div>
          <button type="button" className="btn btn-small btn-back" data-testid="order-back" onClick={onBack}>
            ← {t("orders.detail.back")}
          </button>
          <h1 id="order-detail-title" className="page-title">
            {order.title}
          </h1>
          <p className="page-subtitle">
            <span className={`badge badge-order-${order.orderType}`}>{t(`orders.types.${order.orderType}`)}</span> {formatDate(order.createdAt)} ·{" "}
            {t(`orders.sources.${order.source}`)}
            {order.orderId && <> · {t("orders.detail.vintedId", { id: order.orderId })}</>}
          </p>
        </div>
        <span className={canceled ? "badge badge-order-canceled badge-large" : "badge badge-order-status badge-large"} data-testid="order-status">
          {statusLabel(t, order.status)}
        </span>
      </header>

      {canceled && (
        <div className="banner banner-warning" role="status" data-testid="order-canceled">
          <p>{t("orders.detail.canceledOn", { date: formatDate(order.canceledAt ?? "") })}</p>
        </div>
      )}

      {actionError && (
        <div ref={errorRef} className="banner banner-error" role="alert" tabIndex={-1} data-testid="order-action-error">
          <p>{actionErrorText(actionError)}</p>
          {actionError.error.message && (
            <details>
              <summary>{t("errors.details")}</summary>
              <code className="details-text">{actionError.error.message}</code>
            </details>
          )}
        </div>
      )}

      <div className="order-detail-grid">
        <section className="card form-section" aria-labelledby="order-money-title">
          <h2 id="order-money-title" className="section-title">
            {t("orders.detail.money")}
          </h2>
          <dl className="facts">
            <dt>{isSale ? t("orders.form.priceSale") : t("orders.form.pricePurchase")}</dt>
            <dd data-testid="order-detail-price">{money(order.priceCents)}</dd>
            <dt>{t("orders.form.shippingFee")}</dt>
            <dd>{money(order.shippingFeeCents)}</dd>
            <dt>{t("orders.form.serviceFee")}</dt>
            <dd>{money(order.serviceFeeCents)}</dd>
            <dt>{t("orders.form.feesTotal")}</dt>
            <dd data-testid="order-detail-fees">{money(order.feesTotalCents ?? 0)}</dd>
            {order.itemPriceCents !== null && (
              <>
                <dt>{t("orders.form.itemPrice")}</dt>
                <dd>{money(order.itemPriceCents)}</dd>
              </>
            )}
            <dt>{isSale ? t("orders.detail.costOfGoods") : t("orders.detail.landedCost")}</dt>
            <dd data-testid="order-detail-cost">{money(order.costCents)}</dd>
            {order.profitCents !== null && (
              <>
                <dt>{t("orders.detail.profit")}</dt>
                <dd className={order.profitCents < 0 ? "is-negative fact-strong" : "fact-strong"} data-testid="order-detail-profit">
                  {money(order.profitCents)}
                </dd>
              </>
            )}
          </dl>
        </section>

        <section className="card form-section" aria-labelledby="order-party-title">
          <h2 id="order-party-title" className="section-title">
            {party.label}
          </h2>
          <dl className="facts">
            <dt>{t("orders.detail.name")}</dt>
            <dd>{party.name ?? "—"}</dd>
            <dt>{t("orders.form.username")}</dt>
            <dd>{party.username ?? "—"}</dd>
            <dt>{t("orders.form.paymentMethod")}</dt>
            <dd>{order.paymentMethod ? t(`orders.payment.${order.paymentMethod}`) : "—"}</dd>
            {order.sellerAccountId && (
              <>
                <dt>{t("orders.form.account")}</dt>
                <dd>{account?.name ?? order.sellerAccountId}</dd>
              </>
            )}
            <dt>{t("orders.form.sections.shipping")}</dt>
            <dd className="address">
              {address.length > 0
                ? address.map((line, i) => (
                    <span key={i} className="address-line">
                      {line}
                    </span>
                  ))
                : "—"}
            </dd>
          </dl>
        </section>
      </div>

      <section className="card form-section" aria-labelledby="order-lines-title">
        <h2 id="order-lines-title" className="section-title">
          {order.isBundle ? t("orders.detail.bundleItems", { count: order.quantity }) : t("orders.form.sections.items")}
        </h2>
        <table className="order-lines" data-testid="order-detail-lines">
          <thead>
            <tr>
              <th scope="col">{t("orders.lines.item")}</th>
              <th scope="col">{t("orders.lines.sku")}</th>
              <th scope="col" className="col-num">
                {t("orders.lines.quantity")}
              </th>
              <th scope="col" className="col-num">
                {t("orders.lines.price")}
              </th>
              <th scope="col" className="col-num">
                {t("orders.lines.unitCost")}
              </th>
            </tr>
          </thead>
          <tbody>
            {order.items.map((line) => (
              <tr key={line.id} data-testid="order-detail-line" data-sku={line.sku ?? ""}>
                <td>{line.title}</td>
                <td>{line.sku ? <code>{line.sku}</code> : <span className="hint">{t("orders.lines.notLinked")}</span>}</td>
                <td className="col-num">{line.quantity}</td>
                <td className="col-num">{money(line.priceCents)}</td>
                <td className="col-num">{money(line.unitCostCents)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <div className="order-detail-grid">
        <section className="card form-section" aria-labelledby="order-follow-title">
          <h2 id="order-follow-title" className="section-title">
            {t("orders.detail.followUp")}
          </h2>
          <label className="checkbox-inline">
            <input
              type="checkbox"
              data-testid="order-processed-toggle"
              checked={order.processed}
              disabled={busy !== null}
              onChange={(e) => {
                const processed = e.target.checked;
                void run("processed", () => commands.setOrderProcessed(order.id, processed));
              }}
            />
            {t("orders.form.processed")}
          </label>

          {!canceled && (
            <form
              className="inline-form"
              data-testid="order-status-form"
              noValidate
              onSubmit={(e) => {
                e.preventDefault();
                void addStatus();
              }}
            >
              <h3 className="subsection-title">{t("orders.detail.changeStatus")}</h3>
              <div className="field-row">
                <Field id="order-new-status" name="status" label={t("orders.form.status")}>
                  {(a) => (
                    <EnumSelect<string> {...a} values={ORDER_STATUSES} value={newStatus} label={(s) => statusLabel(t, s)} onChange={setNewStatus} />
                  )}
                </Field>
                <Field
                  id="order-status-date"
                  name="occurredAt"
                  label={t("orders.detail.statusDate")}
                  // The hint gives way to the error, which says the same thing more pointedly.
                  hint={statusDateError ? undefined : t("orders.detail.statusDateHint")}
                  error={statusDateError ? t("orders.fieldErrors.invalidDate") : undefined}
                >
                  {(a) => <input {...a} type="date" max={toLocalDateInput(new Date())} value={statusDate} onChange={(e) => setStatusDate(e.target.value)} />}
                </Field>
                <button type="submit" className="btn field-row-button" data-testid="order-add-status" disabled={busy !== null}>
                  {busy === "status" ? t("form.saving") : t("orders.detail.addStatus")}
                </button>
              </div>
            </form>
          )}

          <form
            className="inline-form"
            data-testid="order-tracking-form"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void run(
                "tracking",
                () =>
                  commands.updateOrderTracking(order.id, {
                    number: tracking.number.trim() || null,
                    carrier: tracking.carrier.trim() || null,
                    url: tracking.url.trim() || null,
                  }),
                t("orders.detail.trackingSaved"),
              );
            }}
          >
            <h3 className="subsection-title">{t("orders.tracking.title")}</h3>
            <div className="field-grid field-grid-3">
              {(
                [
                  ["number", "trackingNumber", t("orders.tracking.number")],
                  ["carrier", "trackingCarrier", t("orders.tracking.carrier")],
                  ["url", "trackingUrl", t("orders.tracking.url")],
                ] as const
              ).map(([key, field, label]) => (
                <Field key={key} id={`order-detail-tracking-${key}`} name={field} label={label} error={trackingFieldError(field)}>
                  {(a) => (
                    <input
                      {...a}
                      type="text"
                      autoComplete="off"
                      placeholder={key === "url" ? "https://" : undefined}
                      value={tracking[key]}
                      onChange={(e) => setTracking((v) => ({ ...v, [key]: e.target.value }))}
                    />
                  )}
                </Field>
              ))}
            </div>
            <div className="form-actions-inline">
              <button type="submit" className="btn" data-testid="order-save-tracking" disabled={busy !== null}>
                {busy === "tracking" ? t("form.saving") : t("orders.detail.saveTracking")}
              </button>
              {order.tracking.url && /^https?:\/\//i.test(order.tracking.url) && (
                <a className="btn btn-link" href={order.tracking.url} target="_blank" rel="noreferrer noopener">
                  {t("orders.detail.openTracking")}
                </a>
              )}
            </div>
          </form>
        </section>

        <section className="card form-section" aria-labelledby="order-timeline-title">
          <h2 id="order-timeline-title" className="section-title">
            {t("orders.detail.timeline")}
          </h2>
          {order.timeline.length === 0 ? (
            <p className="hint">{t("orders.detail.noEvents")}</p>
          ) : (
            <ol className="timeline" data-testid="order-timeline">
              {order.timeline.map((event) => (
                <li key={event.id} className="timeline-event" data-testid="order-event" data-status={event.status}>
                  <span className={event.status === "canceled" ? "timeline-dot is-canceled" : "timeline-dot"} aria-hidden="true" />
                  <span className="timeline-status">{statusLabel(t, event.status)}</span>
                  <time className="timeline-date" dateTime={event.occurredAt}>
                    {formatDate(event.occurredAt)}
                  </time>
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>

      {!canceled && (
        <footer className="form-actions">
          <button type="button" className="btn btn-danger-ghost" data-testid="cancel-order" disabled={busy !== null} onClick={() => setConfirmCancel(true)}>
            {isSale ? t("orders.detail.cancelSale") : t("orders.detail.cancelPurchase")}
          </button>
        </footer>
      )}

      <ConfirmDialog
        open={confirmCancel}
        title={isSale ? t("orders.cancelDialog.titleSale") : t("orders.cancelDialog.titlePurchase")}
        text={isSale ? t("orders.cancelDialog.textSale", { title: order.title }) : t("orders.cancelDialog.textPurchase", { title: order.title })}
        confirmLabel={busy === "cancel" ? t("orders.cancelDialog.working") : t("orders.cancelDialog.confirm")}
        cancelLabel={t("orders.cancelDialog.keep")}
        testId="confirm-cancel-order"
        danger
        busy={busy === "cancel"}
        onConfirm={() => {
          void run("cancel", () => commands.cancelOrder(order.id), t("orders.detail.canceledToast")).then(() => setConfirmCancel(false));
        }}
        onCancel={() => setConfirmCancel(false)}
      />
    </section>
  );
}

/** The status an order most likely moves to next (shipped after paid, …), offered first. */
function nextStatus(current: string): string {
  const at = (ORDER_STATUSES as readonly string[]).indexOf(current);
  if (at === -1) return "shipped";
  return ORDER_STATUSES[Math.min(at + 1, ORDER_STATUSES.length - 1)];
}
