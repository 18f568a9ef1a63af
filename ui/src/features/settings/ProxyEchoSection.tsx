import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands } from "../../bindings";
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

  const save = useMutation({
    mutationFn: async (echoUrl: string) => unwrap(await commands.setProxySettings(echoUrl)),
    onSuccess: (saved) => {
      queryClient.setQueryData(settingsKeys.proxySettings, saved);
      setText(null);
    },
  });

  const current = settings.data;
  const value = text ?? current?.echoUrl ?? "";
  const dirty = text !== null && text.trim() !== current?.echoUrl;
  const error = save.error ?? settings.error;
  const appError = error ? normalizeAppError(error) : null;
  const invalid = appError?.fields.some((f) => f.field === "echoUrl") ?? false;

  function submit() {
    if (!current || !dirty) return;
    const url = value.trim();
    save.mutate(url === current.defaultEchoUrl ? "" : url);
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
      <div className="field">
        <label htmlFor={id}>{t("settings.proxyEchoUrl")}</label>
        <input
          id={id}
          type="text"
          inputMode="url"
          data-testid="settings-proxy-echo-url"
          value={value}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={invalid || undefined}
          aria-describedby={`${id}-hint`}
          onChange={(e) => setText(e.target.value)}
        />
        <p id={`${id}-hint`} className={invalid ? "field-error" : "hint"} data-testid={invalid ? "settings-proxy-echo-url-error" : undefined}>
          {invalid ? t("settings.proxyEchoUrlInvalid") : t("settings.proxyEchoUrlHint", { url: current?.defaultEchoUrl ?? "" })}
        </p>
      </div>
      <div className="form-actions-inline">
        <button type="submit" className="btn btn-primary" data-testid="settings-proxy-echo-save" disabled={!current || !dirty || save.isPending}>
          {save.isPending ? t("settings.saving") : t("settings.proxyEchoSave")}
        </button>
        {current && current.echoUrl !== current.defaultEchoUrl && (
          <button type="button" className="btn" data-testid="settings-proxy-echo-default" disabled={save.isPending} onClick={() => save.mutate("")}>
            {t("settings.proxyEchoDefault")}
          </button>
        )}
      </div>
      {appError && !invalid && (
        <p className="field-error" role="alert" data-testid="proxy-settings-error">
          {t(`errors.${appError.code}`)}
        </p>
      )}
    </form>
  );
}
