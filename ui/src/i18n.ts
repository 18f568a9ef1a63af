import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./locales/en.json";
import fr from "./locales/fr.json";
import { DEFAULT_LANGUAGE, UI_LANGUAGES, type UiLanguage } from "./lib/language";

export const resources = {
  fr: { translation: fr },
  en: { translation: en },
} as const;

function syncHtmlLang(lng: string) {
  if (typeof document !== "undefined") document.documentElement.lang = lng;
}

i18n.on("languageChanged", syncHtmlLang);

void i18n.use(initReactI18next).init({
  resources,
  lng: DEFAULT_LANGUAGE,
  fallbackLng: DEFAULT_LANGUAGE,
  supportedLngs: [...UI_LANGUAGES],
  interpolation: { escapeValue: false }, // React escapes
  initAsync: false,
  returnNull: false,
});

syncHtmlLang(i18n.language);

export async function applyLanguage(lng: UiLanguage): Promise<void> {
  if (i18n.language !== lng) await i18n.changeLanguage(lng);
  syncHtmlLang(lng);
}

/** The current UI language as a BCP 47 tag usable with Intl. */
export function currentLanguage(): UiLanguage {
  return i18n.language === "en" ? "en" : "fr";
}

export default i18n;
