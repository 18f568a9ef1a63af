import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useEffectEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { FormErrorBanner } from "../../components/FormErrorBanner";
import type { TFunction } from "i18next";
import { commands, type AppError, type Product, type ProductDraft } from "../../bindings";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import {
  DiscardDialog,
  EnumSelect,
  Field,
  FieldError,
  reportSaveError,
  useDirtyGuard,
  useFormBanner,
  useSaveMutation,
} from "../../components/form";
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
import { PublishDialog } from "../publish/PublishDialog";
import { inventoryKeys } from "./queryKeys";

type Props = {
  /** The product being edited, or null to create a new one. */
  product: Product | null;
  onClose: () => void;
  onSaved: (product: Product) => void;
  onDeleted: (product: Product) => void;
  /** A copy of the product was made (a new draft with its own SKU). */
  onDuplicated?: (copy: Product) => void;
  onDirtyChange?: (dirty: boolean) => void;
  /** Opens the Vinted jobs area (from the toast after a publish). */
  onOpenJobs?: () => void;
};

export function fieldErrorMessage(t: TFunction, field: DraftField, err: FormFieldError): string {
  if (err.code === "duplicate" && field === "sku" && err.sku) return t("fieldErrors.duplicateSku", { sku: err.sku });
  if (err.code === "invalid" && (field === "priceCents" || field === "purchaseCostCents")) return t("fieldErrors.invalidAmount");
  if (err.code === "invalid" && field === "quantity") return t("fieldErrors.invalidQuantity");
  return t(`fieldErrors.${err.code}`);
}

