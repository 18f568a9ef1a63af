import { useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { FormErrorBanner } from "../../components/FormErrorBanner";
import { commands, type Order, type OrderDraft } from "../../bindings";
import {
  DiscardDialog,
  EnumSelect,
  Field,
  FieldError,
  reportSaveError,
  useDirtyGuard,
  useFocusFirstInvalid,
  useFormBanner,
  useSaveMutation,
  type FieldControlProps,
} from "../../components/form";
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


export function OrderForm({ onClose, onSaved, onDirtyChange }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const queryClient = useQueryClient();
  const accounts = useSellerAccounts();
  const [today] = useState(() => toLocalDateInput(new Date()));
  const [initialValues] = useState<OrderFormValues>(() => emptyOrderValues(today));
  const [values, setValues] = useState<OrderFormValues>(initialValues);
  const [errors, setErrors] = useState<OrderFormErrors>({});
  const { banner, ref: bannerRef, show: showBanner, clear: clearBanner } = useFormBanner();
  const { ref: formRef, focusFirstInvalid } = useFocusFirstInvalid();

  const dirty = !sameOrderValues(values, initialValues);
  const isSale = values.orderType === "sale";
  const guard = useDirtyGuard({ dirty, onLeave: onClose, onDirtyChange });
  const save = useSaveMutation({
    save: (draft: OrderDraft) => commands.createOrder(draft),
    onSaved: (order: Order) => afterOrderWrite(queryClient, order),
  });
  const saving = save.pending;

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
      clearBanner();
      focusFirstInvalid();
      return;
    }
    setErrors({});
    clearBanner();
    const outcome = await save.run(built.draft);
    if (!outcome) return;
    if (outcome.ok) {
      onSaved(outcome.data);
      return;
    }
    // Keep everything that was typed; say what is wrong where it is.
    const { fields, unmapped } = mapOrderServerErrors(outcome.error, values.lines.length);
    setErrors(fields);
    if (reportSaveError(outcome.error, { fieldCount: Object.keys(fields).length, unmapped }, showBanner)) focusFirstInvalid();
  }

  const errorText = (field: string) => {
    const err = errors[field];
    return err ? t(orderErrorKey(field, err), { available: err.available ?? 0 }) : undefined;
  };

  /** A field of the form, its control wired to its label, hint and error. */
  function field(props: { id: string; field: string; label: string; hint?: string; className?: string; children: (a: FieldControlProps) => ReactNode }) {
    return (
      <Field id={props.id} name={props.field} label={props.label} hint={props.hint} error={errorText(props.field)} className={props.className}>
        {props.children}
      </Field>
    );
  }

  function text(key: keyof OrderFormValues, a: FieldControlProps, extra?: { placeholder?: string; money?: boolean }) {
    return (
      <input
        {...a}
        type="text"
        autoComplete="off"
        inputMode={extra?.money ? "decimal" : undefined}
        placeholder={extra?.placeholder ?? (extra?.money ? t("form.amountPlaceholder") : undefined)}
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

  return (
    // Keys from the form's controls bubble to it: Escape leaves the form (asking first if it changed).
    // eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions -- a container of controls, not a control
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
      onKeyDown={(e) => guard.onEscape(e)}
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
              <EnumSelect
                {...a}
                // eslint-disable-next-line jsx-a11y/no-autofocus -- the user opened the form to type an order: it starts at its first field
                autoFocus
                values={ORDER_TYPES}
                value={values.orderType}
                label={(type) => t(`orders.types.${type}`)}
                onChange={(type) => set("orderType", type as OrderFormValues["orderType"])}
              />
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
              <EnumSelect<string> {...a} values={ORDER_STATUSES} value={values.status} label={(s) => statusLabel(t, s)} onChange={(s) => set("status", s)} />
            ),
          })}
          {field({
            id: "order-payment",
            field: "paymentMethod",
            label: t("orders.form.paymentMethod"),
            children: (a) => (
              <EnumSelect
                {...a}
                values={PAYMENT_METHODS}
                value={values.paymentMethod}
                label={(m) => t(`orders.payment.${m}`)}
                emptyLabel={t("form.notSpecified")}
                onChange={(m) => set("paymentMethod", m)}
              />
            ),
          })}
          {accounts.data &&
            accounts.data.length > 0 &&
            field({
              id: "order-account",
              field: "sellerAccountId",
              label: t("orders.form.account"),
              children: (a) => (
                <EnumSelect
                  {...a}
                  values={accounts.data.map((acc) => acc.id)}
                  value={values.sellerAccountId}
                  label={(id) => accounts.data.find((acc) => acc.id === id)?.name ?? id}
                  emptyLabel={t("orders.form.noAccount")}
                  onChange={(id) => set("sellerAccountId", id)}
                />
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
        {field({
          id: "order-item-search",
          field: "items",
          label: t("orders.form.addItem"),
          hint: isSale ? t("orders.form.itemsHintSale") : t("orders.form.itemsHintPurchase"),
          children: (a) => (
            <ItemPicker
              forSale={isSale}
              describedBy={a["aria-describedby"]}
              invalid={a["aria-invalid"] === true}
              onPick={(item) => setValues((v) => ({ ...v, lines: addItemLine(v.lines, item) }))}
              onNewItem={isSale ? undefined : (title) => setValues((v) => ({ ...v, lines: addNewItemLine(v.lines, title) }))}
            />
          ),
        })}
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
          <button type="button" className="btn" data-testid="cancel-order-form" disabled={saving} onClick={guard.requestLeave} aria-keyshortcuts="Escape">
            {t("form.cancel")}
          </button>
          <button type="submit" className="btn btn-primary" data-testid="save-order" disabled={saving}>
            {saving ? t("form.saving") : t("orders.form.save")}
          </button>
        </div>
      </footer>

      <DiscardDialog guard={guard} />
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
        {titleError && <FieldError id={`${id("title")}-error`} name={`items.${n}.title`} message={titleError} />}
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
        {quantityError && <FieldError id={`${id("quantity")}-error`} name={`items.${n}.quantity`} message={quantityError} />}
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
        {priceError && <FieldError id={`${id("price")}-error`} name={`items.${n}.priceCents`} message={priceError} />}
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
