import type { AppError, FieldError, FieldErrorCode, OrderDraft, OrderItemDraft, OrderType, PaymentMethod } from "../bindings";
import { parseEuro } from "./money";
import { parseLocalDate, toUtc } from "./period";
import { charCount, parseQuantity } from "./productForm";

export const ORDER_TYPES: readonly OrderType[] = ["sale", "purchase"];
export const PAYMENT_METHODS: readonly PaymentMethod[] = ["vinted_wallet", "card", "paypal", "cash", "transfer", "other"];
/** Statuses offered for a manual order; a synced order may carry others (shown as they are). */
export const ORDER_STATUSES = ["pending", "paid", "shipped", "delivered", "completed"] as const;
export type KnownOrderStatus = (typeof ORDER_STATUSES)[number] | "canceled";
export const CANCELED_STATUS = "canceled";
export const DEFAULT_ORDER_STATUS = "completed";

export const ORDER_TITLE_MAX_LENGTH = 200;

export function isKnownStatus(status: string): status is KnownOrderStatus {
  return status === CANCELED_STATUS || (ORDER_STATUSES as readonly string[]).includes(status);
}

/** One line as typed: an inventory item picked by search, or (purchase) a new item by title. */
export type OrderLineValues = {
  /** Stable React key. */
  key: string;
  /** The inventory item's SKU; null for a new item (purchase only). */
  sku: string | null;
  title: string;
  /** Units in stock when the item was picked, for a hint and a first check of a sale. */
  available: number | null;
  quantity: string;
  /** The line's share of the price (optional: on every line or on none). */
  price: string;
};

/** Everything the order form edits, as typed; amounts stay strings until submit. */
export type OrderFormValues = {
  orderType: OrderType;
  /** `YYYY-MM-DD`, local. */
  date: string;
  title: string;
  status: string;
  paymentMethod: PaymentMethod | "";
  sellerAccountId: string;
  /** The buyer of a sale or the supplier of a purchase. */
  partyName: string;
  partyUsername: string;
  price: string;
  itemPrice: string;
  shippingFee: string;
  serviceFee: string;
  feesTotal: string;
  shippingStreet: string;
  shippingPostalCode: string;
  shippingCity: string;
  shippingCountry: string;
  trackingNumber: string;
  trackingCarrier: string;
  trackingUrl: string;
  processed: boolean;
  lines: OrderLineValues[];
};

/**
 * Why a field is wrong: the store's codes, plus what the form can say more precisely
 * (`mismatch`: a total that is not the sum of its parts; `noStock`: a sale line above the stock;
 * `unknownItem`: a SKU the shop no longer has).
 */
export type OrderFieldCode = FieldErrorCode | "mismatch" | "noStock" | "unknownItem";
export type OrderFieldError = { code: OrderFieldCode; available?: number };
/** Keyed by the draft's field names, lines as `items.2.quantity` (as the store names them). */
export type OrderFormErrors = Record<string, OrderFieldError>;

export type BuildOrderResult = { ok: true; draft: OrderDraft } | { ok: false; errors: OrderFormErrors };

let lineCounter = 0;
export function newLineKey(): string {
  lineCounter += 1;
  return `line-${lineCounter}`;
}

export function emptyOrderValues(today: string): OrderFormValues {
  return {
    orderType: "sale",
    date: today,
    title: "",
    status: DEFAULT_ORDER_STATUS,
    paymentMethod: "",
    sellerAccountId: "",
    partyName: "",
    partyUsername: "",
    price: "",
    itemPrice: "",
    shippingFee: "",
    serviceFee: "",
    feesTotal: "",
    shippingStreet: "",
    shippingPostalCode: "",
    shippingCity: "",
    shippingCountry: "",
    trackingNumber: "",
    trackingCarrier: "",
    trackingUrl: "",
    processed: false,
    lines: [],
  };
}

export function sameOrderValues(a: OrderFormValues, b: OrderFormValues): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Adds an inventory item; picking one already in the order adds a unit to its line instead. */
export function addItemLine(
  lines: readonly OrderLineValues[],
  item: { sku: string; title: string; quantity: number },
): OrderLineValues[] {
  const at = lines.findIndex((l) => l.sku === item.sku);
  if (at !== -1) {
    const q = parseQuantity(lines[at].quantity);
    const next = q.ok ? String(q.value + 1) : lines[at].quantity;
    return lines.map((l, i) => (i === at ? { ...l, quantity: next, available: item.quantity } : l));
  }
  return [...lines, { key: newLineKey(), sku: item.sku, title: item.title, available: item.quantity, quantity: "1", price: "" }];
}

