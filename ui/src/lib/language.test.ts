import { describe, expect, it } from "vitest";
import { resolveLanguage } from "./language";

describe("resolveLanguage", () => {
  it("uses an explicit preference", () => {
    expect(resolveLanguage("fr", "en-US")).toBe("fr");
    expect(resolveLanguage("en", "fr-FR")).toBe("en");
  });

  it("follows the system language for 'system'", () => {
    expect(resolveLanguage("system", "en-US")).toBe("en");
    expect(resolveLanguage("system", "en")).toBe("en");
    expect(resolveLanguage("system", "EN-gb")).toBe("en");
    expect(resolveLanguage("system", "fr-FR")).toBe("fr");
    expect(resolveLanguage("system", "fr-BE")).toBe("fr");
  });

  it("falls back to French for other or missing system languages", () => {
    expect(resolveLanguage("system", "de-DE")).toBe("fr");
    expect(resolveLanguage("system", "")).toBe("fr");
    expect(resolveLanguage("system", null)).toBe("fr");
    expect(resolveLanguage(undefined, undefined)).toBe("fr");
  });
});
