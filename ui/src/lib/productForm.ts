import { type Photo, toPhoto } from "./photos";
import type {
  AppError,
  Condition,
  FieldError,
  FieldErrorCode,
  PackageSize,
  Product,
  ProductDraft,
  ProductStatus,
} from "../bindings";
import { centsToInput, parseEuro } from "./money";

export const PRODUCT_STATUSES: readonly ProductStatus[] = ["draft", "ready", "listed", "reserved", "sold", "archived"];
export const CONDITIONS: readonly Condition[] = ["new_with_tags", "new_without_tags", "very_good", "good", "satisfactory"];
export const PACKAGE_SIZES: readonly PackageSize[] = ["small", "medium", "large"];

export const TITLE_MAX_LENGTH = 200;
const QUANTITY_MAX = 2_147_483_647;

/**
 * Everything the form edits, as typed. Numbers stay strings until submit so that
 * nothing the user typed is lost; tag inputs keep their not-yet-committed text.
 */
export type ProductFormValues = {
  sku: string;
  title: string;
  description: string;
  category: string;
  brand: string;
  condition: Condition | "";
  size: string;
  price: string;
  purchaseCost: string;
  quantity: string;
  packageSize: PackageSize | "";
  status: ProductStatus;
  internalNotes: string;
  materials: string[];
  materialsPending: string;
  colors: string[];
  colorsPending: string;
  photos: Photo[];
};

export type DraftField = keyof ProductDraft;

/** Draft fields in the order they appear in the form (used to focus the first invalid one). */
export const FIELD_ORDER: readonly DraftField[] = [
  "title",
  "description",
  "category",
  "brand",
  "condition",
  "size",
  "materials",
  "colors",
  "priceCents",
  "purchaseCostCents",
  "quantity",
  "status",
  "packageSize",
  "photos",
  "sku",
  "internalNotes",
];

/** DOM id (also the data-testid) of the control that edits each draft field. */
export const FIELD_CONTROL_ID: Record<DraftField, string> = {
  title: "field-title",
  description: "field-description",
  category: "field-category",
  brand: "field-brand",
  condition: "field-condition",
  size: "field-size",
  materials: "field-materials",
  colors: "field-colors",
  priceCents: "field-price",
  purchaseCostCents: "field-purchase-cost",
  quantity: "field-quantity",
  status: "field-status",
  packageSize: "field-package-size",
  photos: "photo-input",
  sku: "field-sku",
  internalNotes: "field-notes",
};

export type FormFieldError = { code: FieldErrorCode; sku?: string };
export type FormErrors = Partial<Record<DraftField, FormFieldError>>;

export type BuildDraftResult = { ok: true; draft: ProductDraft } | { ok: false; errors: FormErrors };

export function emptyFormValues(): ProductFormValues {
  return {
    sku: "",
    title: "",
    description: "",
    category: "",
    brand: "",
    condition: "",
    size: "",
    price: "",
    purchaseCost: "",
    quantity: "1",
    packageSize: "",
    status: "draft",
    internalNotes: "",
    materials: [],
    materialsPending: "",
    colors: [],
    colorsPending: "",
    photos: [],
  };
}

export function productToFormValues(product: Product, language: string): ProductFormValues {
  return {
    sku: product.sku,
    title: product.title,
    description: product.description,
    category: product.category ?? "",
    brand: product.brand ?? "",
    condition: product.condition ?? "",
    size: product.size ?? "",
    price: centsToInput(product.priceCents, language),
    purchaseCost: product.purchaseCostCents === 0 ? "" : centsToInput(product.purchaseCostCents, language),
    quantity: String(product.quantity),
    packageSize: product.packageSize ?? "",
    status: product.status,
    internalNotes: product.internalNotes ?? "",
    materials: [...product.materials],
    materialsPending: "",
    colors: [...product.colors],
    colorsPending: "",
    photos: product.photos.map(toPhoto),
  };
}

export function sameFormValues(a: ProductFormValues, b: ProductFormValues): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Adds the comma-separated tags of `raw` to `tags` (trimmed, no empties, no case-insensitive duplicates). */
export function addTags(tags: readonly string[], raw: string): string[] {
  const result = [...tags];
  const seen = new Set(result.map((t) => t.toLocaleLowerCase()));
  for (const part of raw.split(",")) {
    const tag = part.trim().replace(/\s+/g, " ");
    if (!tag) continue;
    const key = tag.toLocaleLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(tag);
  }
  return result;
}

