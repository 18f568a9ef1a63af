import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type PacingSettings, type SellerAccount } from "../../bindings";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { FormErrorBanner } from "../../components/FormErrorBanner";
import { LoadError } from "../../components/LoadError";
import { useToast } from "../../components/Toast";
import { EnumSelect, Field, reportSaveError, useFocusFirstInvalid, useFormBanner, useSaveMutation } from "../../components/form";
import { unwrap } from "../../lib/errors";
import {
  DEFAULT_PACING,
  buildPacing,
  isGapField,
  mapPacingServerErrors,
  pacingErrorKey,
  pacingValues,
  samePacingValues,
  type PacingErrors,
  type PacingField,
  type PacingValues,
} from "./pacingForm";
import { FormDialog } from "./FormDialog";
import { jobKeys } from "./queryKeys";

type Props = {
  accounts: readonly SellerAccount[];
  /** The account shown first. */
  initialAccountId: string;
  onClose: () => void;
};

/** What the form holds for one account: as loaded, and as typed. */
type Draft = { accountId: string; initial: PacingValues; values: PacingValues };

/** The groups of the form, in order. */
const GROUPS: readonly { key: "reads" | "writes" | "relists"; fields: readonly PacingField[] }[] = [
  { key: "reads", fields: ["readGapMinMs", "readGapMaxMs"] },
  { key: "writes", fields: ["writeGapMinMs", "writeGapMaxMs", "writesPerHour", "writesPerDay"] },
  { key: "relists", fields: ["relistsPerHour", "relistsPerDay"] },
];

/**
 * An account's pacing: how far apart its reads and writes go and how many writes an hour and a
 * day. Gaps are typed in seconds and stored in milliseconds.
 */
