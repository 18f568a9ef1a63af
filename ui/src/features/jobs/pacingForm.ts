import type { AppError, FieldError, PacingSettings } from "../../bindings";

/** The settings' fields, by the names the store reports errors on. */
export const PACING_FIELDS = [
  "readGapMinMs",
  "readGapMaxMs",
  "writeGapMinMs",
  "writeGapMaxMs",
  "writesPerHour",
  "writesPerDay",
  "relistsPerHour",
  "relistsPerDay",
] as const satisfies readonly (keyof PacingSettings)[];
export type PacingField = (typeof PACING_FIELDS)[number];

/** The gaps, stored in milliseconds and typed in seconds. */
export const GAP_FIELDS = ["readGapMinMs", "readGapMaxMs", "writeGapMinMs", "writeGapMaxMs"] as const satisfies readonly PacingField[];
export type GapField = (typeof GAP_FIELDS)[number];

export function isGapField(field: PacingField): field is GapField {
  return (GAP_FIELDS as readonly string[]).includes(field);
}

/** Each gap's minimum with its maximum; a minimum above its maximum is reported on the maximum, as the store does. */
const MIN_MAX: readonly [GapField, GapField][] = [
  ["readGapMinMs", "readGapMaxMs"],
  ["writeGapMinMs", "writeGapMaxMs"],
];

/**
 * The store's defaults (docs/VINTED.md "Pacing", what resellers and other tools report safe):
 * reads 1.5 to 4 s apart, writes 20 to 50 s apart, 40 writes an hour and 300 a day, 4 relists
 * an hour and 15 a day.
 */
export const DEFAULT_PACING: PacingSettings = {
  readGapMinMs: 1_500,
  readGapMaxMs: 4_000,
  writeGapMinMs: 20_000,
  writeGapMaxMs: 50_000,
  writesPerHour: 40,
  writesPerDay: 300,
  relistsPerHour: 4,
  relistsPerDay: 15,
};

/** The store's bounds: a gap of an hour at most, a cap of 10,000 at most. */
export const MAX_GAP_MS = 3_600_000;
export const MAX_CAP = 10_000;

/** The form as typed: gaps in seconds ("1,5"), caps as whole numbers. */
export type PacingValues = Record<PacingField, string>;

export type PacingErrorCode = "required" | "invalid" | "negative" | "zero" | "tooLarge" | "decimals" | "minAboveMax" | "zeroOrBelowMin" | "notWhole";
export type PacingErrors = Partial<Record<PacingField, PacingErrorCode>>;

/** Milliseconds as seconds, without trailing zeros, with the language's decimal mark: 1500 → "1,5" in French. */
export function secondsText(ms: number, lang: string): string {
  const whole = Math.trunc(ms / 1000);
  const rest = Math.abs(ms % 1000);
  if (rest === 0) return String(whole);
  const mark = lang.toLowerCase().startsWith("fr") ? "," : ".";
  return `${whole}${mark}${String(rest).padStart(3, "0").replace(/0+$/, "")}`;
}

/** Seconds typed with a comma or a point and up to 3 decimals, as whole milliseconds (read from the text, not through floating point). */
export function parseSeconds(text: string): { ok: true; ms: number } | { ok: false; code: PacingErrorCode } {
  const s = text.trim().replace(/\s+/g, "");
  if (s === "") return { ok: false, code: "required" };
  if (/^[-\u2212]\d/.test(s)) return { ok: false, code: "negative" };
  const m = /^(\d+)(?:[.,](\d*))?$/.exec(s);
  if (!m) return { ok: false, code: "invalid" };
  const decimals = m[2] ?? "";
  if (decimals.length > 3) return { ok: false, code: "decimals" };
  if (m[1].length > 7) return { ok: false, code: "tooLarge" };
  const ms = Number(m[1]) * 1000 + Number(decimals.padEnd(3, "0"));
  if (ms === 0) return { ok: false, code: "zero" };
  if (ms > MAX_GAP_MS) return { ok: false, code: "tooLarge" };
  return { ok: true, ms };
}

/** A cap: a whole number from 1 to {@link MAX_CAP}. */
export function parseCap(text: string): { ok: true; value: number } | { ok: false; code: PacingErrorCode } {
  const s = text.trim().replace(/\s+/g, "");
  if (s === "") return { ok: false, code: "required" };
  if (/^[-\u2212]\d/.test(s)) return { ok: false, code: "negative" };
  if (/^\d+[.,]\d+$/.test(s)) return { ok: false, code: "notWhole" };
  if (!/^\d+$/.test(s)) return { ok: false, code: "invalid" };
  if (s.length > 6) return { ok: false, code: "tooLarge" };
  const value = Number(s);
  if (value === 0) return { ok: false, code: "zero" };
  if (value > MAX_CAP) return { ok: false, code: "tooLarge" };
  return { ok: true, value };
}

export function pacingValues(settings: PacingSettings, lang: string): PacingValues {
  const values = {} as PacingValues;
  for (const field of PACING_FIELDS) values[field] = isGapField(field) ? secondsText(settings[field], lang) : String(settings[field]);
  return values;
}

export function samePacingValues(a: PacingValues, b: PacingValues): boolean {
  return PACING_FIELDS.every((field) => a[field] === b[field]);
}

/** Checks what was typed and turns it into the settings to send, or says what is wrong where. */
export function buildPacing(values: PacingValues): { ok: true; settings: PacingSettings } | { ok: false; errors: PacingErrors } {
  const errors: PacingErrors = {};
  const settings = { ...DEFAULT_PACING };
  for (const field of PACING_FIELDS) {
    const parsed = isGapField(field) ? parseSeconds(values[field]) : parseCap(values[field]);
    if (!parsed.ok) errors[field] = parsed.code;
    else settings[field] = "ms" in parsed ? parsed.ms : parsed.value;
  }
  for (const [min, max] of MIN_MAX) {
    if (!errors[min] && !errors[max] && settings[min] > settings[max]) errors[max] = "minAboveMax";
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, settings };
}

/** The store's field errors on the settings' fields; the others go to the banner. */
export function mapPacingServerErrors(error: AppError): { fields: PacingErrors; unmapped: FieldError[] } {
  const fields: PacingErrors = {};
  const unmapped: FieldError[] = [];
  for (const fe of error.fields ?? []) {
    if (!(PACING_FIELDS as readonly string[]).includes(fe.field)) {
      unmapped.push(fe);
      continue;
    }
    const field = fe.field as PacingField;
    // The store says "invalid" for a zero, and on a maximum below its minimum.
    let code: PacingErrorCode;
    if (fe.code === "invalid") code = field === "readGapMaxMs" || field === "writeGapMaxMs" ? "zeroOrBelowMin" : "zero";
    else if (fe.code === "negative" || fe.code === "tooLarge" || fe.code === "required") code = fe.code;
    else code = "invalid";
    if (!fields[field]) fields[field] = code;
  }
  return { fields, unmapped };
}

export type PacingErrorKey = `jobs.pacing.errors.${Exclude<PacingErrorCode, "tooLarge">}` | "jobs.pacing.errors.gapTooLarge" | "jobs.pacing.errors.capTooLarge";

/** The message of an error: gaps and caps say their own bounds. */
export function pacingErrorKey(field: PacingField, code: PacingErrorCode): PacingErrorKey {
  if (code === "tooLarge") return isGapField(field) ? "jobs.pacing.errors.gapTooLarge" : "jobs.pacing.errors.capTooLarge";
  return `jobs.pacing.errors.${code}`;
}
