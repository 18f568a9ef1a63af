import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { type AppError, commands, type ExportSettings, type ExportSettingsDraft } from "../../bindings";
import { Field, reportSaveError, useSaveMutation } from "../../components/form";
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

  const save = useSaveMutation({
    save: (draft: ExportSettingsDraft) => commands.setExportSettings(draft),
    onSaved: (saved: ExportSettings) => queryClient.setQueryData(transferKeys.exportSettings, saved),
  });
  const [dirInvalid, setDirInvalid] = useState(false);
  const [banner, setBanner] = useState<AppError | null>(null);

  async function runSave(draft: ExportSettingsDraft) {
    setDirInvalid(false);
    setBanner(null);
    const outcome = await save.run(draft);
    if (!outcome) return;
    if (outcome.ok) {
      setDirText(null);
      setNameText(null);
      return;
    }
    const { fields } = outcome.error;
    const onField = reportSaveError(
      outcome.error,
      { fieldCount: fields.filter((f) => f.field === "exportDir").length, unmapped: fields.filter((f) => f.field !== "exportDir") },
      (b) => setBanner(b.error),
    );
    setDirInvalid(onField);
  }

  const current = settings.data;
  const dirValue = dirText ?? current?.exportDir ?? "";
  const nameValue = nameText ?? current?.businessName ?? "";
  const dirty = dirText !== null || nameText !== null;
  const loadError = settings.error ? normalizeAppError(settings.error) : null;
  const appError = banner ?? (dirInvalid ? null : loadError);

  function submit() {
    if (!current || !dirty) return;
    const dir = dirValue.trim();
    void runSave({ exportDir: dir === current.defaultExportDir ? "" : dir, businessName: nameValue.trim() });
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
      <Field
        id={dirId}
        name="exportDir"
        label={t("transfer.exportDir")}
        errorReplacesHint
        hint={t("transfer.exportDirHint", { folder: current?.defaultExportDir ?? "" })}
        error={dirInvalid ? t("transfer.exportDirInvalid") : undefined}
      >
        {(control) => (
          <input
            {...control}
            data-testid="settings-export-dir"
            type="text"
            value={dirValue}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => setDirText(e.target.value)}
          />
        )}
      </Field>
      <Field id={nameId} name="businessName" label={t("transfer.businessName")} hint={t("transfer.businessNameHint")}>
        {(control) => (
          <input
            {...control}
            data-testid="settings-business-name"
            type="text"
            value={nameValue}
            maxLength={200}
            onChange={(e) => setNameText(e.target.value)}
          />
        )}
      </Field>
      <div className="form-actions-inline">
        <button type="submit" className="btn btn-primary" data-testid="settings-export-save" disabled={!current || !dirty || save.pending}>
          {save.pending ? t("settings.saving") : t("transfer.saveSettings")}
        </button>
        {current && current.exportDir !== current.defaultExportDir && (
          <button
            type="button"
            className="btn"
            data-testid="settings-export-dir-default"
            disabled={save.pending}
            onClick={() => void runSave({ exportDir: "", businessName: nameValue.trim() })}
          >
            {t("transfer.useDefaultDir")}
          </button>
        )}
      </div>
      {appError && (
        <p className="field-error" role="alert" data-testid="export-settings-error">
          {t(`errors.${appError.code}`)}
        </p>
      )}
    </form>
  );
}
