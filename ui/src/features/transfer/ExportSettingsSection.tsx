import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type ExportSettingsDraft } from "../../bindings";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { transferKeys } from "./queryKeys";


export async function fetchExportSettings() {
  return unwrap(await commands.getExportSettings());
}

/** Settings: where exports are written (a folder path typed as text) and the name on the registers. */
export function ExportSettingsSection() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const dirId = useId();
  const nameId = useId();
  const settings = useQuery({ queryKey: transferKeys.exportSettings, queryFn: fetchExportSettings });
  const [dirText, setDirText] = useState<string | null>(null);
  const [nameText, setNameText] = useState<string | null>(null);

  const save = useMutation({
    mutationFn: async (draft: ExportSettingsDraft) => unwrap(await commands.setExportSettings(draft)),
    onSuccess: (saved) => {
      queryClient.setQueryData(transferKeys.exportSettings, saved);
      setDirText(null);
      setNameText(null);
    },
  });

  const current = settings.data;
  const dirValue = dirText ?? current?.exportDir ?? "";
  const nameValue = nameText ?? current?.businessName ?? "";
  const dirty = dirText !== null || nameText !== null;
  const error = save.error ?? settings.error;
  const appError = error ? normalizeAppError(error) : null;
  const dirInvalid = appError?.fields.some((f) => f.field === "exportDir") ?? false;

  function submit() {
    if (!current || !dirty) return;
    const dir = dirValue.trim();
    save.mutate({ exportDir: dir === current.defaultExportDir ? "" : dir, businessName: nameValue.trim() });
  }

  return (
    <form
      className="card form-section"
      data-testid="export-settings"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <h2 className="section-title">{t("transfer.settingsTitle")}</h2>
      <div className="field">
        <label htmlFor={dirId}>{t("transfer.exportDir")}</label>
        <input
          id={dirId}
          type="text"
          data-testid="settings-export-dir"
          value={dirValue}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={dirInvalid || undefined}
          aria-describedby={`${dirId}-hint`}
          onChange={(e) => setDirText(e.target.value)}
        />
        <p id={`${dirId}-hint`} className={dirInvalid ? "field-error" : "hint"}>
          {dirInvalid ? t("transfer.exportDirInvalid") : t("transfer.exportDirHint", { folder: current?.defaultExportDir ?? "" })}
        </p>
      </div>
      <div className="field">
        <label htmlFor={nameId}>{t("transfer.businessName")}</label>
        <input
          id={nameId}
          type="text"
          data-testid="settings-business-name"
          value={nameValue}
          maxLength={200}
          aria-describedby={`${nameId}-hint`}
          onChange={(e) => setNameText(e.target.value)}
        />
        <p id={`${nameId}-hint`} className="hint">
          {t("transfer.businessNameHint")}
        </p>
      </div>
      <div className="form-actions-inline">
        <button type="submit" className="btn btn-primary" data-testid="settings-export-save" disabled={!current || !dirty || save.isPending}>
          {save.isPending ? t("settings.saving") : t("transfer.saveSettings")}
        </button>
        {current && current.exportDir !== current.defaultExportDir && (
          <button
            type="button"
            className="btn"
            data-testid="settings-export-dir-default"
            disabled={save.isPending}
            onClick={() => save.mutate({ exportDir: "", businessName: nameValue.trim() })}
          >
            {t("transfer.useDefaultDir")}
          </button>
        )}
      </div>
      {appError && !dirInvalid && (
        <p className="field-error" role="alert" data-testid="export-settings-error">
          {t(`errors.${appError.code}`)}
        </p>
      )}
    </form>
  );
}
