/**
 * Money helpers. Amounts are integer cents everywhere except in text inputs,
 * where the user types decimal euros. Parsing works on the string itself
 * (never through floating point), so "0,1" is exactly 10 cents.
 */

export type MoneyParseError = "required" | "invalid" | "negative" | "tooLarge";
export type MoneyParseResult = { ok: true; cents: number } | { ok: false; error: MoneyParseError };

// Spaces people (or Intl) put between thousands: normal, no-break, narrow no-break, thin.
const GROUP_SPACES = /[\u0020\u00a0\u202f\u2009]/g;
const MAX_INTEGER_DIGITS = 13; // 10^13 € in cents stays below Number.MAX_SAFE_INTEGER

/**
 * Parses a euro amount typed by the user into integer cents.
 * Accepts "12,50", "12.50", "12.5", "0,1", ",5", "1 234,56", "1.234,56", "1,234.56",
 * optionally with a leading or trailing "€". Rejects signs, more than 2 decimals
 * ("12,345" is ambiguous and rejected) and anything else.
 */
export function parseEuro(input: string): MoneyParseResult {
  let s = input.trim();
  if (s === "") return { ok: false, error: "required" };
  s = s.replace(/^€/, "").replace(/€$/, "").trim();
  if (s.startsWith("-") || s.startsWith("\u2212")) {
    // Report "negative" only for something that is otherwise a valid amount.
    const rest = parseEuro(s.slice(1));
    return rest.ok || rest.error === "tooLarge" ? { ok: false, error: "negative" } : { ok: false, error: "invalid" };
  }
  if (s.startsWith("+")) s = s.slice(1);
  if (s === "") return { ok: false, error: "invalid" };

  // The decimal separator is the last "," or "." (followed by at most 2 digits).
  let intPart = s;
  let fracPart = "";
  const lastSep = Math.max(s.lastIndexOf(","), s.lastIndexOf("."));
  if (lastSep !== -1) {
    const after = s.slice(lastSep + 1);
    if (/^\d{0,2}$/.test(after)) {
      intPart = s.slice(0, lastSep);
      fracPart = after;
    } else {
      // More than 2 digits after the last separator: either too many decimals or an
      // ambiguous thousands separator ("12,345"). Both are rejected.
      return { ok: false, error: "invalid" };
    }
  }

  const sepChar = lastSep !== -1 ? s[lastSep] : "";
  const otherSep = sepChar === "," ? "." : sepChar === "." ? "," : "";
  let digits: string;
  if (intPart === "") {
    if (fracPart === "") return { ok: false, error: "invalid" }; // "," or "." alone
    digits = "0";
  } else if (/^\d+$/.test(intPart)) {
    digits = intPart;
  } else {
    // Grouped thousands: spaces, or the punctuation mark not used as decimal separator.
    const grouping = otherSep
      ? new RegExp(`^\\d{1,3}(?:(?:[\\u0020\\u00a0\\u202f\\u2009]|\\${otherSep})\\d{3})+$`)
      : /^\d{1,3}(?:[\u0020\u00a0\u202f\u2009]\d{3})+$/;
    if (!grouping.test(intPart)) return { ok: false, error: "invalid" };
    const groupChars = new Set(intPart.replace(/\d/g, "").replace(GROUP_SPACES, " "));
    if (groupChars.size > 1) return { ok: false, error: "invalid" };
    digits = intPart.replace(/\D/g, "");
  }

  digits = digits.replace(/^0+(?=\d)/, "");
  if (digits.length > MAX_INTEGER_DIGITS) return { ok: false, error: "tooLarge" };
  const cents = Number(digits) * 100 + Number(fracPart.padEnd(2, "0") || "0");
  return { ok: true, cents };
}

/** Convenience form of {@link parseEuro}: integer cents, or null when the input is not a valid amount. */
export function parseEuroToCents(input: string): number | null {
  const r = parseEuro(input);
  return r.ok ? r.cents : null;
}

const formatters = new Map<string, Intl.NumberFormat>();

/** Formats integer cents as euros for display, in the UI language ("12,50 €" / "€12.50"). */
export function formatCents(cents: number, language: string): string {
  let f = formatters.get(language);
  if (!f) {
    f = new Intl.NumberFormat(language, { style: "currency", currency: "EUR" });
    formatters.set(language, f);
  }
  return f.format(cents / 100);
}

/** Cents to an editable input string without grouping: 1250 → "12,50" (fr) / "12.50" (en). */
export function centsToInput(cents: number, language: string): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(Math.trunc(cents));
  const sep = language.startsWith("fr") ? "," : ".";
  return `${sign}${Math.floor(abs / 100)}${sep}${String(abs % 100).padStart(2, "0")}`;
}
