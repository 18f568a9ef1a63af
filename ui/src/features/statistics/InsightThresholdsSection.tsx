import { type QueryKey, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { type AppError, commands, type InsightThresholds, type ReadIntervals, type Result } from "../../bindings";
import { Field, useSaveMutation } from "../../components/form";
import { LoadError } from "../../components/LoadError";
import { useToast } from "../../components/Toast";
import { unwrap } from "../../lib/errors";
import { statisticsKeys } from "./queryKeys";
import "./statistics.css";

type Props<T extends Record<string, number>> = {
  /** `statistics.<section>` holds the texts: title, help, one label per field, save, saved, invalid, loadError. */
  section: "thresholds" | "intervals";
  queryKey: QueryKey;
  load: () => Promise<Result<T, AppError>>;
  save: (values: T) => Promise<Result<T, AppError>>;
  fields: readonly (keyof T & string)[];
  /** Each field's label. */
  label: (field: keyof T & string) => string;
};

/** Settings made of whole numbers, each checked by the store, which names the one out of range. */
function NumberSettingsSection<T extends Record<string, number>>({ section, queryKey, load, save: saveValues, fields, label }: Props<T>) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { showToast } = useToast();
  const saved = useQuery({ queryKey, queryFn: async () => unwrap(await load()) });
  const [typed, setTyped] = useState<Partial<Record<keyof T, string>>>({});
  const [error, setError] = useState<AppError | null>(null);
  const save = useSaveMutation({
    save: (values: T) => saveValues(values),
    onSaved: (values: T) => queryClient.setQueryData(queryKey, values),
  });

  if (saved.isError) return <LoadError title={t(`statistics.${section}.loadError`)} error={saved.error} onRetry={() => void saved.refetch()} testId={`${section}-error`} />;
  const current = saved.data;
  const value = (field: keyof T & string) => typed[field] ?? (current ? String(current[field]) : "");
  const dirty = Object.keys(typed).length > 0;
  const badFields = new Set(error?.fields.map((f) => f.field) ?? []);

  async function submit() {
    if (!current || !dirty) return;
    const next: Record<string, number> = { ...current };
    const wrong: { field: string; code: "invalid" }[] = [];
    for (const field of fields) {
      const text = value(field).trim();
      const n = Number(text);
      if (text === "" || !Number.isInteger(n) || n < 0) wrong.push({ field, code: "invalid" });
      else next[field] = n;
    }
    if (wrong.length > 0) {
      setError({ code: "validation", message: "", fields: wrong });
      return;
    }
    setError(null);
    const outcome = await save.run(next as T);
    if (!outcome) return;
    if (outcome.ok) {
      setTyped({});
      showToast(t(`statistics.${section}.saved`));
    } else setError(outcome.error);
  }

  return (
    <form
      className="card form-section"
      data-testid={`${section}-settings`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 className="section-title">{t(`statistics.${section}.title`)}</h2>
      <p className="hint">{t(`statistics.${section}.help`)}</p>
      <div className="stats-thresholds-grid">
        {fields.map((field) => (
          <Field
            key={field}
            id={`${section}-${field}`}
            name={field}
            className="field-narrow"
            label={label(field)}
            error={badFields.has(field) ? t(`statistics.${section}.invalid`) : undefined}
          >
            {(control) => (
              <input
                {...control}
                type="number"
                inputMode="numeric"
                min={0}
                step={1}
                value={value(field)}
                disabled={!current}
                onChange={(e) => {
                  setTyped((old) => ({ ...old, [field]: e.target.value }));
                  setError(null);
                }}
              />
            )}
          </Field>
        ))}
      </div>
      <div className="form-actions-end">
        <button type="submit" className="btn btn-primary" data-testid={`${section}-save`} disabled={!dirty || save.pending}>
          {t(`statistics.${section}.save`)}
        </button>
      </div>
    </form>
  );
}

const THRESHOLD_FIELDS: readonly (keyof InsightThresholds)[] = [
  "staleDays",
  "manyViews",
  "minFavoriteRatePct",
  "manyFavorites",
  "lowOfferPct",
  "relistAfterDays",
  "aboveMedianPct",
  "minSimilarSales",
];

const INTERVAL_FIELDS: readonly (keyof ReadIntervals)[] = ["readStatisticsMinutes", "importOrdersMinutes", "importInboxMinutes", "readNotificationsMinutes"];

/** Settings: the thresholds of the listings' insights. */
export function InsightThresholdsSection() {
  const { t } = useTranslation();
  return (
    <NumberSettingsSection
      section="thresholds"
      queryKey={statisticsKeys.thresholds}
      load={commands.getInsightThresholds}
      save={commands.setInsightThresholds}
      fields={THRESHOLD_FIELDS}
      label={(field) => t(`statistics.thresholds.${field}`)}
    />
  );
}

/** Settings: how often each account's scheduled reads run (statistics, orders, inbox, notifications). */
export function ReadIntervalsSection() {
  const { t } = useTranslation();
  return (
    <NumberSettingsSection
      section="intervals"
      queryKey={statisticsKeys.intervals}
      load={commands.getReadIntervals}
      save={commands.setReadIntervals}
      fields={INTERVAL_FIELDS}
      label={(field) => t(`statistics.intervals.${field}`)}
    />
  );
}