function optionalText(value: string): string | null {
  const v = value.trim();
  return v === "" ? null : v;
}

/** Number of characters as Rust counts them (Unicode scalar values). */
export function charCount(value: string): number {
  return Array.from(value).length;
}

export function parseQuantity(input: string): { ok: true; value: number } | { ok: false; error: FieldErrorCode } {
  const s = input.trim();
  if (s === "") return { ok: false, error: "required" };
  if (/^[-\u2212]\s*\d+$/.test(s)) return /^[-\u2212]\s*0+$/.test(s) ? { ok: true, value: 0 } : { ok: false, error: "negative" };
  if (!/^\+?\d+$/.test(s)) return { ok: false, error: "invalid" };
  const digits = s.replace(/^\+/, "").replace(/^0+(?=\d)/, "");
  if (digits.length > 10 || Number(digits) > QUANTITY_MAX) return { ok: false, error: "tooLarge" };
  return { ok: true, value: Number(digits) };
}

/** Client-side validation + conversion of the form values into the IPC draft. */
export function buildDraft(values: ProductFormValues): BuildDraftResult {
  const errors: FormErrors = {};

  const title = values.title.trim();
  if (title === "") errors.title = { code: "required" };
  else if (charCount(title) > TITLE_MAX_LENGTH) errors.title = { code: "tooLong" };

  let priceCents = 0;
  const price = parseEuro(values.price);
  if (price.ok) priceCents = price.cents;
  else errors.priceCents = { code: price.error };

  let purchaseCostCents = 0;
  if (values.purchaseCost.trim() !== "") {
    const cost = parseEuro(values.purchaseCost);
    if (cost.ok) purchaseCostCents = cost.cents;
    else errors.purchaseCostCents = { code: cost.error };
  }

  let quantity = 0;
  const q = parseQuantity(values.quantity);
  if (q.ok) quantity = q.value;
  else errors.quantity = { code: q.error };

  if (Object.keys(errors).length > 0) return { ok: false, errors };

  return {
    ok: true,
    draft: {
      sku: optionalText(values.sku),
      title,
      description: values.description.trim(),
      category: optionalText(values.category),
      brand: optionalText(values.brand),
      condition: values.condition === "" ? null : values.condition,
      size: optionalText(values.size),
      priceCents,
      purchaseCostCents,
      quantity,
      packageSize: values.packageSize === "" ? null : values.packageSize,
      status: values.status,
      internalNotes: optionalText(values.internalNotes),
      materials: addTags(values.materials, values.materialsPending),
      colors: addTags(values.colors, values.colorsPending),
      photos: values.photos.map((p) => p.file),
    },
  };
}

const DRAFT_FIELDS = new Set<string>(FIELD_ORDER);

function toDraftField(field: string): DraftField | null {
  if (DRAFT_FIELDS.has(field)) return field as DraftField;
  // Tolerate snake_case ("price_cents") and indexed paths ("photos[2]", "materials.0").
  const base = field.split(/[.[]/)[0];
  const camel = base.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return DRAFT_FIELDS.has(camel) ? (camel as DraftField) : null;
}

/**
 * Maps a server AppError onto form fields. `typedSku` is the SKU that was submitted,
 * used to name it in the duplicate message. Field errors that match no form field are
 * returned in `unmapped` so the caller can show them in the general banner.
 */
export function mapServerErrors(error: AppError, typedSku: string | null): { fields: FormErrors; unmapped: FieldError[] } {
  const fields: FormErrors = {};
  const unmapped: FieldError[] = [];
  for (const fe of error.fields ?? []) {
    const key = toDraftField(fe.field);
    if (!key) {
      unmapped.push(fe);
      continue;
    }
    if (fields[key]) continue;
    fields[key] = key === "sku" && fe.code === "duplicate" && typedSku ? { code: "duplicate", sku: typedSku } : { code: fe.code };
  }
  if (error.code === "duplicateSku") {
    fields.sku = typedSku ? { code: "duplicate", sku: typedSku } : { code: "duplicate" };
  }
  return { fields, unmapped };
}

export function firstInvalidField(errors: FormErrors): DraftField | null {
  return FIELD_ORDER.find((f) => errors[f] !== undefined) ?? null;
}
