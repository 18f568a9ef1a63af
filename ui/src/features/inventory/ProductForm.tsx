import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { FormErrorBanner, type FormBanner } from "../../components/FormErrorBanner";
import type { TFunction } from "i18next";
import { commands, type AppError, type Product } from "../../bindings";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { PhotoManager } from "../../components/PhotoManager";
import { TagInput } from "../../components/TagInput";
import { currentLanguage } from "../../i18n";
import { normalizeAppError } from "../../lib/errors";
import { formatCents } from "../../lib/money";
import {
  CONDITIONS,
  FIELD_CONTROL_ID,
  PACKAGE_SIZES,
  PRODUCT_STATUSES,
  TITLE_MAX_LENGTH,
  buildDraft,
  charCount,
  emptyFormValues,
  firstInvalidField,
  mapServerErrors,
  productToFormValues,
  sameFormValues,
  type DraftField,
  type FormErrors,
  type FormFieldError,
  type ProductFormValues,
} from "../../lib/productForm";

type Props = {
  /** The product being edited, or null to create a new one. */
  product: Product | null;
  onClose: () => void;
  onSaved: (product: Product) => void;
  onDeleted: (product: Product) => void;
  /** A copy of the product was made (a new draft with its own SKU). */
  onDuplicated?: (copy: Product) => void;
  onDirtyChange?: (dirty: boolean) => void;
};

type Banner = FormBanner;

export function fieldErrorMessage(t: TFunction, field: DraftField, err: FormFieldError): string {
  if (err.code === "duplicate" && field === "sku" && err.sku) return t("fieldErrors.duplicateSku", { sku: err.sku });
  if (err.code === "invalid" && (field === "priceCents" || field === "purchaseCostCents")) return t("fieldErrors.invalidAmount");
  if (err.code === "invalid" && field === "quantity") return t("fieldErrors.invalidQuantity");
  return t(`fieldErrors.${err.code}`);
}

type A11yProps = { id: string; "aria-describedby"?: string; "aria-invalid"?: true };

function Field(props: {
  field: DraftField;
  label: string;
  hint?: string;
  error?: string;
  extra?: ReactNode;
  className?: string;
  children: (a11y: A11yProps) => ReactNode;
}) {
  const id = FIELD_CONTROL_ID[props.field];
  const hintId = props.hint ? `${id}-hint` : undefined;
  const errorId = props.error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={`field${props.className ? ` ${props.className}` : ""}${props.error ? " has-error" : ""}`}>
      <div className="field-label-row">
        <label htmlFor={id}>{props.label}</label>
        {props.extra}
      </div>
      {props.children({ id, "aria-describedby": describedBy, "aria-invalid": props.error ? true : undefined })}
      {props.hint && (
        <p id={hintId} className="hint">
          {props.hint}
        </p>
      )}
      {props.error && (
        <p id={errorId} className="field-error" data-testid={`error-${props.field}`}>
          {props.error}
        </p>
      )}
    </div>
  );
}

