import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { FormErrorBanner, type FormBanner } from "../../components/FormErrorBanner";
import { commands, type AppError, type Order, type OrderType, type PaymentMethod } from "../../bindings";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { normalizeAppError } from "../../lib/errors";
import { formatCents, parseEuro } from "../../lib/money";
import {
  ORDER_STATUSES,
  ORDER_TYPES,
  PAYMENT_METHODS,
  addItemLine,
  addNewItemLine,
  buildOrderDraft,
  emptyOrderValues,
  mapOrderServerErrors,
  orderErrorKey,
  sameOrderValues,
  type OrderFormErrors,
  type OrderFormValues,
  type OrderLineValues,
} from "../../lib/orderForm";
import { toLocalDateInput } from "../../lib/period";
import { ItemPicker } from "./ItemPicker";
import { afterOrderWrite, statusLabel, useSellerAccounts } from "./queries";

type Props = {
  onClose: () => void;
  onSaved: (order: Order) => void;
  onDirtyChange?: (dirty: boolean) => void;
};

type Banner = FormBanner;
type A11y = { id: string; "data-testid": string; "aria-describedby"?: string; "aria-invalid"?: true };

export function OrderForm({ onClose, onSaved, onDirtyChange }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const queryClient = useQueryClient();
  const accounts = useSellerAccounts();
  const [today] = useState(() => toLocalDateInput(new Date()));
  const [initialValues] = useState<OrderFormValues>(() => emptyOrderValues(today));
  const [values, setValues] = useState<OrderFormValues>(initialValues);
  const [errors, setErrors] = useState<OrderFormErrors>({});
  const [banner, setBanner] = useState<Banner | null>(null);
  const [saving, setSaving] = useState(false);
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  const bannerRef = useRef<HTMLDivElement>(null);

  const dirty = !sameOrderValues(values, initialValues);
  const isSale = values.orderType === "sale";

  useEffect(() => {
    onDirtyChange?.(dirty);
  }, [dirty, onDirtyChange]);
  useEffect(() => () => onDirtyChange?.(false), [onDirtyChange]);

  // After a failed submit, the first field in error (in the order of the form) gets the focus.
  useEffect(() => {
    if (focusRequest === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusRequest]);

  function set<K extends keyof OrderFormValues>(key: K, value: OrderFormValues[K]) {
    setValues((v) => ({ ...v, [key]: value }));
  }

  function setLine(key: string, patch: Partial<OrderLineValues>) {
    setValues((v) => ({ ...v, lines: v.lines.map((l) => (l.key === key ? { ...l, ...patch } : l)) }));
  }

  function removeLine(key: string) {
    setValues((v) => ({ ...v, lines: v.lines.filter((l) => l.key !== key) }));
    // Line errors are named by position: they no longer fit once a line is gone.
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([field]) => !field.startsWith("items"))));
    requestAnimationFrame(() => document.getElementById("order-item-search")?.focus());
  }

  async function submit() {
    if (saving) return;
    const built = buildOrderDraft(values, today);
    if (!built.ok) {
      setErrors(built.errors);
      setBanner(null);
      setFocusRequest((n) => n + 1);
      return;
    }
    setErrors({});
    setBanner(null);
    setSaving(true);
    let error: AppError;
    try {
      const result = await commands.createOrder(built.draft);
      if (result.status === "ok") {
        await afterOrderWrite(queryClient, result.data);
        setSaving(false);
        onSaved(result.data);
        return;
      }
      error = normalizeAppError(result.error);
    } catch (e) {
      error = normalizeAppError(e);
    }
    setSaving(false);
    // Keep everything that was typed; say what is wrong where it is.
    const { fields, unmapped } = mapOrderServerErrors(error, values.lines.length);
    setErrors(fields);
    const mapped = Object.keys(fields).length > 0;
    if (!mapped || unmapped.length > 0) {
      setBanner({ error, unmapped });
      requestAnimationFrame(() => bannerRef.current?.focus());
    }
    if (mapped) setFocusRequest((n) => n + 1);
  }

  function cancel() {
    if (dirty) setConfirmDiscard(true);
    else onClose();
  }

  const errorText = (field: string) => {
    const err = errors[field];
    return err ? t(orderErrorKey(field, err), { available: err.available ?? 0 }) : undefined;
  };

  /** A labelled control with its hint and error, wired for screen readers and the e2e tests. */
  function field(props: { id: string; field: string; label: string; hint?: string; className?: string; children: (a: A11y) => ReactNode }) {
    const error = errorText(props.field);
    const hintId = props.hint ? `${props.id}-hint` : undefined;
    const errorId = error ? `${props.id}-error` : undefined;
    const describedBy = [errorId, hintId].filter(Boolean).join(" ") || undefined;
    return (
      <div className={`field${props.className ? ` ${props.className}` : ""}${error ? " has-error" : ""}`}>
        <label htmlFor={props.id}>{props.label}</label>
        {props.children({ id: props.id, "data-testid": props.id, "aria-describedby": describedBy, "aria-invalid": error ? true : undefined })}
        {props.hint && (
          <p id={hintId} className="hint">
            {props.hint}
          </p>
        )}
        {error && (
          <p id={errorId} className="field-error" data-testid={`error-${props.field}`}>
            {error}
          </p>
        )}
      </div>
    );
  }

  function text(key: keyof OrderFormValues, a: A11y, extra?: { placeholder?: string; money?: boolean; autoFocus?: boolean }) {
    return (
      <input
        {...a}
        type="text"
        autoComplete="off"
        inputMode={extra?.money ? "decimal" : undefined}
        placeholder={extra?.placeholder ?? (extra?.money ? t("form.amountPlaceholder") : undefined)}
        autoFocus={extra?.autoFocus}
        value={values[key] as string}
        onChange={(e) => set(key, e.target.value as never)}
      />
    );
  }

  const partyField = isSale ? "buyerName" : "sellerName";
  const partyUsernameField = isSale ? "buyerUsername" : "sellerUsername";
  const shippingParsed = parseEuro(values.shippingFee);
  const serviceParsed = parseEuro(values.serviceFee);
  const partsTotal =
    shippingParsed.ok || serviceParsed.ok ? (shippingParsed.ok ? shippingParsed.cents : 0) + (serviceParsed.ok ? serviceParsed.cents : 0) : null;
  const itemsError = errorText("items");

  return (
    <form
      ref={formRef}
      className="order-form"
      data-testid="order-form"
      noValidate
      aria-busy={saving || undefined}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape" && !e.defaultPrevented && !confirmDiscard) {
          e.preventDefault();
          cancel();
        }
      }}
    >
      <header className="page-header">
        <div>
          <h1 className="page-title">{t("orders.form.title")}</h1>
          <p className="page-subtitle">{t("orders.form.subtitle")}</p>
        </div>
      </header>

      {banner && <FormErrorBanner ref={bannerRef} banner={banner} testId="order-form-error" />}

      <section className="card form-section" aria-labelledby="order-section-main">
        <h2 id="order-section-main" className="section-title">
          {t("orders.form.sections.order")}
        </h2>
        <div className="field-grid field-grid-3">
          {field({
            id: "order-type",
            field: "orderType",
            label: t("orders.form.type"),
            children: (a) => (
              <select {...a} autoFocus value={values.orderType} onChange={(e) => set("orderType", e.target.value as OrderType)}>
                {ORDER_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {t(`orders.types.${type}`)}
                  </option>
                ))}
              </select>
            ),
          })}
          {field({
            id: "order-date",
            field: "createdAt",
            label: t("orders.form.date"),
            children: (a) => <input {...a} type="date" required value={values.date} onChange={(e) => set("date", e.target.value)} />,
          })}
          {field({
            id: "order-status",
            field: "status",
            label: t("orders.form.status"),
            children: (a) => (
              <select {...a} value={values.status} onChange={(e) => set("status", e.target.value)}>
                {ORDER_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {statusLabel(t, s)}
                  </option>
                ))}
              </select>
            ),
          })}
          {field({
            id: "order-payment",
            field: "paymentMethod",
            label: t("orders.form.paymentMethod"),
            children: (a) => (
              <select {...a} value={values.paymentMethod} onChange={(e) => set("paymentMethod", e.target.value as PaymentMethod | "")}>
                <option value="">{t("form.notSpecified")}</option>
                {PAYMENT_METHODS.map((m) => (
                  <option key={m} value={m}>
                    {t(`orders.payment.${m}`)}
                  </option>
                ))}
              </select>
            ),
          })}
          {accounts.data &&
            accounts.data.length > 0 &&
            field({
              id: "order-account",
              field: "sellerAccountId",
              label: t("orders.form.account"),
              children: (a) => (
                <select {...a} value={values.sellerAccountId} onChange={(e) => set("sellerAccountId", e.target.value)}>
                  <option value="">{t("orders.form.noAccount")}</option>
                  {accounts.data.map((acc) => (
                    <option key={acc.id} value={acc.id}>
                      {acc.name}
                    </option>
                  ))}
                </select>
              ),
            })}
          {field({
            id: "order-title",
            field: "title",
            label: t("orders.form.orderTitle"),
            hint: t("orders.form.orderTitleHint"),
            children: (a) => text("title", a),
          })}
        </div>
      </section>

      <section className="card form-section" aria-labelledby="order-section-party">
        <h2 id="order-section-party" className="section-title">
          {isSale ? t("orders.form.sections.buyer") : t("orders.form.sections.supplier")}
        </h2>
        <div className="field-grid">
          {field({
            id: "order-buyer",
            field: partyField,
            label: isSale ? t("orders.form.buyerName") : t("orders.form.supplierName"),
            children: (a) => text("partyName", a),
          })}
          {field({
            id: "order-buyer-username",
            field: partyUsernameField,
            label: t("orders.form.username"),
            children: (a) => text("partyUsername", a),
          })}
        </div>
      </section>

      <section className="card form-section" aria-labelledby="order-section-items">
        <h2 id="order-section-items" className="section-title">
          {t("orders.form.sections.items")}
        </h2>
        <div className={itemsError ? "field has-error" : "field"}>
          <label htmlFor="order-item-search">{t("orders.form.addItem")}</label>
          <ItemPicker
            forSale={isSale}
            describedBy={itemsError ? "order-items-error" : "order-items-hint"}
            invalid={itemsError !== undefined}
            onPick={(item) => setValues((v) => ({ ...v, lines: addItemLine(v.lines, item) }))}
            onNewItem={isSale ? undefined : (title) => setValues((v) => ({ ...v, lines: addNewItemLine(v.lines, title) }))}
          />
          <p id="order-items-hint" className="hint">
            {isSale ? t("orders.form.itemsHintSale") : t("orders.form.itemsHintPurchase")}
          </p>
          {itemsError && (
            <p id="order-items-error" className="field-error" data-testid="error-items">
              {itemsError}
            </p>
          )}
        </div>
        {values.lines.length > 0 && (
          <table className="order-lines" data-testid="order-lines">
            <caption className="sr-only">{t("orders.form.linesCaption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("orders.lines.item")}</th>
                <th scope="col" className="col-quantity">
                  {t("orders.lines.quantity")}
                </th>
                <th scope="col" className="col-line-price">
                  {t("orders.lines.price")}
                </th>
                <th scope="col">
                  <span className="sr-only">{t("orders.form.lineActions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {values.lines.map((line, n) => (
                <LineRow
                  key={line.key}
                  line={line}
                  n={n}
                  isSale={isSale}
                  errorText={errorText}
                  onChange={(patch) => setLine(line.key, patch)}
                  onRemove={() => removeLine(line.key)}
                />
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card form-section" aria-labelledby="order-section-money">
        <h2 id="order-section-money" className="section-title">
          {t("orders.form.sections.money")}
        </h2>
        <div className="field-grid field-grid-3">
          {field({
            id: "order-price",
            field: "priceCents",
            label: isSale ? t("orders.form.priceSale") : t("orders.form.pricePurchase"),
            hint: isSale ? t("orders.form.priceSaleHint") : t("orders.form.pricePurchaseHint"),
            children: (a) => text("price", a, { money: true }),
          })}
          {field({
            id: "order-shipping-fee",
            field: "shippingFeeCents",
            label: t("orders.form.shippingFee"),
            hint: t("orders.form.shippingFeeHint"),
            children: (a) => text("shippingFee", a, { money: true }),
          })}
          {field({
            id: "order-service-fee",
            field: "serviceFeeCents",
            label: t("orders.form.serviceFee"),
            hint: t("orders.form.serviceFeeHint"),
            children: (a) => text("serviceFee", a, { money: true }),
          })}
          {field({
            id: "order-fees-total",
            field: "feesTotalCents",
            label: t("orders.form.feesTotal"),
            hint: partsTotal !== null ? t("orders.form.feesTotalComputed", { total: formatCents(partsTotal, lang) }) : t("orders.form.feesTotalHint"),
            children: (a) => text("feesTotal", a, { money: true }),
          })}
          {field({
            id: "order-listed-price",
            field: "itemPriceCents",
            label: t("orders.form.itemPrice"),
            hint: t("orders.form.itemPriceHint"),
            children: (a) => text("itemPrice", a, { money: true }),
          })}
        </div>
      </section>

      <section className="card form-section" aria-labelledby="order-section-shipping">
        <h2 id="order-section-shipping" className="section-title">
          {t("orders.form.sections.shipping")}
        </h2>
        <div className="field-grid">
          {field({ id: "order-street", field: "shippingStreet", label: t("orders.form.street"), className: "field-span-2", children: (a) => text("shippingStreet", a) })}
          {field({ id: "order-postal-code", field: "shippingPostalCode", label: t("orders.form.postalCode"), children: (a) => text("shippingPostalCode", a) })}
          {field({ id: "order-city", field: "shippingCity", label: t("orders.form.city"), children: (a) => text("shippingCity", a) })}
          {field({ id: "order-country", field: "shippingCountry", label: t("orders.form.country"), children: (a) => text("shippingCountry", a) })}
        </div>
        <h3 className="subsection-title">{t("orders.tracking.title")}</h3>
        <div className="field-grid field-grid-3">
          {field({ id: "order-tracking-number", field: "trackingNumber", label: t("orders.tracking.number"), children: (a) => text("trackingNumber", a) })}
          {field({ id: "order-tracking-carrier", field: "trackingCarrier", label: t("orders.tracking.carrier"), children: (a) => text("trackingCarrier", a) })}
          {field({
            id: "order-tracking-url",
            field: "trackingUrl",
            label: t("orders.tracking.url"),
            children: (a) => text("trackingUrl", a, { placeholder: "https://" }),
          })}
        </div>
        <label className="checkbox-inline">
          <input
            type="checkbox"
            id="order-processed"
            data-testid="order-processed"
            checked={values.processed}
            onChange={(e) => set("processed", e.target.checked)}
          />
          {t("orders.form.processed")}
        </label>
      </section>

      <footer className="form-actions">
        <div className="form-actions-end">
          <button type="button" className="btn" data-testid="cancel-order-form" disabled={saving} onClick={cancel} aria-keyshortcuts="Escape">
            {t("form.cancel")}
          </button>
          <button type="submit" className="btn btn-primary" data-testid="save-order" disabled={saving}>
            {saving ? t("form.saving") : t("orders.form.save")}
          </button>
        </div>
      </footer>

      <ConfirmDialog
        open={confirmDiscard}
        title={t("discard.title")}
        text={t("discard.text")}
        confirmLabel={t("discard.confirm")}
        cancelLabel={t("discard.cancel")}
        testId="confirm-discard"
        danger
        onConfirm={() => {
          setConfirmDiscard(false);
          onClose();
        }}
        onCancel={() => setConfirmDiscard(false)}
      />
    </form>
  );
}

function LineRow(props: {
  line: OrderLineValues;
  n: number;
  isSale: boolean;
  errorText: (field: string) => string | undefined;
  onChange: (patch: Partial<OrderLineValues>) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const { line, n } = props;
  const titleError = props.errorText(`items.${n}.title`);
  const quantityError = props.errorText(`items.${n}.quantity`);
  const priceError = props.errorText(`items.${n}.priceCents`);
  const id = (name: string) => `order-line-${n}-${name}`;
  const describe = (name: string, error: string | undefined) => (error ? `${id(name)}-error` : undefined);
  const label = line.sku === null ? line.title || t("orders.lines.newItem") : line.title;
  return (
    <tr data-testid="order-line" data-sku={line.sku ?? ""}>
      <td>
        {line.sku === null ? (
          <>
            <label htmlFor={id("title")} className="sr-only">
              {t("orders.lines.newItemTitle")}
            </label>
            <input
              id={id("title")}
              data-testid="order-item-title"
              type="text"
              autoComplete="off"
              placeholder={t("orders.lines.newItemTitle")}
              aria-invalid={titleError ? true : undefined}
              aria-describedby={describe("title", titleError)}
              value={line.title}
              onChange={(e) => props.onChange({ title: e.target.value })}
            />
            <span className="hint">{props.isSale ? t("orders.lines.notInInventory") : t("orders.lines.newItemHint")}</span>
          </>
        ) : (
          <>
            <span className="order-line-title">{line.title}</span> <code className="order-line-sku">{line.sku}</code>
            {line.available !== null && <span className="hint"> · {t("orders.lines.available", { count: line.available })}</span>}
          </>
        )}
        {titleError && (
          <p id={`${id("title")}-error`} className="field-error" data-testid={`error-items.${n}.title`}>
            {titleError}
          </p>
        )}
      </td>
      <td className="col-quantity">
        <label htmlFor={id("quantity")} className="sr-only">
          {t("orders.lines.quantityOf", { title: label })}
        </label>
        <input
          id={id("quantity")}
          data-testid="order-item-quantity"
          type="text"
          inputMode="numeric"
          autoComplete="off"
          aria-invalid={quantityError ? true : undefined}
          aria-describedby={describe("quantity", quantityError)}
          value={line.quantity}
          onChange={(e) => props.onChange({ quantity: e.target.value })}
        />
        {quantityError && (
          <p id={`${id("quantity")}-error`} className="field-error" data-testid={`error-items.${n}.quantity`}>
            {quantityError}
          </p>
        )}
      </td>
      <td className="col-line-price">
        <label htmlFor={id("price")} className="sr-only">
          {t("orders.lines.priceOf", { title: label })}
        </label>
        <input
          id={id("price")}
          data-testid="order-item-price"
          type="text"
          inputMode="decimal"
          autoComplete="off"
          placeholder={t("orders.lines.pricePlaceholder")}
          aria-invalid={priceError ? true : undefined}
          aria-describedby={describe("price", priceError)}
          value={line.price}
          onChange={(e) => props.onChange({ price: e.target.value })}
        />
        {priceError && (
          <p id={`${id("price")}-error`} className="field-error" data-testid={`error-items.${n}.priceCents`}>
            {priceError}
          </p>
        )}
      </td>
      <td className="col-actions">
        <button
          type="button"
          className="icon-btn icon-btn-danger"
          data-testid="order-item-remove"
          aria-label={t("orders.lines.remove", { title: label })}
          title={t("orders.lines.remove", { title: label })}
          onClick={props.onRemove}
        >
          ×
        </button>
      </td>
    </tr>
  );
}
