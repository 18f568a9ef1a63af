import type { ProductQuery } from "../../bindings";

/**
 * The inventory's query keys. Every list of products starts with `products`, so invalidating
 * `products` refreshes the list, its pages, the order form's item picker and the undo state; one
 * product's own cache is under `product`, apart, so the form is not refetched behind the user.
 */
export const inventoryKeys = {
  all: ["products"] as const,
  /** One page of the inventory list. */
  page: (query: Omit<ProductQuery, "limit" | "offset">, page: number) => ["products", query, page] as const,
  /** The order form's item search. */
  picker: (search: string) => ["products", "picker", search] as const,
  /** The first items a filter matches, by id (what "publish everything matching" sends). */
  selectionIds: (query: Omit<ProductQuery, "limit" | "offset"> | null, limit: number) => ["products", "selectionIds", query, limit] as const,
  canUndoBulkAction: ["products", "canUndoBulkAction"] as const,
  /** The values offered by the filters (categories, brands, …). */
  facets: ["productFacets"] as const,
  details: ["product"] as const,
  detail: (id: string | null) => ["product", id] as const,
};
