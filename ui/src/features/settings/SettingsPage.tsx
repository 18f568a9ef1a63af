import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { type AppError, commands, type LanguagePref, type Settings } from "../../bindings";
import { EnumSelect, Field, reportSaveError, useSaveMutation } from "../../components/form";
import { applyLanguage } from "../../i18n";
import { resolveLanguage } from "../../lib/language";
import { settingsKeys } from "./queryKeys";
import { ExportSettingsSection } from "../transfer/ExportSettingsSection";
import { RegistersSection } from "../transfer/RegistersSection";
import { BackupSection } from "./BackupSection";
import { ProxyEchoSection } from "./ProxyEchoSection";
import { SkuPatternSection } from "./SkuPatternSection";
import { InsightThresholdsSection, ReadIntervalsSection } from "../statistics/InsightThresholdsSection";
import { NotificationSettingsSection } from "../notifications/NotificationSettingsSection";

type Props = { settings: Settings | undefined };

const LANGUAGES: readonly LanguagePref[] = ["system", "fr", "en"];

export function SettingsPage({ settings }: Props) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();

  const save = useSaveMutation({
    save: (language: LanguagePref) => commands.setLanguage(language),
    onSaved: async (saved: Settings) => {
      queryClient.setQueryData(settingsKeys.app, saved);
      await applyLanguage(resolveLanguage(saved.language, saved.systemLanguage));
    },
  });
  // The language being saved shows as chosen until the save ends, then the saved one does.
  const [choosing, setChoosing] = useState<LanguagePref | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  async function chooseLanguage(language: LanguagePref) {
    setError(null);
    setChoosing(language);
    const outcome = await save.run(language);
    setChoosing(null);
    if (outcome && !outcome.ok) reportSaveError(outcome.error, { fieldCount: 0, unmapped: [] }, (banner) => setError(banner.error));
  }

  const current: LanguagePref = choosing ?? settings?.language ?? "system";
  const languageLabel = (language: LanguagePref) =>
    language === "fr" ? t("settings.languageFr") : language === "en" ? t("settings.languageEn") : t("settings.languageSystem");

  return (
    <section className="settings" data-testid="settings" aria-labelledby="settings-title">
      <header className="page-header">
        <h1 id="settings-title" className="page-title">
          {t("settings.title")}
        </h1>
      </header>
      <div className="card form-section">
        <Field
          id="language-select"
          name="language"
          className="field-narrow"
          label={t("settings.language")}
          hint={save.pending ? t("settings.saving") : t("settings.languageHint")}
          hintId="language-hint"
          footer={
            error && (
              <p className="field-error" role="alert" data-testid="settings-error">
                {t(`errors.${error.code}`)}
              </p>
            )
          }
        >
          {(control) => (
            <EnumSelect
              {...control}
              values={LANGUAGES}
              value={current}
              label={languageLabel}
              optionLang={(language) => (language === "system" ? undefined : language)}
              disabled={save.pending}
              onChange={(language) => {
                if (language !== "") void chooseLanguage(language);
              }}
            />
          )}
        </Field>
      </div>
      <SkuPatternSection />
      <InsightThresholdsSection />
      <ReadIntervalsSection />
      <NotificationSettingsSection />
      <BackupSection />
      <ExportSettingsSection />
      <RegistersSection />
      <ProxyEchoSection />
    </section>
  );
}
