import { parseEuro } from "../../lib/money";

/** What can be asked of one listing on Vinted. */
export type ListingAction = "editPrice" | "hide" | "unhide" | "delete" | "relist";

export type ListingPriceError = "required" | "invalid" | "zero" | "tooLarge";

/**
 * A new price typed in euros ("12,50", "12.5", "12 €") as cents; Vinted takes no price of 0
 * or less, so neither is sent.
 */
export function parseListingPrice(input: string): { ok: true; cents: number } | { ok: false; error: ListingPriceError } {
  const parsed = parseEuro(input);
  if (!parsed.ok) {
    if (parsed.error === "negative") return { ok: false, error: "zero" };
    return { ok: false, error: parsed.error };
  }
  if (parsed.cents <= 0) return { ok: false, error: "zero" };
  return { ok: true, cents: parsed.cents };
}
