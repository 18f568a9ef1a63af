import type { ListingFilter } from "../../bindings";

/** The imported Vinted listings' query keys: every page of the list under one root. */
export const listingKeys = {
  all: ["vintedListings"] as const,
  list: (filter: ListingFilter) => ["vintedListings", filter] as const,
};
