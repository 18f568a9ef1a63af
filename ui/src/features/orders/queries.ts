import { useQuery, type QueryClient } from "@tanstack/react-query";
import type { TFunction } from "i18next";
import { commands, type Order } from "../../bindings";
import { unwrap } from "../../lib/errors";
import { isKnownStatus } from "../../lib/orderForm";

export const ORDERS_KEY = ["orders"] as const;
export const DASHBOARD_KEY = ["dashboard"] as const;
export const ACCOUNTS_KEY = ["sellerAccounts"] as const;

export const orderKey = (id: string) => ["order", id] as const;

/** The Vinted accounts, for the account filters and the order form. */
export function useSellerAccounts() {
  return useQuery({
    queryKey: ACCOUNTS_KEY,
    queryFn: async () => unwrap(await commands.listSellerAccounts()),
    staleTime: 60_000,
  });
}

/**
 * After an order was written: its own cache, and everything its books and stock movements change
 * (the orders list, the dashboard, the inventory's quantities and statuses).
 */
export async function afterOrderWrite(queryClient: QueryClient, order: Order) {
  queryClient.setQueryData(orderKey(order.id), order);
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: ORDERS_KEY }),
    queryClient.invalidateQueries({ queryKey: DASHBOARD_KEY }),
    queryClient.invalidateQueries({ queryKey: ["products"] }),
    queryClient.invalidateQueries({ queryKey: ["product"] }),
  ]);
}

/** An order status in the user's language; statuses from Vinted the app does not know stay as they are. */
export function statusLabel(t: TFunction, status: string): string {
  return isKnownStatus(status) ? t(`orders.statuses.${status}`) : status;
}
