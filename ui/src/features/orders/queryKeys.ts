import type { OrderQuery, VintedOrderFilter } from "../../bindings";

/** The orders' query keys: the lists under `orders`, one order's own cache under `order`. */
export const orderKeys = {
  all: ["orders"] as const,
  list: (query: OrderQuery) => ["orders", query] as const,
  details: ["order"] as const,
  detail: (id: string) => ["order", id] as const,
};

/** The orders read from Vinted with what only Vinted gives (net payout, ship-by, label). */
export const vintedOrderKeys = {
  all: ["vintedOrders"] as const,
  list: (filter: VintedOrderFilter) => ["vintedOrders", filter] as const,
};
