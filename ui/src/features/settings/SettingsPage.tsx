import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { commands, type LanguagePref, type Settings } from "../../bindings";
import { applyLanguage } from "../../i18n";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { resolveLanguage } from "../../lib/language";
import { settingsKeys } from "./queryKeys";
import { ExportSettingsSection } from "../transfer/ExportSettingsSection";
import { RegistersSection } from "../transfer/RegistersSection";
import { BackupSection } from "./BackupSection";
import { ProxyEchoSection } from "./ProxyEchoSection";
import { SkuPatternSection } from "./SkuPatternSection";

type Props = { settings: Settings | undefined };

export function SettingsPage({ settings }: Props) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();

  const mutation = useMutation({
    mutationFn: async (language: LanguagePref) => unwrap(await commands.setLanguage(language)),
    onSuccess: async (saved) => {
      queryClient.setQueryData(settingsKeys.app, saved);
      await applyLanguage(resolveLanguage(saved.language, saved.systemLanguage));
    },
  });

  const current: LanguagePref = mutation.isPending ? mutation.variables : (settings?.language ?? "system");

  return (
    <section className="settings" data-testid="settings" aria-labelledby="settings-title">
      <header className="page-header">
        <h1 id="settings-title" className="page-title">
          {t("settings.title")}
        </h1>
      </header>
      <div className="card form-section">
        <div className="field field-narrow">
          <label htmlFor="language-select">{t("settings.language")}</label>
          <select
            id="language-select"
            data-testid="language-select"
            value={current}
            disabled={mutation.isPending}
            aria-describedby="language-hint"
            onChange={(e) => mutation.mutate(e.target.value as LanguagePref)}
          >
            <option value="system">{t("settings.languageSystem")}</option>
            <option value="fr" lang="fr">
              {t("settings.languageFr")}
            </option>
            <option value="en" lang="en">
              {t("settings.languageEn")}
            </option>
          </select>
          <p id="language-hint" className="hint">
            {mutation.isPending ? t("settings.saving") : t("settings.languageHint")}
          </p>
          {mutation.isError && (
            <p className="field-error" role="alert" data-testid="settings-error">
              {t(`errors.${normalizeAppError(mutation.error).code}`)}
            </p>
          )}
        </div>
      </div>
      <SkuPatternSection />
      <BackupSection />
      <ExportSettingsSection />
      <RegistersSection />
      <ProxyEchoSection />
    </section>
  );
}
