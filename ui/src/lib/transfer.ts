import type { CsvDelimiter, CsvEncoding, CsvField, CsvLanguage, ImportProgress, MappingIssueCode, RowErrorCode } from "../bindings";

// Records, so the compiler fails here when Rust adds a value the UI does not know.
const FIELDS = {
  sku: true,
  title: true,
  description: true,
  category: true,
  brand: true,
  condition: true,
  size: true,
  price: true,
  purchaseCost: true,
  quantity: true,
  packageSize: true,
  status: true,
  internalNotes: true,
  materials: true,
  colors: true,
  createdAt: true,
} satisfies Record<CsvField, true>;
/** Every product field a file column can fill, in the order the mapping select lists them. */
export const CSV_FIELDS = Object.keys(FIELDS) as CsvField[];

const ROW_ERRORS = {
  required: true,
  tooLong: true,
  invalidNumber: true,
  ambiguousNumber: true,
  negative: true,
  tooManyDecimals: true,
  tooLarge: true,
  unknownValue: true,
  invalid: true,
  duplicateSkuInFile: true,
  skuExists: true,
  wrongFieldCount: true,
  invalidDate: true,
  futureDate: true,
} satisfies Record<RowErrorCode, true>;
export const ROW_ERROR_CODES = Object.keys(ROW_ERRORS) as RowErrorCode[];

const MAPPING_ISSUES = { wrongLength: true, duplicateField: true, missingTitle: true } satisfies Record<MappingIssueCode, true>;
export const MAPPING_ISSUE_CODES = Object.keys(MAPPING_ISSUES) as MappingIssueCode[];

const ENCODINGS = { "utf-8": true, "utf-16le": true, "utf-16be": true, "windows-1252": true } satisfies Record<CsvEncoding, true>;
export const CSV_ENCODINGS = Object.keys(ENCODINGS) as CsvEncoding[];

const DELIMITERS = { comma: true, semicolon: true, tab: true } satisfies Record<CsvDelimiter, true>;
export const CSV_DELIMITERS = Object.keys(DELIMITERS) as CsvDelimiter[];

/** The value of the mapping select that ignores a column. */
export const IGNORE_COLUMN = "";

/** The mapping select's value for a column, and back. */
export function mappingValue(field: CsvField | null): string {
  return field ?? IGNORE_COLUMN;
}

export function parseMappingValue(value: string): CsvField | null {
  return (CSV_FIELDS as string[]).includes(value) ? (value as CsvField) : null;
}

/** A new mapping with column `index` set to `field` (another column that had it is ignored). */
export function remap(mapping: (CsvField | null)[], index: number, field: CsvField | null): (CsvField | null)[] {
  return mapping.map((current, i) => {
    if (i === index) return field;
    return field !== null && current === field ? null : current;
  });
}

/** Percent done of an import (0 before the first report). */
export function progressPercent(progress: ImportProgress | null): number {
  if (!progress || progress.total <= 0) return progress && progress.total === 0 ? 100 : 0;
  return Math.min(100, Math.round((progress.done / progress.total) * 100));
}

/** The export language for the UI language: French unless the UI is in English. */
export function csvLanguage(uiLanguage: string): CsvLanguage {
  return uiLanguage.toLowerCase().startsWith("en") ? "en" : "fr";
}

/** A local date as `YYYY-MM-DD` (what a date input holds). */
export function dateInputValue(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** True for a real `YYYY-MM-DD` day. */
export function isDay(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getFullYear() === Number(m[1]) && d.getMonth() === Number(m[2]) - 1 && d.getDate() === Number(m[3]);
}

/** The calendar year of `now`, as the first and last days (both included). */
export function currentYear(now: Date): { from: string; to: string } {
  const year = now.getFullYear();
  return { from: `${year}-01-01`, to: `${year}-12-31` };
}
