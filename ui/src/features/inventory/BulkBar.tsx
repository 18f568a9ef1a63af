import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type BulkChange, type ProductSelection, type ProductStatus } from "../../bindings";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { useToast } from "../../components/Toast";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { PRODUCT_STATUSES } from "../../lib/productForm";
import { parsePriceChange } from "./listState";
import { useUndoBulkAction } from "./useUndoBulkAction";
import { inventoryKeys } from "./queryKeys";

type Action = "status" | "price" | "category" | "brand" | "delete";

type Props = {
  selection: ProductSelection;
  /** How many products the selection holds. */
  count: number;
  onDone: () => void;
  /** Opens "Publish on Vinted" for the selection. */
  onPublish?: () => void;
};

/** Actions on the ticked products (or on everything the filter matches), each undoable. */
export function BulkBar({ selection, count, onDone, onPublish }: Props) {
  const { t } = useTranslation();
  const { showToast } = useToast();
  const queryClient = useQueryClient();
  const [action, setAction] = useState<Action>("status");
  const [status, setStatus] = useState<ProductStatus>("listed");
  const [priceChange, setPriceChange] = useState("");
  const [text, setText] = useState("");
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: inventoryKeys.all });
    void queryClient.invalidateQueries({ queryKey: inventoryKeys.facets });
  };

  const { undo } = useUndoBulkAction();

  const apply = useMutation({
    mutationFn: async (change: BulkChange) => unwrap(await commands.bulkUpdateProducts(selection, change)),
    onSuccess: (outcome, change) => {
      refresh();
      setError(null);
      setConfirmDelete(false);
      onDone();
      const message = change.kind === "delete" ? t("bulk.deleted", { count: outcome.affected }) : t("bulk.updated", { count: outcome.affected });
      showToast(message, { label: t("bulk.undo"), onAction: () => undo.mutate(), testId: "bulk-undo" });
    },
    onError: (err) => {
      setConfirmDelete(false);
      const appError = normalizeAppError(err);
      const field = appError.fields[0];
      setError(field ? t(`bulk.errors.${field.code}`, { defaultValue: t(`fieldErrors.${field.code}`) }) : t(`errors.${appError.code}`));
    },
  });

  function change(): BulkChange | null {
    switch (action) {
      case "status":
        return { kind: "setStatus", status };
      case "price": {
        const parsed = parsePriceChange(priceChange);
        if (!parsed) return null;
        return parsed.kind === "amount" ? { kind: "addToPrice", cents: parsed.cents } : { kind: "changePriceByPercent", basisPoints: parsed.basisPoints };
      }
      case "category":
        return { kind: "setCategory", category: text.trim() === "" ? null : text.trim() };
      case "brand":
        return { kind: "setBrand", brand: text.trim() === "" ? null : text.trim() };
      case "delete":
        return { kind: "delete" };
    }
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (action === "delete") {
      setConfirmDelete(true);
      return;
    }
    const next = change();
    if (!next) {
      setError(t("bulk.errors.priceChange"));
      return;
    }
    apply.mutate(next);
  }

  return (
    <form className="bulk-bar" data-testid="bulk-bar" onSubmit={submit} aria-label={t("bulk.label")}>
      <strong data-testid="bulk-count">{t("bulk.selected", { count })}</strong>
      <label htmlFor="bulk-action" className="sr-only">
        {t("bulk.action")}
      </label>
      <select
        id="bulk-action"
        data-testid="bulk-action"
        value={action}
        onChange={(e) => {
          setAction(e.target.value as Action);
          setError(null);
          setText("");
        }}
      >
        <option value="status">{t("bulk.actions.status")}</option>
        <option value="price">{t("bulk.actions.price")}</option>
        <option value="category">{t("bulk.actions.category")}</option>
        <option value="brand">{t("bulk.actions.brand")}</option>
        <option value="delete">{t("bulk.actions.delete")}</option>
      </select>
      {action === "status" && (
        <select aria-label={t("bulk.newStatus")} data-testid="bulk-status" value={status} onChange={(e) => setStatus(e.target.value as ProductStatus)}>
          {PRODUCT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
      )}
      {action === "price" && (
        <input
          aria-label={t("bulk.priceChange")}
          data-testid="bulk-price"
          placeholder={t("bulk.pricePlaceholder")}
          value={priceChange}
          onChange={(e) => setPriceChange(e.target.value)}
          aria-invalid={error !== null || undefined}
        />
      )}
      {(action === "category" || action === "brand") && (
        <input
          aria-label={t(`bulk.actions.${action}`)}
          data-testid="bulk-text"
          placeholder={t("bulk.emptyClears")}
          value={text}
          maxLength={100}
          onChange={(e) => setText(e.target.value)}
        />
      )}
      <button type="submit" className={action === "delete" ? "btn btn-danger" : "btn btn-primary"} data-testid="bulk-apply" disabled={apply.isPending}>
        {action === "delete" ? t("bulk.deleteButton", { count }) : t("bulk.apply")}
      </button>
      {onPublish && (
        <button type="button" className="btn" data-testid="bulk-publish" onClick={onPublish}>
          {t("bulk.publish")}
        </button>
      )}
      <button type="button" className="btn" data-testid="bulk-clear" onClick={onDone}>
        {t("bulk.clear")}
      </button>
      {error && (
        <span className="field-error" role="alert" data-testid="bulk-error">
          {error}
        </span>
      )}
      <ConfirmDialog
        open={confirmDelete}
        title={t("bulk.confirmDeleteTitle", { count })}
        text={t("bulk.confirmDeleteText")}
        confirmLabel={t("bulk.deleteButton", { count })}
        cancelLabel={t("deleteDialog.cancel")}
        onConfirm={() => apply.mutate({ kind: "delete" })}
        onCancel={() => setConfirmDelete(false)}
        testId="confirm-bulk-delete"
        danger
        busy={apply.isPending}
      />
    </form>
  );
}