/** Adds a line for an item the shop does not have yet (purchases only). */
export function addNewItemLine(lines: readonly OrderLineValues[], title: string): OrderLineValues[] {
  return [...lines, { key: newLineKey(), sku: null, title: title.trim(), available: null, quantity: "1", price: "" }];
}

function optionalText(value: string): string | null {
  const v = value.trim();
  return v === "" ? null : v;
}

function optionalMoney(errors: OrderFormErrors, field: string, input: string): number | null {
  if (input.trim() === "") return null;
  const r = parseEuro(input);
  if (r.ok) return r.cents;
  errors[field] = { code: r.error };
  return null;
}

/**
 * When the order happened: `null` (now) for today, else noon of that day in local time, so the
 * day stays the same in any time zone the books are later read in.
 */
export function createdAtFor(date: string, today: string): string | null | undefined {
  const day = parseLocalDate(date);
  if (!day) return undefined;
  if (date.trim() === today) return null;
  day.setHours(12);
  return toUtc(day);
}

/** Client-side checks and conversion into the IPC draft; `today` is the local `YYYY-MM-DD`. */
export function buildOrderDraft(values: OrderFormValues, today: string): BuildOrderResult {
  const errors: OrderFormErrors = {};
  const isSale = values.orderType === "sale";

  const createdAt = createdAtFor(values.date, today);
  if (createdAt === undefined) errors.createdAt = { code: values.date.trim() === "" ? "required" : "invalid" };

  const title = optionalText(values.title);
  if (title && charCount(title) > ORDER_TITLE_MAX_LENGTH) errors.title = { code: "tooLong" };

  const status = values.status.trim();
  if (status === "") errors.status = { code: "required" };

  let priceCents = 0;
  const price = parseEuro(values.price);
  if (price.ok) priceCents = price.cents;
  else errors.priceCents = { code: price.error };

  const itemPriceCents = optionalMoney(errors, "itemPriceCents", values.itemPrice);
  const shippingFeeCents = optionalMoney(errors, "shippingFeeCents", values.shippingFee);
  const serviceFeeCents = optionalMoney(errors, "serviceFeeCents", values.serviceFee);
  let feesTotalCents = optionalMoney(errors, "feesTotalCents", values.feesTotal);
  if (shippingFeeCents !== null || serviceFeeCents !== null) {
    const parts = (shippingFeeCents ?? 0) + (serviceFeeCents ?? 0);
    if (feesTotalCents !== null && feesTotalCents !== parts && !errors.feesTotalCents) {
      errors.feesTotalCents = { code: "mismatch" };
    }
    feesTotalCents = parts;
  }

  const trackingUrl = optionalText(values.trackingUrl);
  if (trackingUrl && !/^https?:\/\//i.test(trackingUrl)) errors.trackingUrl = { code: "invalid" };

  const items: OrderItemDraft[] = [];
  if (values.lines.length === 0) errors.items = { code: "required" };
  const pricedLines = values.lines.filter((l) => l.price.trim() !== "").length;
  let linesSum = 0;
  values.lines.forEach((line, n) => {
    const field = (name: string) => `items.${n}.${name}`;
    const lineTitle = optionalText(line.title);
    if (line.sku === null && !lineTitle) errors[field("title")] = { code: "required" };
    else if (line.sku === null && lineTitle && charCount(lineTitle) > ORDER_TITLE_MAX_LENGTH) errors[field("title")] = { code: "tooLong" };
    let quantity = 0;
    const q = parseQuantity(line.quantity);
    if (!q.ok) errors[field("quantity")] = { code: q.error };
    else if (q.value === 0) errors[field("quantity")] = { code: "required" };
    else if (isSale && line.sku !== null && line.available !== null && q.value > line.available) {
      errors[field("quantity")] = { code: "noStock", available: line.available };
    } else quantity = q.value;
    let linePrice: number | null = null;
    if (line.price.trim() !== "") {
      linePrice = optionalMoney(errors, field("priceCents"), line.price);
      if (linePrice !== null) linesSum += linePrice;
    } else if (pricedLines > 0) {
      errors[field("priceCents")] = { code: "required" };
    }
    items.push({
      sku: line.sku,
      // A linked item keeps its own title; a new item is named by the line.
      title: line.sku === null ? lineTitle : null,
      quantity,
      priceCents: linePrice,
      unitCostCents: null,
    });
  });
  if (pricedLines > 0 && pricedLines === values.lines.length && price.ok && linesSum !== priceCents && !errors.items) {
    errors.items = { code: "mismatch" };
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const party = optionalText(values.partyName);
  const partyUsername = optionalText(values.partyUsername);
  return {
    ok: true,
    draft: {
      orderType: values.orderType,
      source: "manual",
      sellerAccountId: optionalText(values.sellerAccountId),
      orderId: null,
      title,
      status,
      createdAt: createdAt ?? null,
      paymentMethod: values.paymentMethod === "" ? null : values.paymentMethod,
      buyerName: isSale ? party : null,
      buyerUsername: isSale ? partyUsername : null,
      sellerName: isSale ? null : party,
      sellerUsername: isSale ? null : partyUsername,
      shippingStreet: optionalText(values.shippingStreet),
      shippingCity: optionalText(values.shippingCity),
      shippingPostalCode: optionalText(values.shippingPostalCode),
      shippingCountry: optionalText(values.shippingCountry),
      tracking: {
        number: optionalText(values.trackingNumber),
        carrier: optionalText(values.trackingCarrier),
        url: trackingUrl,
      },
      processed: values.processed,
      priceCents,
      itemPriceCents,
      shippingFeeCents,
      serviceFeeCents,
      feesTotalCents,
      items,
    },
  };
}

/** The draft fields the form shows, besides its lines (`items.N.*`). */
const FORM_FIELDS = new Set([
  "createdAt",
  "title",
  "status",
  "paymentMethod",
  "sellerAccountId",
  "buyerName",
  "buyerUsername",
  "sellerName",
  "sellerUsername",
  "priceCents",
  "itemPriceCents",
  "shippingFeeCents",
  "serviceFeeCents",
  "feesTotalCents",
  "shippingStreet",
  "shippingPostalCode",
  "shippingCity",
  "shippingCountry",
  "trackingNumber",
  "trackingCarrier",
  "trackingUrl",
  "items",
]);
const LINE_FIELD = /^items\.(\d+)\.(sku|title|quantity|priceCents)$/;

/**
 * Maps a server AppError onto the form's fields. Field errors the form has no place for come back
 * in `unmapped`, for the general banner.
 */
export function mapOrderServerErrors(error: AppError, lineCount: number): { fields: OrderFormErrors; unmapped: FieldError[] } {
  const fields: OrderFormErrors = {};
  const unmapped: FieldError[] = [];
  for (const fe of error.fields ?? []) {
    const line = LINE_FIELD.exec(fe.field);
    const known = FORM_FIELDS.has(fe.field) || (line !== null && Number(line[1]) < lineCount);
    if (!known) {
      unmapped.push(fe);
      continue;
    }
    if (fields[fe.field]) continue;
    let code: OrderFieldCode = fe.code;
    if (error.code === "insufficientStock" && line?.[2] === "quantity") code = "noStock";
    else if (error.code === "unknownSku" && line?.[2] === "sku") code = "unknownItem";
    // Amounts reach the store as integers: its "invalid" on a total means the parts disagree.
    else if (fe.code === "invalid" && (fe.field === "feesTotalCents" || fe.field === "items")) code = "mismatch";
    // A line's SKU has no input of its own: show its error on the line's title.
    const at = line?.[2] === "sku" ? `items.${line[1]}.title` : fe.field;
    fields[at] = { code };
  }
  return { fields, unmapped };
}

export type OrderErrorKey =
  | `fieldErrors.${FieldErrorCode}`
  | "fieldErrors.invalidAmount"
  | "fieldErrors.invalidQuantity"
  | "orders.fieldErrors.linesMismatch"
  | "orders.fieldErrors.feesMismatch"
  | "orders.fieldErrors.noStock"
  | "orders.fieldErrors.noStockAvailable"
  | "orders.fieldErrors.unknownItem"
  | "orders.fieldErrors.invalidDate"
  | "orders.fieldErrors.invalidUrl"
  | "orders.fieldErrors.noItems";

/** The translation key (under `orders.fieldErrors` or the shared `fieldErrors`) for an error. */
export function orderErrorKey(field: string, err: OrderFieldError): OrderErrorKey {
  switch (err.code) {
    case "mismatch":
      return field === "items" ? "orders.fieldErrors.linesMismatch" : "orders.fieldErrors.feesMismatch";
    case "noStock":
      return err.available !== undefined ? "orders.fieldErrors.noStockAvailable" : "orders.fieldErrors.noStock";
    case "unknownItem":
      return "orders.fieldErrors.unknownItem";
    case "invalid":
      if (field.endsWith("Cents")) return "fieldErrors.invalidAmount";
      if (field.endsWith("quantity")) return "fieldErrors.invalidQuantity";
      if (field === "createdAt") return "orders.fieldErrors.invalidDate";
      if (field === "trackingUrl") return "orders.fieldErrors.invalidUrl";
      return "fieldErrors.invalid";
    case "required":
      if (field === "items") return "orders.fieldErrors.noItems";
      return "fieldErrors.required";
    default:
      return `fieldErrors.${err.code}`;
  }
}
