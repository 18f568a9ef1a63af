import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { type AppError, type BackupFile, type BackupSettings, commands } from "../../bindings";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Field, reportSaveError, useSaveMutation } from "../../components/form";
import { useToast } from "../../components/Toast";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { settingsKeys } from "./queryKeys";

/** One-click backup, daily automatic backups, and restoring one of them (after confirmation). */
export function BackupSection() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const queryClient = useQueryClient();
  const { showToast } = useToast();
  const keepDaysId = useId();
  const [toRestore, setToRestore] = useState<BackupFile | null>(null);
  const [keepDaysText, setKeepDaysText] = useState<string | null>(null);
  const sizeFormat = useMemo(() => new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }), [lang]);
  const formatSize = (bytes: number) =>
    bytes >= 1024 * 1024
      ? t("backup.sizeMb", { value: sizeFormat.format(bytes / (1024 * 1024)) })
      : t("backup.sizeKb", { value: sizeFormat.format(Math.max(1, Math.round(bytes / 1024))) });
  const dateTime = useMemo(() => new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short" }), [lang]);

  const backups = useQuery({ queryKey: settingsKeys.backups, queryFn: async () => unwrap(await commands.listBackups()) });
  const settings = useQuery({ queryKey: settingsKeys.backupSettings, queryFn: async () => unwrap(await commands.getBackupSettings()) });

  const backupNow = useMutation({
    mutationFn: async () => unwrap(await commands.backupNow()),
    onSuccess: async (made) => {
      showToast(t("backup.done", { count: made.manifest.productCount }));
      await queryClient.invalidateQueries({ queryKey: settingsKeys.backups });
    },
  });

  const saveSettings = useSaveMutation({
    save: (next: BackupSettings) => commands.setBackupSettings(next),
    onSaved: (saved: BackupSettings) => queryClient.setQueryData(settingsKeys.backupSettings, saved),
  });
  const [saveError, setSaveError] = useState<AppError | null>(null);

  async function saveBackupSettings(next: BackupSettings) {
    setSaveError(null);
    const outcome = await saveSettings.run(next);
    if (!outcome) return;
    if (outcome.ok) setKeepDaysText(null);
    // No field here shows a refusal of the backend: all of it goes to the section's alert.
    else reportSaveError(outcome.error, { fieldCount: 0, unmapped: [] }, (banner) => setSaveError(banner.error));
  }

  const restore = useMutation({
    mutationFn: async (fileName: string) => unwrap(await commands.restoreBackup(fileName)),
    onSuccess: async (outcome) => {
      setToRestore(null);
      showToast(t("backup.restored", { count: outcome.manifest.productCount }));
      // Everything shown may have changed.
      await queryClient.invalidateQueries();
    },
  });

  const current = settings.data;
  const keepDaysValue = keepDaysText ?? String(current?.keepDays ?? "");

  function commitKeepDays() {
    if (!current || keepDaysText === null) return;
    const days = Number.parseInt(keepDaysText, 10);
    if (!Number.isInteger(days) || days < 1 || days > 3650 || String(days) !== keepDaysText.trim()) {
      setSaveError(null);
      return;
    }
    void saveBackupSettings({ ...current, keepDays: days });
  }
  const keepDaysInvalid =
    keepDaysText !== null && !/^\s*\d{1,4}\s*$/.test(keepDaysText) ? true : keepDaysText !== null && (Number(keepDaysText) < 1 || Number(keepDaysText) > 3650);

  const error = backupNow.error ?? saveError ?? restore.error ?? backups.error ?? settings.error;

  return (
    <div className="card form-section" data-testid="backups">
      <h2 className="section-title">{t("backup.title")}</h2>
      <p className="hint">{t("backup.intro")}</p>
      <div className="form-actions-inline">
        <button
          type="button"
          className="btn btn-primary"
          data-testid="backup-now"
          disabled={backupNow.isPending}
          onClick={() => backupNow.mutate()}
        >
          {backupNow.isPending ? t("backup.working") : t("backup.now")}
        </button>
      </div>

      {current && (
        <div className="field-row">
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid="backup-auto"
              checked={current.autoDaily}
              disabled={saveSettings.pending}
              onChange={(e) => void saveBackupSettings({ ...current, autoDaily: e.target.checked })}
            />
            {t("backup.autoDaily")}
          </label>
          <Field
            id={keepDaysId}
            name="keepDays"
            className="field-narrow"
            label={t("backup.keepDays")}
            errorReplacesHint
            hint={t("backup.keepDaysHint")}
            error={keepDaysInvalid ? t("backup.keepDaysInvalid") : undefined}
          >
            {(control) => (
              <input
                {...control}
                data-testid="backup-keep-days"
                inputMode="numeric"
                value={keepDaysValue}
                onChange={(e) => setKeepDaysText(e.target.value)}
                onBlur={commitKeepDays}
                onKeyDown={(e) => {
                  if (e.key === "Enter") commitKeepDays();
                }}
              />
            )}
          </Field>
        </div>
      )}

      {error && (
        <p className="field-error" role="alert" data-testid="backup-error">
          {t(`errors.${normalizeAppError(error).code}`)}
        </p>
      )}

      <h3 className="subsection-title">{t("backup.listTitle")}</h3>
      {backups.data && backups.data.length === 0 && <p className="hint">{t("backup.none")}</p>}
      {backups.data && backups.data.length > 0 && (
        <ul className="backup-list">
          {backups.data.map((file) => (
            <li key={file.fileName} className="backup-item" data-testid="backup-item" data-file={file.fileName}>
              <span>
                <strong>{dateTime.format(new Date(file.modifiedAt))}</strong>{" "}
                <span
                  className={file.kind === "manual" ? "badge badge-ready" : "badge"}
                  data-testid="backup-kind"
                  data-kind={file.kind}
                >
                  {t(`backup.kinds.${file.kind}`)}
                </span>
                <span className="muted"> · {formatSize(file.sizeBytes)}</span>
              </span>
              <button
                type="button"
                className="btn btn-small"
                data-testid="backup-restore"
                disabled={restore.isPending}
                onClick={() => setToRestore(file)}
              >
                {t("backup.restore")}
              </button>
            </li>
          ))}
        </ul>
      )}

      <ConfirmDialog
        open={toRestore !== null}
        title={t("backup.confirmTitle")}
        text={toRestore ? t("backup.confirmText", { date: dateTime.format(new Date(toRestore.modifiedAt)) }) : ""}
        confirmLabel={t("backup.confirmRestore")}
        cancelLabel={t("backup.cancel")}
        testId="confirm-restore"
        danger
        busy={restore.isPending}
        onConfirm={() => toRestore && restore.mutate(toRestore.fileName)}
        onCancel={() => setToRestore(null)}
      />
    </div>
  );
}