export function PacingDialog({ accounts, initialAccountId, onClose }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const queryClient = useQueryClient();
  const { showToast } = useToast();
  const [accountId, setAccountId] = useState(initialAccountId);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<PacingErrors>({});
  // A switch of account or a close asked while changes are unsaved: what to do once discarded.
  const [pendingLeave, setPendingLeave] = useState<{ kind: "close" } | { kind: "account"; id: string } | null>(null);
  const { banner, ref: bannerRef, show: showBanner, clear: clearBanner } = useFormBanner();
  const { ref: formRef, focusFirstInvalid } = useFocusFirstInvalid();

  const settings = useQuery({
    queryKey: jobKeys.pacingOf(accountId),
    queryFn: async () => unwrap(await commands.getPacingSettings(accountId)),
  });
  // The settings of the account just chosen fill the form once they are read.
  if (settings.data && draft?.accountId !== accountId) {
    const initial = pacingValues(settings.data, lang);
    setDraft({ accountId, initial, values: initial });
  }
  const current = draft?.accountId === accountId ? draft : null;
  const dirty = current !== null && !samePacingValues(current.values, current.initial);

  const save = useSaveMutation({
    save: (vars: { accountId: string; settings: PacingSettings }) => commands.setPacingSettings(vars.accountId, vars.settings),
    onSaved: (saved, vars) => queryClient.setQueryData(jobKeys.pacingOf(vars.accountId), saved),
  });
  const saving = save.pending;

  function leave(next: { kind: "close" } | { kind: "account"; id: string }) {
    if (next.kind === "close") onClose();
    else {
      setAccountId(next.id);
      setErrors({});
      clearBanner();
    }
  }

  function request(next: { kind: "close" } | { kind: "account"; id: string }) {
    if (saving) return;
    if (dirty) setPendingLeave(next);
    else leave(next);
  }

  function setValue(field: PacingField, value: string) {
    setDraft((d) => (d ? { ...d, values: { ...d.values, [field]: value } } : d));
    setErrors((e) => ({ ...e, [field]: undefined }));
  }

  async function submit() {
    if (!current || saving) return;
    const built = buildPacing(current.values);
    if (!built.ok) {
      setErrors(built.errors);
      clearBanner();
      focusFirstInvalid();
      return;
    }
    setErrors({});
    clearBanner();
    const outcome = await save.run({ accountId: current.accountId, settings: built.settings });
    if (!outcome) return;
    if (outcome.ok) {
      const name = accounts.find((a) => a.id === current.accountId)?.name ?? "";
      onClose();
      showToast(t("jobs.pacing.saved", { name }));
      return;
    }
    const { fields, unmapped } = mapPacingServerErrors(outcome.error);
    setErrors(fields);
    if (reportSaveError(outcome.error, { fieldCount: Object.keys(fields).length, unmapped }, showBanner)) focusFirstInvalid();
  }

  function control(field: PacingField) {
    const code = errors[field];
    const gap = isGapField(field);
    return (
      <Field
        key={field}
        id={`pacing-${field}`}
        name={field}
        label={t(`jobs.pacing.fields.${field}`)}
        error={code ? t(pacingErrorKey(field, code)) : undefined}
        className="field-narrow"
      >
        {(a) => (
          <div className="input-with-unit">
            <input
              {...a}
              type="text"
              inputMode={gap ? "decimal" : "numeric"}
              autoComplete="off"
              spellCheck={false}
              value={current?.values[field] ?? ""}
              disabled={!current || saving}
              onChange={(e) => setValue(field, e.target.value)}
            />
            <span className="input-unit" aria-hidden="true">
              {gap ? t("jobs.pacing.unitSeconds") : field.endsWith("PerHour") ? t("jobs.pacing.unitPerHour") : t("jobs.pacing.unitPerDay")}
            </span>
          </div>
        )}
      </Field>
    );
  }

  return (
    <>
      <FormDialog title={t("jobs.pacing.title")} testId="pacing-dialog" busy={saving} onClose={() => request({ kind: "close" })} className="pacing-dialog">
        <form
          ref={formRef}
          className="pacing-form"
          noValidate
          aria-busy={saving || settings.isFetching || undefined}
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <Field id="pacing-account" name="account" label={t("jobs.pacing.account")}>
            {(a) => (
              <EnumSelect
                {...a}
                values={accounts.map((acc) => acc.id)}
                value={accountId}
                label={(id) => accounts.find((acc) => acc.id === id)?.name ?? id}
                disabled={saving}
                onChange={(id) => {
                  if (id !== "" && id !== accountId) request({ kind: "account", id });
                }}
              />
            )}
          </Field>
          <p className="hint" data-testid="pacing-hint">
            {t("jobs.pacing.hint")}
          </p>
          {banner && <FormErrorBanner ref={bannerRef} banner={banner} testId="pacing-form-error" />}
          {settings.isError && !current && (
            <LoadError title={t("jobs.pacing.loadError")} error={settings.error} onRetry={() => void settings.refetch()} testId="pacing-load-error" />
          )}
          {!current && settings.isPending && (
            <p className="state-message" role="status" data-testid="pacing-loading">
              <span className="spinner" aria-hidden="true" /> {t("jobs.pacing.loading")}
            </p>
          )}
          {current &&
            GROUPS.map((group) => (
              <fieldset key={group.key} className="pacing-group">
                <legend>{t(`jobs.pacing.groups.${group.key}`)}</legend>
                <div className="field-row">{group.fields.map(control)}</div>
              </fieldset>
            ))}
          <div className="dialog-actions">
            <button
              type="button"
              className="btn btn-ghost-start"
              data-testid="pacing-defaults"
              disabled={!current || saving}
              onClick={() => {
                setDraft((d) => (d ? { ...d, values: pacingValues(DEFAULT_PACING, lang) } : d));
                setErrors({});
                clearBanner();
              }}
            >
              {t("jobs.pacing.defaults")}
            </button>
            <button type="button" className="btn" data-testid="pacing-cancel" disabled={saving} onClick={() => request({ kind: "close" })}>
              {t("form.cancel")}
            </button>
            <button type="submit" className="btn btn-primary" data-testid="pacing-save" disabled={!current || saving}>
              {saving ? t("form.saving") : t("jobs.pacing.save")}
            </button>
          </div>
        </form>
      </FormDialog>
      <ConfirmDialog
        open={pendingLeave !== null}
        title={t("discard.title")}
        text={t("discard.text")}
        confirmLabel={t("discard.confirm")}
        cancelLabel={t("discard.cancel")}
        testId="confirm-discard"
        danger
        onConfirm={() => {
          const next = pendingLeave;
          setPendingLeave(null);
          if (next) leave(next);
        }}
        onCancel={() => setPendingLeave(null)}
      />
    </>
  );
}
