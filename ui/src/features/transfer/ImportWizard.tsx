import { Channel } from "@tauri-apps/api/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  commands,
  type AppError,
  type Condition,
  type CsvDelimiter,
  type CsvEncoding,
  type CsvField,
  type CsvImportOptions,
  type CsvPreview,
  type ImportProgress,
  type ImportReport,
  type OnRowError,
  type PackageSize,
  type ProductStatus,
  type RowError,
} from "../../bindings";
import { EnumSelect, Field } from "../../components/form";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { readFileAsBase64 } from "../../lib/files";
import { formatCents } from "../../lib/money";
import { CSV_DELIMITERS, CSV_ENCODINGS, CSV_FIELDS, mappingValue, parseMappingValue, progressPercent, remap } from "../../lib/transfer";
import "./transfer.css";
import { inventoryKeys } from "../inventory/queryKeys";

type LoadedFile = { name: string; base64: string };

/** The i18n group naming the values of a list field (the stored values are its keys). */
function listOf(field: CsvField | null): "status" | "condition" | "packageSize" | null {
  switch (field) {
    case "status":
      return "status";
    case "condition":
      return "condition";
    case "packageSize":
      return "packageSize";
    default:
      return null;
  }
}

type Step =
  | { kind: "choose" }
  | { kind: "preview"; file: LoadedFile; preview: CsvPreview }
  | { kind: "importing"; file: LoadedFile; preview: CsvPreview; progress: ImportProgress | null; cancelling: boolean }
  | { kind: "done"; report: ImportReport }
  | { kind: "stopped"; file: LoadedFile; preview: CsvPreview; error: AppError };

type Props = { onClose: () => void };

/** The rows of the preview's sample table: a few fields of each product as it would be imported. */
const SAMPLE_FIELDS = ["sku", "title", "brand", "price", "quantity", "status"] as const;

/**
 * The inventory CSV import: choose a file, check the preview (format, column mapping, wrong rows,
 * what to do with them), import with progress and a Cancel button, then a summary. The store
 * imports every valid row or nothing; a cancel leaves nothing behind.
 */
