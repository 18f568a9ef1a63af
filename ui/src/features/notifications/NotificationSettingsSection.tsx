import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { type AppError, commands, type DesktopAlertKinds, type OutreachCaps } from "../../bindings";
import { Field, useSaveMutation } from "../../components/form";
import { LoadError } from "../../components/LoadError";
import { useToast } from "../../components/Toast";
import { unwrap } from "../../lib/errors";
import { notificationKeys } from "./queryKeys";

const CAPS: readonly (keyof OutreachCaps)[] = ["perUserPerDay", "perItemPerDay", "perAccountPerDay"];
const KINDS: readonly (keyof DesktopAlertKinds)[] = ["sales", "messages", "offers"];

/** Settings: which new notifications raise a desktop notification, and the caps of messages to favouriters. */
export function NotificationSettingsSection() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { showToast } = useToast();
  const kinds = useQuery({ queryKey: notificationKeys.alertKinds, queryFn: async () => unwrap(await commands.getDesktopAlertKinds()) });
  const caps = useQuery({ queryKey: notificationKeys.caps, queryFn: async () => unwrap(await commands.getOutreachCaps()) });
  const [typed, setTyped] = useState<Partial<Record<keyof OutreachCaps, string>>>({});
  const [error, setError] = useState<AppError | null>(null);
  const saveKinds = useSaveMutation({
    save: (next: DesktopAlertKinds) => commands.setDesktopAlertKinds(next),
    onSaved: (next: DesktopAlertKinds) => queryClient.setQueryData(notificationKeys.alertKinds, next),
  });
  const saveCaps = useSaveMutation({
    save: (next: OutreachCaps) => commands.setOutreachCaps(next),
    onSaved: (next: OutreachCaps) => queryClient.setQueryData(notificationKeys.caps, next),
  });

  if (kinds.isError) return <LoadError title={t("notifications.settings.loadError")} error={kinds.error} onRetry={() => void kinds.refetch()} testId="notification-settings-error" />;
  if (caps.isError) return <LoadError title={t("notifications.settings.loadError")} error={caps.error} onRetry={() => void caps.refetch()} testId="notification-settings-error" />;
  const value = (field: keyof OutreachCaps) => typed[field] ?? (caps.data ? String(caps.data[field]) : "");
  const dirty = Object.keys(typed).length > 0;
  const badFields = new Set(error?.fields.map((f) => f.field) ?? []);

  async function toggle(kind: keyof DesktopAlertKinds, on: boolean) {
    if (!kinds.data) return;
    const outcome = await saveKinds.run({ ...kinds.data, [kind]: on });
    if (outcome && !outcome.ok) showToast(t(`errors.${outcome.error.code}`));
  }

  async function submitCaps() {
    if (!caps.data || !dirty) return;
    const next = { ...caps.data };
    const wrong: { field: string; code: "invalid" }[] = [];
    for (const field of CAPS) {
      const text = value(field).trim();
      const n = Number(text);
      if (text === "" || !Number.isInteger(n) || n < 0 || n > 50) wrong.push({ field, code: "invalid" });
      else next[field] = n;
    }
    if (wrong.length > 0) {
      setError({ code: "validation", message: "", fields: wrong });
      return;
    }
    setError(null);
    const outcome = await saveCaps.run(next);
    if (!outcome) return;
    if (outcome.ok) {
      setTyped({});
      showToast(t("notifications.settings.saved"));
    } else setError(outcome.error);
  }

  return (
    <div className="card form-section" data-testid="notification-settings">
      <h2 className="section-title">{t("notifications.settings.title")}</h2>
      <fieldset className="field">
        <legend>{t("notifications.settings.desktop")}</legend>
        {KINDS.map((kind) => (
          <label key={kind} className="checkbox">
            <input
              type="checkbox"
              data-testid={`desktop-alert-${kind}`}
              checked={kinds.data?.[kind] ?? true}
              disabled={!kinds.data || saveKinds.pending}
              onChange={(e) => void toggle(kind, e.target.checked)}
            />
            {t(`notifications.settings.kinds.${kind}`)}
          </label>
        ))}
      </fieldset>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submitCaps();
        }}
      >
        <h3>{t("notifications.settings.capsTitle")}</h3>
        <p className="hint">{t("notifications.settings.capsHelp")}</p>
        {CAPS.map((field) => (
          <Field
            key={field}
            id={`outreach-cap-${field}`}
            name={field}
            className="field-narrow"
            label={t(`notifications.settings.caps.${field}`)}
            error={badFields.has(field) ? t("notifications.settings.capInvalid") : undefined}
          >
            {(control) => (
              <input
                {...control}
                type="number"
                inputMode="numeric"
                min={0}
                max={50}
                step={1}
                data-testid={`outreach-cap-${field}`}
                value={value(field)}
                disabled={!caps.data}
                onChange={(e) => {
                  setTyped((old) => ({ ...old, [field]: e.target.value }));
                  setError(null);
                }}
              />
            )}
          </Field>
        ))}
        <div className="form-actions-end">
          <button type="submit" className="btn btn-primary" data-testid="outreach-caps-save" disabled={!dirty || saveCaps.pending}>
            {t("notifications.settings.save")}
          </button>
        </div>
      </form>
    </div>
  );
}
