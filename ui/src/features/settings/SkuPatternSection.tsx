import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands } from "../../bindings";
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
  const save = useMutation({
    mutationFn: async (value: string) => unwrap(await commands.setSkuPattern(value)),
    onSuccess: (saved) => {
      queryClient.setQueryData(settingsKeys.skuSettings, saved);
      setTyped(null);
    },
  });

  const invalid = (typed !== null && preview.isError) || save.isError;
  const next = typed === null ? settings.data?.next : preview.data;
  const error = save.error ?? preview.error;
  const fieldCode = error ? normalizeAppError(error).fields[0]?.code : undefined;

  return (
    <form
      className="card form-section"
      data-testid="sku-settings"
      onSubmit={(e) => {
        e.preventDefault();
        if (typed !== null) save.mutate(typed);
      }}
    >
      <h2 className="section-title">{t("skuSettings.title")}</h2>
      <div className="field field-narrow">
        <label htmlFor={id}>{t("skuSettings.pattern")}</label>
        <input
          id={id}
          type="text"
          data-testid="sku-pattern"
          value={pattern}
          spellCheck={false}
          autoComplete="off"
          maxLength={40}
          aria-invalid={invalid || undefined}
          aria-describedby={`${id}-hint`}
          onChange={(e) => setTyped(e.target.value)}
        />
        <p id={`${id}-hint`} className={invalid ? "field-error" : "hint"} data-testid="sku-preview">
          {invalid
            ? t(fieldCode === "required" ? "fieldErrors.required" : "skuSettings.invalid")
            : next
              ? t("skuSettings.next", { sku: next })
              : ""}
        </p>
        <p className="hint">{t("skuSettings.help")}</p>
      </div>
      <div className="form-actions-end">
        <button type="submit" className="btn btn-primary" data-testid="sku-pattern-save" disabled={typed === null || save.isPending || invalid}>
          {t("skuSettings.save")}
        </button>
      </div>
    </form>
  );
}
