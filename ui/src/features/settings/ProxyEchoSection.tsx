import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { type AppError, commands, type ProxySettings } from "../../bindings";
import { Field, reportSaveError, useSaveMutation } from "../../components/form";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { settingsKeys } from "./queryKeys";

/**
 * Settings › Advanced: the address echo "Test the proxy" asks, through the proxy, for the
 * address it sees. An http:// URL; empty goes back to the default.
 */
export function ProxyEchoSection() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const id = useId();
  const settings = useQuery({ queryKey: settingsKeys.proxySettings, queryFn: async () => unwrap(await commands.getProxySettings()) });
  const [text, setText] = useState<string | null>(null);

  const save = useSaveMutation({
    save: (echoUrl: string) => commands.setProxySettings(echoUrl),
    onSaved: (saved: ProxySettings) => queryClient.setQueryData(settingsKeys.proxySettings, saved),
  });
  const [invalid, setInvalid] = useState(false);
  const [banner, setBanner] = useState<AppError | null>(null);

  async function runSave(echoUrl: string) {
    setInvalid(false);
    setBanner(null);
    const outcome = await save.run(echoUrl);
    if (!outcome) return;
    if (outcome.ok) {
      setText(null);
      return;
    }
    const { fields } = outcome.error;
    const onField = reportSaveError(
      outcome.error,
      { fieldCount: fields.filter((f) => f.field === "echoUrl").length, unmapped: fields.filter((f) => f.field !== "echoUrl") },
      (b) => setBanner(b.error),
    );
    setInvalid(onField);
  }

  const current = settings.data;
  const value = text ?? current?.echoUrl ?? "";
  const dirty = text !== null && text.trim() !== current?.echoUrl;
  const loadError = settings.error ? normalizeAppError(settings.error) : null;
  const appError = banner ?? (invalid ? null : loadError);

  function submit() {
    if (!current || !dirty) return;
    const url = value.trim();
    void runSave(url === current.defaultEchoUrl ? "" : url);
  }

  return (
    <form
      className="card form-section"
      data-testid="proxy-settings"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <h2 id={`${id}-title`} className="section-title">
        {t("settings.advanced")}
      </h2>
      <Field
        id={id}
        name="echoUrl"
        label={t("settings.proxyEchoUrl")}
        errorReplacesHint
        hint={t("settings.proxyEchoUrlHint", { url: current?.defaultEchoUrl ?? "" })}
        error={invalid ? t("settings.proxyEchoUrlInvalid") : undefined}
        errorTestId="settings-proxy-echo-url-error"
      >
        {(control) => (
          <input
            {...control}
            data-testid="settings-proxy-echo-url"
            type="text"
            inputMode="url"
            value={value}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => setText(e.target.value)}
          />
        )}
      </Field>
      <div className="form-actions-inline">
        <button type="submit" className="btn btn-primary" data-testid="settings-proxy-echo-save" disabled={!current || !dirty || save.pending}>
          {save.pending ? t("settings.saving") : t("settings.proxyEchoSave")}
        </button>
        {current && current.echoUrl !== current.defaultEchoUrl && (
          <button type="button" className="btn" data-testid="settings-proxy-echo-default" disabled={save.pending} onClick={() => void runSave("")}>
            {t("settings.proxyEchoDefault")}
          </button>
        )}
      </div>
      {appError && (
        <p className="field-error" role="alert" data-testid="proxy-settings-error">
          {t(`errors.${appError.code}`)}
        </p>
      )}
    </form>
  );
}
