import type { Problem, ProblemCode, PublishPreview } from "../../bindings";

/** The most items one publish dialog previews and sends. */
export const MAX_PUBLISH_ITEMS = 50;

/** How many previews are asked of the app at once: each reads the store on its own thread. */
export const PREVIEW_CONCURRENCY = 3;

/** The item's fields a problem may name, each translated in `publish.fields`. */
export const PROBLEM_FIELDS = [
  "title",
  "description",
  "category",
  "brand",
  "size",
  "condition",
  "colors",
  "materials",
  "packageSize",
  "priceCents",
  "photos",
] as const;
export type ProblemField = (typeof PROBLEM_FIELDS)[number];

export const PROBLEM_CODES: readonly ProblemCode[] = [
  "required",
  "too_short",
  "too_long",
  "too_many",
  "too_low",
  "too_high",
  "not_found",
  "ambiguous",
  "missing_file",
  "not_loaded",
];

export function knownField(field: string): ProblemField | null {
  return (PROBLEM_FIELDS as readonly string[]).includes(field) ? (field as ProblemField) : null;
}

export function knownCode(code: string): ProblemCode | null {
  return (PROBLEM_CODES as readonly string[]).includes(code) ? (code as ProblemCode) : null;
}

/** What the create body says of the item itself: its title, price and photos in order. */
export type PreviewItem = { title: string; priceCents: number | null; photos: string[] };

/** Reads the create body a preview carries (`{item:{title, price (euros), assigned_photos[{file}]}}`), whatever its shape. */
export function previewItem(preview: Pick<PublishPreview, "payload">): PreviewItem {
  const payload = preview.payload;
  const item = typeof payload === "object" && payload !== null ? (payload as Record<string, unknown>).item : null;
  if (typeof item !== "object" || item === null) return { title: "", priceCents: null, photos: [] };
  const i = item as Record<string, unknown>;
  const price = typeof i.price === "number" && Number.isFinite(i.price) ? Math.round(i.price * 100) : null;
  const photos = Array.isArray(i.assigned_photos)
    ? i.assigned_photos.flatMap((p) => (typeof p === "object" && p !== null && typeof (p as Record<string, unknown>).file === "string" ? [(p as { file: string }).file] : []))
    : [];
  return { title: typeof i.title === "string" ? i.title : "", priceCents: price, photos };
}

/** The values a problem's message takes; the price limits arrive in cents. */
export function problemValues(problem: Problem, formatMoney: (cents: number) => string): { detail: string } {
  const detail = problem.detail ?? "";
  if (problem.field === "priceCents" && (problem.code === "too_low" || problem.code === "too_high") && /^\d+$/.test(detail)) {
    return { detail: formatMoney(Number(detail)) };
  }
  if (problem.code === "ambiguous") return { detail: detail.split(" | ").join(" ; ") };
  return { detail };
}

/** The problems said in words of their own; the others read "<field>: <what is wrong>". */
const SPECIFIC_PROBLEMS = {
  "category.required": true,
  "category.not_found": true,
  "category.ambiguous": true,
  "size.required": true,
  "photos.required": true,
  "photos.missing_file": true,
  "brand.not_found": true,
  "priceCents.too_low": true,
  "priceCents.too_high": true,
} as const;
export type SpecificProblem = keyof typeof SPECIFIC_PROBLEMS;

/** Which message tells the problem: one of its own, the generic one of its code, or its raw code (from a newer app). */
export type ProblemMessage =
  | { kind: "specific"; key: SpecificProblem }
  | { kind: "generic"; code: ProblemCode; field: ProblemField | null }
  | { kind: "unknown" };

export function problemMessage(problem: Pick<Problem, "field" | "code">): ProblemMessage {
  const specific = `${problem.field}.${problem.code}`;
  if (specific in SPECIFIC_PROBLEMS) return { kind: "specific", key: specific as SpecificProblem };
  const code = knownCode(problem.code);
  if (!code) return { kind: "unknown" };
  return { kind: "generic", code, field: knownField(problem.field) };
}