export function ProductForm({ product, onClose, onSaved, onDeleted, onDuplicated, onDirtyChange, onOpenJobs }: Props) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [initialValues] = useState<ProductFormValues>(() =>
    product ? productToFormValues(product, currentLanguage()) : emptyFormValues(),
  );
  const [values, setValues] = useState<ProductFormValues>(initialValues);
  const [errors, setErrors] = useState<FormErrors>({});
  const { banner, ref: bannerRef, show: showBanner, clear: clearBanner } = useFormBanner();
  const [deleting, setDeleting] = useState(false);
  const [uploading, setUploading] = useState(0);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [publishing, setPublishing] = useState(false);
  const [focusRequest, setFocusRequest] = useState<{ field: DraftField; n: number } | null>(null);

  const dirty = !sameFormValues(values, initialValues);
  const isEdit = product !== null;
  const guard = useDirtyGuard({ dirty, onLeave: onClose, onDirtyChange });
  const confirmOpen = guard.confirming || confirmDelete;
  const save = useSaveMutation({
    save: (draft: ProductDraft) => (product ? commands.updateProduct(product.id, draft) : commands.createProduct(draft)),
    onSaved: async (saved: Product) => {
      queryClient.setQueryData(inventoryKeys.detail(saved.id), saved);
      await queryClient.invalidateQueries({ queryKey: inventoryKeys.all });
    },
  });
  const saving = save.pending;

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

  async function submit() {
    if (saving || deleting || uploading > 0) return;
    const built = buildDraft(values);
    if (!built.ok) {
      setErrors(built.errors);
      clearBanner();
      requestFocus(firstInvalidField(built.errors));
      return;
    }
    const draft = built.draft;
    setErrors({});
    clearBanner();
    const outcome = await save.run(draft);
    if (!outcome) return;
    if (outcome.ok) {
      onSaved(outcome.data);
      return;
    }
    // Never reset the form on error: show messages and keep what was typed.
    const { fields, unmapped } = mapServerErrors(outcome.error, draft.sku);
    setErrors(fields);
    reportSaveError(outcome.error, { fieldCount: Object.keys(fields).length, unmapped }, showBanner);
    requestFocus(firstInvalidField(fields));
  }

  // Ctrl+S / Cmd+S saves, unless a dialog is open.
  const onSaveShortcut = useEffectEvent((e: KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "s") {
      e.preventDefault();
      if (!confirmOpen) void submit();
    }
  });
  useEffect(() => {
    window.addEventListener("keydown", onSaveShortcut);
    return () => window.removeEventListener("keydown", onSaveShortcut);
  }, []);

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
    setConfirmDelete(false);
    if (error) {
      showBanner({ error, unmapped: [] });
      return;
    }
    queryClient.removeQueries({ queryKey: inventoryKeys.detail(product.id) });
    await queryClient.invalidateQueries({ queryKey: inventoryKeys.all });
    onDeleted(product);
  }

  const err = (field: DraftField) => (errors[field] ? fieldErrorMessage(t, field, errors[field]) : undefined);
  const fieldOf = (field: DraftField) => ({ id: FIELD_CONTROL_ID[field], name: field, error: err(field) });
  const titleLength = charCount(values.title.trim());

  return (
    <>
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
          <Field {...fieldOf("title")} label={t("form.title")}
            extra={
              <span className={titleLength > TITLE_MAX_LENGTH ? "counter is-over" : "counter"} aria-hidden="true">
                {t("form.titleCount", { count: titleLength, max: TITLE_MAX_LENGTH })}
              </span>
            }
          >
            {(a) => (
              <input
                {...a}
                type="text"
                required
                // eslint-disable-next-line jsx-a11y/no-autofocus -- the user opened a new product to type it: it starts at its title
                autoFocus={!isEdit}
                autoComplete="off"
                value={values.title}
                onChange={(e) => set("title", e.target.value)}
              />
            )}
          </Field>
          <Field {...fieldOf("description")} label={t("form.description")}>
            {(a) => (
              <textarea {...a} rows={5} value={values.description} onChange={(e) => set("description", e.target.value)} />
            )}
          </Field>
          <div className="field-grid">
            <Field {...fieldOf("category")} label={t("form.category")}>
              {(a) => (
                <input
                  {...a}
                  type="text"
                  placeholder={t("form.categoryPlaceholder")}
                  value={values.category}
                  onChange={(e) => set("category", e.target.value)}
                />
              )}
            </Field>
            <Field {...fieldOf("brand")} label={t("form.brand")}>
              {(a) => <input {...a} type="text" value={values.brand} onChange={(e) => set("brand", e.target.value)} />}
            </Field>
            <Field {...fieldOf("condition")} label={t("form.condition")}>
              {(a) => (
                <EnumSelect
                  {...a}
                  values={CONDITIONS}
                  value={values.condition}
                  label={(c) => t(`condition.${c}`)}
                  emptyLabel={t("form.notSpecified")}
                  onChange={(c) => set("condition", c)}
                />
              )}
            </Field>
            <Field {...fieldOf("size")} label={t("form.size")}>
              {(a) => (
                <input
                  {...a}
                  type="text"
                  placeholder={t("form.sizePlaceholder")}
                  value={values.size}
                  onChange={(e) => set("size", e.target.value)}
                />
              )}
            </Field>
            <Field {...fieldOf("materials")} label={t("form.materials")} hint={t("form.tagsHint")}>
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
            <Field {...fieldOf("colors")} label={t("form.colors")} hint={t("form.tagsHint")}>
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
            <Field {...fieldOf("priceCents")} label={t("form.price")}
              hint={product?.lastPriceCents != null ? t("form.lastPrice", { price: formatCents(product.lastPriceCents, i18n.language) }) : undefined}
            >
              {(a) => (
                <input
                  {...a}
                  type="text"
                  inputMode="decimal"
                  autoComplete="off"
                  placeholder={t("form.amountPlaceholder")}
                  value={values.price}
                  onChange={(e) => set("price", e.target.value)}
                />
              )}
            </Field>
            <Field {...fieldOf("purchaseCostCents")} label={t("form.purchaseCost")} hint={t("form.purchaseCostHint")}>
              {(a) => (
                <input
                  {...a}
                  type="text"
                  inputMode="decimal"
                  autoComplete="off"
                  placeholder={t("form.amountPlaceholder")}
                  value={values.purchaseCost}
                  onChange={(e) => set("purchaseCost", e.target.value)}
                />
              )}
            </Field>
            <Field {...fieldOf("quantity")} label={t("form.quantity")}>
              {(a) => (
                <input
                  {...a}
                  type="text"
                  inputMode="numeric"
                  autoComplete="off"
                  value={values.quantity}
                  onChange={(e) => set("quantity", e.target.value)}
                />
              )}
            </Field>
            <Field {...fieldOf("status")} label={t("form.status")}>
              {(a) => (
                <EnumSelect
                  {...a}
                  values={PRODUCT_STATUSES}
                  value={values.status}
                  label={(s) => t(`status.${s}`)}
                  onChange={(s) => set("status", s as ProductFormValues["status"])}
                />
              )}
            </Field>
            <Field {...fieldOf("packageSize")} label={t("form.packageSize")}>
              {(a) => (
                <EnumSelect
                  {...a}
                  values={PACKAGE_SIZES}
                  value={values.packageSize}
                  label={(s) => t(`packageSize.${s}`)}
                  emptyLabel={t("form.notSpecified")}
                  onChange={(s) => set("packageSize", s)}
                />
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
          {errors.photos && <FieldError id={`${FIELD_CONTROL_ID.photos}-error`} name="photos" message={fieldErrorMessage(t, "photos", errors.photos)} />}
        </section>

        <section className="card form-section" aria-labelledby="section-internal">
          <h2 id="section-internal" className="section-title">
            {t("form.sections.internal")}
          </h2>
          <div className="field-grid">
            <Field {...fieldOf("sku")} label={t("form.sku")}>
              {(a) => (
                <input
                  {...a}
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
          <Field {...fieldOf("internalNotes")} label={t("form.notes")} hint={t("form.notesHint")}>
            {(a) => (
              <textarea
                {...a}
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
              onClick={() => setConfirmDelete(true)}
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
                    void queryClient.invalidateQueries({ queryKey: inventoryKeys.all });
                    onDuplicated(result.data);
                  } else {
                    showBanner({ error: result.error, unmapped: [] }, false);
                  }
                });
              }}
            >
              {t("form.duplicate")}
            </button>
          )}
          {isEdit && product && (
            <button
              type="button"
              className="btn"
              data-testid="publish-product"
              disabled={saving || deleting || dirty}
              title={dirty ? t("publish.saveFirst") : undefined}
              onClick={() => setPublishing(true)}
            >
              {t("publish.open")}
            </button>
          )}
          <div className="form-actions-end">
            {uploading > 0 && <span className="hint">{t("form.waitForPhotos")}</span>}
            <button type="button" className="btn" data-testid="cancel-product" disabled={saving || deleting} onClick={guard.requestLeave}>
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

        <DiscardDialog guard={guard} />
        <ConfirmDialog
          open={confirmDelete}
          title={t("deleteDialog.title")}
          text={t("deleteDialog.text", { title: product?.title ?? "" })}
          confirmLabel={deleting ? t("form.deleting") : t("deleteDialog.confirm")}
          cancelLabel={t("deleteDialog.cancel")}
          testId="confirm-delete"
          danger
          busy={deleting}
          onConfirm={() => void doDelete()}
          onCancel={() => setConfirmDelete(false)}
        />
      </form>
      {/* Beside the item's form, not in it: the dialog's own form must not submit this one. */}
        {publishing && product && (
          <PublishDialog
            selection={{ kind: "ids", ids: [product.id] }}
            onClose={() => setPublishing(false)}
            // The item is the one open here: closing the dialog is editing it.
            onEditProduct={() => setPublishing(false)}
            onOpenJobs={onOpenJobs}
          />
        )}
    </>
  );
}
