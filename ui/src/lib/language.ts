import type { LanguagePref } from "../bindings";

export const UI_LANGUAGES = ["fr", "en"] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];
export const DEFAULT_LANGUAGE: UiLanguage = "fr";

/**
 * The language the UI should use: the explicit preference, or for "system"
 * English when the OS locale is English and French otherwise.
 */
export function resolveLanguage(pref: LanguagePref | null | undefined, systemLanguage: string | null | undefined): UiLanguage {
  if (pref === "fr" || pref === "en") return pref;
  const sys = (systemLanguage ?? "").trim().toLowerCase();
  return sys.startsWith("en") ? "en" : DEFAULT_LANGUAGE;
}