export function ProductForm({ product, onClose, onSaved, onDeleted, onDuplicated, onDirtyChange }: Props) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [initialValues] = useState<ProductFormValues>(() =>
    product ? productToFormValues(product, currentLanguage()) : emptyFormValues(),
  );
  const [values, setValues] = useState<ProductFormValues>(initialValues);
  const [errors, setErrors] = useState<FormErrors>({});
  const [banner, setBanner] = useState<Banner | null>(null);
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [uploading, setUploading] = useState(0);
  const [confirm, setConfirm] = useState<null | "discard" | "delete">(null);
  const [focusRequest, setFocusRequest] = useState<{ field: DraftField; n: number } | null>(null);
  const bannerRef = useRef<HTMLDivElement>(null);

  const dirty = !sameFormValues(values, initialValues);
  const isEdit = product !== null;

  useEffect(() => {
    onDirtyChange?.(dirty);
  }, [dirty, onDirtyChange]);
  useEffect(() => () => onDirtyChange?.(false), [onDirtyChange]);

  useEffect(() => {
    if (!focusRequest) return;
    const el = document.getElementById(FIELD_CONTROL_ID[focusRequest.field]);
    el?.focus();
  }, [focusRequest]);

  function set<K extends keyof ProductFormValues>(key: K, value: ProductFormValues[K]) {
    setValues((v) => ({ ...v, [key]: value }));
  }

  function requestFocus(field: DraftField | null) {
    if (field) setFocusRequest((prev) => ({ field, n: (prev?.n ?? 0) + 1 }));
  }

  function showBanner(b: Banner) {
    setBanner(b);
    requestAnimationFrame(() => bannerRef.current?.focus());
  }

  async function submit() {
    if (saving || deleting || uploading > 0) return;
    const built = buildDraft(values);
    if (!built.ok) {
      setErrors(built.errors);
      setBanner(null);
      requestFocus(firstInvalidField(built.errors));
      return;
    }
    const draft = built.draft;
    setErrors({});
    setBanner(null);
    setSaving(true);
    let error: AppError;
    try {
      const result = product ? await commands.updateProduct(product.id, draft) : await commands.createProduct(draft);
      if (result.status === "ok") {
        const saved = result.data;
        queryClient.setQueryData(["product", saved.id], saved);
        await queryClient.invalidateQueries({ queryKey: ["products"] });
        setSaving(false);
        onSaved(saved);
        return;
      }
      error = normalizeAppError(result.error);
    } catch (e) {
      error = normalizeAppError(e);
    }
    setSaving(false);
    // Never reset the form on error: show messages and keep what was typed.
    const { fields, unmapped } = mapServerErrors(error, draft.sku);
    setErrors(fields);
    const first = firstInvalidField(fields);
    if (!first || unmapped.length > 0) showBanner({ error, unmapped });
    if (first) requestFocus(first);
  }

  const submitRef = useRef(submit);
  submitRef.current = submit;

  // Ctrl+S / Cmd+S saves.
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "s") {
        e.preventDefault();
        if (!confirm) void submitRef.current();
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [confirm]);

  function cancel() {
    if (dirty) setConfirm("discard");
    else onClose();
  }

  async function doDelete() {
    if (!product) return;
    setDeleting(true);
    let error: AppError | null = null;
    try {
      const result = await commands.deleteProduct(product.id);
      if (result.status === "error") {
        const e = normalizeAppError(result.error);
        if (e.code !== "notFound") error = e; // already gone: same outcome
      }
    } catch (e) {
      error = normalizeAppError(e);
    }
    setDeleting(false);
    setConfirm(null);
    if (error) {
      showBanner({ error, unmapped: [] });
      return;
    }
    queryClient.removeQueries({ queryKey: ["product", product.id] });
    await queryClient.invalidateQueries({ queryKey: ["products"] });
    onDeleted(product);
  }

  const err = (field: DraftField) => (errors[field] ? fieldErrorMessage(t, field, errors[field]) : undefined);
  const titleLength = charCount(values.title.trim());

  return (
    <form
      className="product-form"
      data-testid="product-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      aria-busy={saving || undefined}
    >
      <header className="page-header">
        <div>
          <h1 className="page-title">{isEdit ? t("form.editTitle") : t("form.newTitle")}</h1>
          {product && <p className="page-subtitle">{product.sku}</p>}
        </div>
      </header>

      {banner && <FormErrorBanner ref={bannerRef} banner={banner} testId="form-error" />}

      <section className="card form-section" aria-labelledby="section-listing">
        <h2 id="section-listing" className="section-title">
          {t("form.sections.listing")}
        </h2>
        <Field
          field="title"
          label={t("form.title")}
          error={err("title")}
          extra={
            <span className={titleLength > TITLE_MAX_LENGTH ? "counter is-over" : "counter"} aria-hidden="true">
              {t("form.titleCount", { count: titleLength, max: TITLE_MAX_LENGTH })}
            </span>
          }
        >
          {(a) => (
            <input
              {...a}
              data-testid={a.id}
              type="text"
              required
              autoFocus={!isEdit}
              autoComplete="off"
              value={values.title}
              onChange={(e) => set("title", e.target.value)}
            />
          )}
        </Field>
        <Field field="description" label={t("form.description")} error={err("description")}>
          {(a) => (
            <textarea {...a} data-testid={a.id} rows={5} value={values.description} onChange={(e) => set("description", e.target.value)} />
          )}
        </Field>
        <div className="field-grid">
          <Field field="category" label={t("form.category")} error={err("category")}>
            {(a) => (
              <input
                {...a}
                data-testid={a.id}
                type="text"
                placeholder={t("form.categoryPlaceholder")}
                value={values.category}
                onChange={(e) => set("category", e.target.value)}
              />
            )}
          </Field>
          <Field field="brand" label={t("form.brand")} error={err("brand")}>
            {(a) => <input {...a} data-testid={a.id} type="text" value={values.brand} onChange={(e) => set("brand", e.target.value)} />}
          </Field>
          <Field field="condition" label={t("form.condition")} error={err("condition")}>
            {(a) => (
              <select
                {...a}
                data-testid={a.id}
                value={values.condition}
                onChange={(e) => set("condition", e.target.value as ProductFormValues["condition"])}
              >
                <option value="">{t("form.notSpecified")}</option>
                {CONDITIONS.map((c) => (
                  <option key={c} value={c}>
                    {t(`condition.${c}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field field="size" label={t("form.size")} error={err("size")}>
            {(a) => (
              <input
                {...a}
                data-testid={a.id}
                type="text"
                placeholder={t("form.sizePlaceholder")}
                value={values.size}
                onChange={(e) => set("size", e.target.value)}
              />
            )}
          </Field>
          <Field field="materials" label={t("form.materials")} hint={t("form.tagsHint")} error={err("materials")}>
            {(a) => (
              <TagInput
                id={a.id}
                tags={values.materials}
                pending={values.materialsPending}
                listLabel={t("form.materials")}
                describedBy={a["aria-describedby"]}
                invalid={a["aria-invalid"]}
                onChange={(tags, pending) => setValues((v) => ({ ...v, materials: tags, materialsPending: pending }))}
              />
            )}
          </Field>
          <Field field="colors" label={t("form.colors")} hint={t("form.tagsHint")} error={err("colors")}>
            {(a) => (
              <TagInput
                id={a.id}
                tags={values.colors}
                pending={values.colorsPending}
                listLabel={t("form.colors")}
                describedBy={a["aria-describedby"]}
                invalid={a["aria-invalid"]}
                onChange={(tags, pending) => setValues((v) => ({ ...v, colors: tags, colorsPending: pending }))}
              />
            )}
          </Field>
        </div>
      </section>

      <section className="card form-section" aria-labelledby="section-pricing">
        <h2 id="section-pricing" className="section-title">
          {t("form.sections.pricing")}
        </h2>
        <div className="field-grid field-grid-3">
          <Field
            field="priceCents"
            label={t("form.price")}
            error={err("priceCents")}
            hint={product?.lastPriceCents != null ? t("form.lastPrice", { price: formatCents(product.lastPriceCents, i18n.language) }) : undefined}
          >
            {(a) => (
              <input
                {...a}
                data-testid={a.id}
                type="text"
                inputMode="decimal"
                autoComplete="off"
                placeholder={t("form.amountPlaceholder")}
                value={values.price}
                onChange={(e) => set("price", e.target.value)}
              />
            )}
          </Field>
          <Field field="purchaseCostCents" label={t("form.purchaseCost")} hint={t("form.purchaseCostHint")} error={err("purchaseCostCents")}>
            {(a) => (
              <input
                {...a}
                data-testid={a.id}
                type="text"
                inputMode="decimal"
                autoComplete="off"
                placeholder={t("form.amountPlaceholder")}
                value={values.purchaseCost}
                onChange={(e) => set("purchaseCost", e.target.value)}
              />
            )}
          </Field>
          <Field field="quantity" label={t("form.quantity")} error={err("quantity")}>
            {(a) => (
              <input
                {...a}
                data-testid={a.id}
                type="text"
                inputMode="numeric"
                autoComplete="off"
                value={values.quantity}
                onChange={(e) => set("quantity", e.target.value)}
              />
            )}
          </Field>
          <Field field="status" label={t("form.status")} error={err("status")}>
            {(a) => (
              <select
                {...a}
                data-testid={a.id}
                value={values.status}
                onChange={(e) => set("status", e.target.value as ProductFormValues["status"])}
              >
                {PRODUCT_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {t(`status.${s}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field field="packageSize" label={t("form.packageSize")} error={err("packageSize")}>
            {(a) => (
              <select
                {...a}
                data-testid={a.id}
                value={values.packageSize}
                onChange={(e) => set("packageSize", e.target.value as ProductFormValues["packageSize"])}
              >
                <option value="">{t("form.notSpecified")}</option>
                {PACKAGE_SIZES.map((s) => (
                  <option key={s} value={s}>
                    {t(`packageSize.${s}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      </section>

      <section className="card form-section" aria-labelledby="section-photos">
        <h2 id="section-photos" className="section-title">
          {t("form.sections.photos")}
        </h2>
        <PhotoManager
          inputId={FIELD_CONTROL_ID.photos}
          photos={values.photos}
          setPhotos={(update) => setValues((v) => ({ ...v, photos: update(v.photos) }))}
          uploading={uploading}
          setUploading={setUploading}
          describedBy={errors.photos ? `${FIELD_CONTROL_ID.photos}-error` : undefined}
          invalid={errors.photos ? true : undefined}
        />
        {errors.photos && (
          <p id={`${FIELD_CONTROL_ID.photos}-error`} className="field-error" data-testid="error-photos">
            {fieldErrorMessage(t, "photos", errors.photos)}
          </p>
        )}
      </section>

      <section className="card form-section" aria-labelledby="section-internal">
        <h2 id="section-internal" className="section-title">
          {t("form.sections.internal")}
        </h2>
        <div className="field-grid">
          <Field field="sku" label={t("form.sku")} error={err("sku")}>
            {(a) => (
              <input
                {...a}
                data-testid={a.id}
                type="text"
                autoComplete="off"
                spellCheck={false}
                placeholder={t("form.skuPlaceholder")}
                value={values.sku}
                onChange={(e) => set("sku", e.target.value)}
              />
            )}
          </Field>
        </div>
        <Field field="internalNotes" label={t("form.notes")} hint={t("form.notesHint")} error={err("internalNotes")}>
          {(a) => (
            <textarea
              {...a}
              data-testid={a.id}
              rows={3}
              value={values.internalNotes}
              onChange={(e) => set("internalNotes", e.target.value)}
            />
          )}
        </Field>
      </section>

      <footer className="form-actions">
        {isEdit && (
          <button
            type="button"
            className="btn btn-danger-ghost"
            data-testid="delete-product"
            disabled={saving || deleting}
            onClick={() => setConfirm("delete")}
          >
            {t("form.delete")}
          </button>
        )}
        {isEdit && product && onDuplicated && (
          <button
            type="button"
            className="btn"
            data-testid="duplicate-product"
            disabled={saving || deleting || dirty}
            title={dirty ? t("form.duplicateSaveFirst") : t("form.duplicateHint")}
            onClick={() => {
              void commands.duplicateProduct(product.id).then((result) => {
                if (result.status === "ok") {
                  void queryClient.invalidateQueries({ queryKey: ["products"] });
                  onDuplicated(result.data);
                } else {
                  setBanner({ error: result.error, unmapped: [] });
                }
              });
            }}
          >
            {t("form.duplicate")}
          </button>
        )}
        <div className="form-actions-end">
          {uploading > 0 && <span className="hint">{t("form.waitForPhotos")}</span>}
          <button type="button" className="btn" data-testid="cancel-product" disabled={saving || deleting} onClick={cancel}>
            {t("form.cancel")}
          </button>
          <button
            type="submit"
            className="btn btn-primary"
            data-testid="save-product"
            disabled={saving || deleting || uploading > 0}
            title={t("form.saveShortcut")}
            aria-keyshortcuts="Control+S Meta+S"
          >
            {saving ? t("form.saving") : t("form.save")}
          </button>
        </div>
      </footer>

      <ConfirmDialog
        open={confirm === "discard"}
        title={t("discard.title")}
        text={t("discard.text")}
        confirmLabel={t("discard.confirm")}
        cancelLabel={t("discard.cancel")}
        testId="confirm-discard"
        danger
        onConfirm={() => {
          setConfirm(null);
          onClose();
        }}
        onCancel={() => setConfirm(null)}
      />
      <ConfirmDialog
        open={confirm === "delete"}
        title={t("deleteDialog.title")}
        text={t("deleteDialog.text", { title: product?.title ?? "" })}
        confirmLabel={deleting ? t("form.deleting") : t("deleteDialog.confirm")}
        cancelLabel={t("deleteDialog.cancel")}
        testId="confirm-delete"
        danger
        busy={deleting}
        onConfirm={() => void doDelete()}
        onCancel={() => setConfirm(null)}
      />
    </form>
  );
}
