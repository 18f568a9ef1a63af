import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type ProductQuery } from "../../bindings";
import { useToast } from "../../components/Toast";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { csvLanguage } from "../../lib/transfer";
import { ImportWizard } from "./ImportWizard";

type Props = {
  /** What the inventory list shows now (its paging is ignored: every matching product is exported). */
  query: ProductQuery;
};

/** The inventory toolbar's "Importer" (CSV import wizard) and "Exporter" (what the filter shows) buttons. */
export function InventoryTransferButtons({ query }: Props) {
  const { t, i18n } = useTranslation();
  const { showToast } = useToast();
  const [importOpen, setImportOpen] = useState(false);

  const exportMutation = useMutation({
    mutationFn: async () => unwrap(await commands.exportInventory(query, csvLanguage(i18n.language))),
    onSuccess: (file) => showToast(t("transfer.exported", { path: file.path, count: file.count })),
    onError: (error) => showToast(t("transfer.exportFailed", { reason: t(`errors.${normalizeAppError(error).code}`) })),
  });

  return (
    <div className="toolbar-actions">
      <button type="button" className="btn" data-testid="import-open" onClick={() => setImportOpen(true)}>
        {t("transfer.importButton")}
      </button>
      <button
        type="button"
        className="btn"
        data-testid="export-inventory"
        disabled={exportMutation.isPending}
        title={t("transfer.exportHint")}
        onClick={() => exportMutation.mutate()}
      >
        {exportMutation.isPending ? t("transfer.exporting") : t("transfer.exportButton")}
      </button>
      {importOpen && <ImportWizard onClose={() => setImportOpen(false)} />}
    </div>
  );
}