export function ImportWizard({ onClose }: Props) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const titleId = useId();
  const fileInputId = useId();
  const [step, setStep] = useState<Step>({ kind: "choose" });
  const [onError, setOnError] = useState<OnRowError>("block");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const dialogRef = useRef<HTMLDivElement>(null);

  // The dialog's async work may end after it closed: React drops those state updates.
  useEffect(() => {
    const previouslyFocused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialogRef.current?.querySelector<HTMLElement>("input, select, button")?.focus();
    return () => {
      if (previouslyFocused?.isConnected) previouslyFocused.focus();
    };
  }, []);

  const importing = step.kind === "importing";

  function options(preview: CsvPreview | null, overrides: Partial<CsvImportOptions> = {}): CsvImportOptions {
    return {
      encoding: preview ? preview.format.encoding : null,
      delimiter: preview ? preview.format.delimiter : null,
      mapping: preview ? preview.mapping : null,
      onError,
      ...overrides,
    };
  }

  async function runPreview(file: LoadedFile, opts: CsvImportOptions) {
    setBusy(true);
    setError(null);
    try {
      const preview = unwrap(await commands.previewInventoryImport(file.name, file.base64, opts));
      setStep({ kind: "preview", file, preview });
    } catch (e) {
      setError(normalizeAppError(e));
    } finally {
      setBusy(false);
    }
  }

  async function chooseFile(fileList: FileList | null) {
    const chosen = fileList?.[0];
    if (!chosen) return;
    setBusy(true);
    setError(null);
    let base64: string;
    try {
      base64 = await readFileAsBase64(chosen);
    } catch (e) {
      setBusy(false);
      setError(normalizeAppError(e));
      return;
    }
    // A new file: detect everything again (the store recalls the mapping of a known header).
    await runPreview({ name: chosen.name, base64 }, { encoding: null, delimiter: null, mapping: null, onError });
  }

  function changeFormat(file: LoadedFile, preview: CsvPreview, change: { encoding?: CsvEncoding; delimiter?: CsvDelimiter }) {
    // Another reading of the file may have other columns: let the store map them again.
    void runPreview(file, options(preview, { ...change, mapping: null }));
  }

  function changeMapping(file: LoadedFile, preview: CsvPreview, index: number, field: CsvField | null) {
    void runPreview(file, options(preview, { mapping: remap(preview.mapping, index, field) }));
  }

  async function startImport(file: LoadedFile, preview: CsvPreview) {
    setError(null);
    setStep({ kind: "importing", file, preview, progress: null, cancelling: false });
    const channel = new Channel<ImportProgress>();
    channel.onmessage = (progress) => {
      setStep((s) => (s.kind === "importing" ? { ...s, progress } : s));
    };
    try {
      const report = unwrap(await commands.importInventory(file.name, file.base64, options(preview), channel));
      await queryClient.invalidateQueries({ queryKey: inventoryKeys.all });
      setStep({ kind: "done", report });
    } catch (e) {
      setStep({ kind: "stopped", file, preview, error: normalizeAppError(e) });
    }
  }

  async function cancelImport() {
    setStep((s) => (s.kind === "importing" ? { ...s, cancelling: true } : s));
    try {
      unwrap(await commands.cancelImport());
    } catch (e) {
      setError(normalizeAppError(e));
    }
  }

  function close() {
    if (!importing) onClose();
  }

  function errorSentence(e: RowError): string {
    const column = e.column ?? (e.columnIndex !== null ? String(e.columnIndex + 1) : null);
    const where = column ? t("transfer.lineColumn", { line: e.line, column }) : t("transfer.lineOnly", { line: e.line });
    if (e.code === "unknownValue" && e.allowed.length > 0) {
      // « statut inconnu « active » : brouillon, prêt, … », as the command line says it.
      const list = listOf(e.field);
      // The stored values of that list, which its i18n group has as keys.
      const label = (v: string): string => {
        switch (list) {
          case "status":
            return t(`status.${v as ProductStatus}`);
          case "condition":
            return t(`condition.${v as Condition}`);
          case "packageSize":
            return t(`packageSize.${v as PackageSize}`);
          default:
            return v;
        }
      };
      const allowed = e.allowed.map((v) => label(v).toLocaleLowerCase()).join(", ");
      const reason = t(`transfer.unknownValueAllowed.${list ?? "other"}`, { value: e.value ?? "", allowed });
      return t("transfer.errorNoValue", { where, reason });
    }
    const reason = t(`transfer.rowErrors.${e.code}`);
    return e.value ? t("transfer.errorWithValue", { where, reason, value: e.value }) : t("transfer.errorNoValue", { where, reason });
  }

  function errorList(errors: RowError[], truncated: boolean) {
    if (errors.length === 0) return null;
    return (
      <div className="import-errors">
        <ul className="import-error-list" data-testid="import-errors">
          {errors.map((e, i) => (
            <li
              key={`${e.line}-${e.columnIndex ?? "row"}-${i}`}
              className="import-error-row"
              data-testid="import-error-row"
              data-line={e.line}
              data-column={e.column ?? ""}
              data-code={e.code}
            >
              {errorSentence(e)}
            </li>
          ))}
        </ul>
        {truncated && <p className="hint">{t("transfer.errorsTruncated")}</p>}
      </div>
    );
  }

  function previewBody(file: LoadedFile, preview: CsvPreview) {
    const hasIssues = preview.mappingIssues.length > 0;
    const canStart = !busy && !hasIssues && preview.validRows > 0;
    return (
      <>
        <p className="import-file-name">
          <strong>{file.name}</strong>{" "}
          <button type="button" className="btn btn-small" data-testid="import-other-file" disabled={busy} onClick={() => setStep({ kind: "choose" })}>
            {t("transfer.otherFile")}
          </button>
        </p>
        <div className="field-row">
          <Field id={`${titleId}-encoding`} name="encoding" label={t("transfer.encoding")} className="field-narrow">
            {(a) => (
              <EnumSelect
                {...a}
                data-testid="import-encoding"
                values={CSV_ENCODINGS}
                value={preview.format.encoding}
                label={(enc) => t(`transfer.encodings.${enc}`)}
                disabled={busy}
                onChange={(enc) => changeFormat(file, preview, { encoding: enc as CsvEncoding })}
              />
            )}
          </Field>
          <Field id={`${titleId}-delimiter`} name="delimiter" label={t("transfer.delimiter")} className="field-narrow">
            {(a) => (
              <EnumSelect
                {...a}
                data-testid="import-delimiter"
                values={CSV_DELIMITERS}
                value={preview.format.delimiter}
                label={(d) => t(`transfer.delimiters.${d}`)}
                disabled={busy}
                onChange={(d) => changeFormat(file, preview, { delimiter: d as CsvDelimiter })}
              />
            )}
          </Field>
        </div>

        <h3 className="subsection-title">{t("transfer.mappingTitle")}</h3>
        <p className="hint" data-testid="import-mapping-source">
          {t(`transfer.mappingSource.${preview.mappingSource}`)}
        </p>
        <div className="table-wrap">
          <table className="import-table import-mapping">
            <thead>
              <tr>
                <th scope="col">{t("transfer.fileColumn")}</th>
                <th scope="col">{t("transfer.productField")}</th>
              </tr>
            </thead>
            <tbody>
              {preview.headers.map((header, index) => (
                <tr key={`${index}-${header}`}>
                  <td>{header || t("transfer.unnamedColumn", { n: index + 1 })}</td>
                  <td>
                    <EnumSelect
                      aria-label={t("transfer.mapColumn", { column: header || index + 1 })}
                      data-testid="import-mapping"
                      data-column={header}
                      values={CSV_FIELDS}
                      value={mappingValue(preview.mapping[index] ?? null) as CsvField | ""}
                      label={(field) => t(`transfer.fields.${field}`)}
                      emptyLabel={t("transfer.ignoreColumn")}
                      disabled={busy}
                      onChange={(field) => changeMapping(file, preview, index, parseMappingValue(field))}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {hasIssues && (
          <ul className="import-issues" role="alert" data-testid="import-mapping-issues">
            {preview.mappingIssues.map((issue, i) => (
              <li key={`${issue.code}-${i}`} className="field-error">
                {t(`transfer.mappingIssues.${issue.code}`, { field: issue.field ? t(`transfer.fields.${issue.field}`) : "" })}
              </li>
            ))}
          </ul>
        )}

        {!hasIssues && (
          <>
            <p className="import-counts" data-testid="import-counts">
              {t("transfer.counts", { total: preview.totalRows, valid: preview.validRows, invalid: preview.invalidRows })}
            </p>
            {preview.sample.length > 0 && (
              <>
                <h3 className="subsection-title">{t("transfer.sampleTitle")}</h3>
                <div className="table-wrap">
                  <table className="import-table" data-testid="import-sample">
                    <thead>
                      <tr>
                        <th scope="col">{t("transfer.line")}</th>
                        {SAMPLE_FIELDS.map((f) => (
                          <th scope="col" key={f}>
                            {t(`transfer.fields.${f}`)}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {preview.sample.map((row) => (
                        <tr key={row.line} data-testid="import-sample-row">
                          <td>{row.line}</td>
                          <td>{row.product.sku ?? t("transfer.generatedSku")}</td>
                          <td>{row.product.title}</td>
                          <td>{row.product.brand ?? ""}</td>
                          <td className="col-num">{formatCents(row.product.priceCents, i18n.language)}</td>
                          <td className="col-num">{row.product.quantity}</td>
                          <td>{t(`status.${row.product.status}`)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            )}
            {preview.errors.length > 0 && (
              <>
                <h3 className="subsection-title">{t("transfer.errorsTitle", { count: preview.invalidRows })}</h3>
                {errorList(preview.errors, preview.errorsTruncated)}
              </>
            )}
            <fieldset className="import-mode">
              <legend>{t("transfer.modeLegend")}</legend>
              <label className="checkbox">
                <input
                  type="radio"
                  name={`${titleId}-mode`}
                  data-testid="import-mode-block"
                  checked={onError === "block"}
                  onChange={() => setOnError("block")}
                />
                {t("transfer.modeBlock")}
              </label>
              <label className="checkbox">
                <input
                  type="radio"
                  name={`${titleId}-mode`}
                  data-testid="import-mode-skip"
                  checked={onError === "skip"}
                  onChange={() => setOnError("skip")}
                />
                {t("transfer.modeSkip")}
              </label>
              {onError === "block" && preview.invalidRows > 0 && <p className="hint">{t("transfer.blockWarning", { count: preview.invalidRows })}</p>}
            </fieldset>
          </>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" data-testid="import-close" onClick={close}>
            {t("transfer.close")}
          </button>
          <button
            type="button"
            className="btn btn-primary"
            data-testid="import-start"
            disabled={!canStart}
            onClick={() => void startImport(file, preview)}
          >
            {onError === "skip" && preview.invalidRows > 0
              ? t("transfer.startSkipping", { count: preview.validRows })
              : t("transfer.start", { count: preview.validRows })}
          </button>
        </div>
      </>
    );
  }

  let body: React.ReactNode;
  if (step.kind === "choose") {
    body = (
      <>
        <p className="hint">{t("transfer.chooseHint")}</p>
        <Field id={fileInputId} name="file" label={t("transfer.chooseLabel")}>
          {(a) => (
            <input
              {...a}
              type="file"
              accept=".csv,.txt,text/csv"
              data-testid="import-file"
              disabled={busy}
              onChange={(e) => void chooseFile(e.target.files)}
            />
          )}
        </Field>
        {busy && (
          <p className="state-message" role="status">
            <span className="spinner" aria-hidden="true" /> {t("transfer.reading")}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" data-testid="import-close" onClick={close}>
            {t("transfer.close")}
          </button>
        </div>
      </>
    );
  } else if (step.kind === "preview") {
    body = previewBody(step.file, step.preview);
  } else if (step.kind === "importing") {
    const percent = progressPercent(step.progress);
    body = (
      <>
        <p role="status">{step.cancelling ? t("transfer.cancelling") : t("transfer.importing")}</p>
        <progress
          className="import-progress"
          data-testid="import-progress"
          max={step.progress?.total || 100}
          value={step.progress ? step.progress.done : undefined}
          aria-valuetext={`${percent} %`}
        />
        <p className="hint" data-testid="import-progress-text">
          {step.progress ? t("transfer.progress", { done: step.progress.done, total: step.progress.total, percent }) : t("transfer.checking")}
        </p>
        <div className="dialog-actions">
          <button type="button" className="btn btn-danger" data-testid="import-cancel" disabled={step.cancelling} onClick={() => void cancelImport()}>
            {t("transfer.cancel")}
          </button>
        </div>
      </>
    );
  } else if (step.kind === "done") {
    const { report } = step;
    body = (
      <>
        <div className="banner" role="status" data-testid="import-summary" data-imported={report.imported} data-skipped={report.skipped}>
          <p>
            <strong>{t("transfer.imported", { count: report.imported })}</strong>
            {report.skipped > 0 && <> {t("transfer.skipped", { count: report.skipped })}</>}
          </p>
        </div>
        {errorList(report.errors, report.errorsTruncated)}
        <div className="dialog-actions">
          <button type="button" className="btn btn-primary" data-testid="import-close" onClick={close}>
            {t("transfer.close")}
          </button>
        </div>
      </>
    );
  } else {
    const { file, preview, error: stopped } = step;
    body = (
      <>
        <div className="banner banner-error" role="alert" data-testid="import-stopped" data-code={stopped.code}>
          <p>{t(`errors.${stopped.code}`)}</p>
        </div>
        <div className="dialog-actions">
          <button type="button" className="btn" data-testid="import-close" onClick={close}>
            {t("transfer.close")}
          </button>
          <button type="button" className="btn btn-primary" data-testid="import-back" onClick={() => void runPreview(file, options(preview))}>
            {t("transfer.backToPreview")}
          </button>
        </div>
      </>
    );
  }

  return (
    // A click beside the dialog closes it, as Escape does for the keyboard.
    <div className="dialog-backdrop" role="presentation" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      {/* eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions -- keys from its controls bubble here: Escape closes */}
      <div
        ref={dialogRef}
        className="dialog import-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="import-dialog"
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            close();
          }
        }}
      >
        <h2 id={titleId} className="dialog-title">
          {t("transfer.importTitle")}
        </h2>
        <ol className="import-steps" aria-label={t("transfer.stepsLabel")}>
          {(["choose", "preview", "import"] as const).map((s, i) => {
            const current = step.kind === "choose" ? 0 : step.kind === "preview" || step.kind === "stopped" ? 1 : 2;
            return (
              <li key={s} className={i === current ? "is-current" : i < current ? "is-done" : undefined} aria-current={i === current ? "step" : undefined}>
                {t(`transfer.steps.${s}`)}
              </li>
            );
          })}
        </ol>
        {body}
        {error && (
          <p className="field-error" role="alert" data-testid="import-error">
            {t(`errors.${error.code}`)}
          </p>
        )}
      </div>
    </div>
  );
}
