import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { type AppError, commands, type SkuSettings } from "../../bindings";
import { Field, useSaveMutation } from "../../components/form";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { useDebouncedValue } from "../../lib/useDebouncedValue";
import { settingsKeys } from "./queryKeys";

/** Settings: the pattern new products' SKUs are generated from, with a preview of the next one. */
export function SkuPatternSection() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const id = useId();
  const settings = useQuery({ queryKey: settingsKeys.skuSettings, queryFn: async () => unwrap(await commands.getSkuSettings()) });
  const [typed, setTyped] = useState<string | null>(null);
  const pattern = typed ?? settings.data?.pattern ?? "";
  const debounced = useDebouncedValue(pattern, 200);
  const preview = useQuery({
    queryKey: settingsKeys.skuPreview(debounced),
    queryFn: async () => unwrap(await commands.previewSkuPattern(debounced)),
    enabled: typed !== null && debounced.trim() !== "",
    retry: false,
  });
  const save = useSaveMutation({
    save: (value: string) => commands.setSkuPattern(value),
    onSaved: (saved: SkuSettings) => queryClient.setQueryData(settingsKeys.skuSettings, saved),
  });
  // Every refusal of the save is about the pattern, so it shows under the field (there is no banner).
  const [saveError, setSaveError] = useState<AppError | null>(null);

  async function submit() {
    if (typed === null) return;
    setSaveError(null);
    const outcome = await save.run(typed);
    if (!outcome) return;
    if (outcome.ok) setTyped(null);
    else setSaveError(outcome.error);
  }

  const invalid = (typed !== null && preview.isError) || saveError !== null;
  const next = typed === null ? settings.data?.next : preview.data;
  const error = saveError ?? (preview.error ? normalizeAppError(preview.error) : null);
  const fieldCode = error?.fields[0]?.code;

  return (
    <form
      className="card form-section"
      data-testid="sku-settings"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 className="section-title">{t("skuSettings.title")}</h2>
      <Field
        id={id}
        name="pattern"
        className="field-narrow"
        label={t("skuSettings.pattern")}
        errorReplacesHint
        hint={next ? t("skuSettings.next", { sku: next }) : ""}
        hintTestId="sku-preview"
        error={invalid ? t(fieldCode === "required" ? "fieldErrors.required" : "skuSettings.invalid") : undefined}
        errorTestId="sku-preview"
        footer={<p className="hint">{t("skuSettings.help")}</p>}
      >
        {(control) => (
          <input
            {...control}
            data-testid="sku-pattern"
            type="text"
            value={pattern}
            spellCheck={false}
            autoComplete="off"
            maxLength={40}
            onChange={(e) => {
              setTyped(e.target.value);
              // A refusal was about what was typed before: the new text gets its own preview.
              setSaveError(null);
            }}
          />
        )}
      </Field>
      <div className="form-actions-end">
        <button type="submit" className="btn btn-primary" data-testid="sku-pattern-save" disabled={typed === null || save.pending || invalid}>
          {t("skuSettings.save")}
        </button>
      </div>
    </form>
  );
}
