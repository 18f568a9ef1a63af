import { useQuery, type QueryClient } from "@tanstack/react-query";
import type { TFunction } from "i18next";
import { commands, type Order } from "../../bindings";
import { unwrap } from "../../lib/errors";
import { isKnownStatus } from "../../lib/orderForm";
import { accountKeys } from "../accounts/queryKeys";
import { dashboardKeys } from "../dashboard/queryKeys";
import { inventoryKeys } from "../inventory/queryKeys";
import { orderKeys, vintedOrderKeys } from "./queryKeys";

/** The Vinted accounts, for the account filters and the order form. */
export function useSellerAccounts() {
  return useQuery({
    queryKey: accountKeys.all,
    queryFn: async () => unwrap(await commands.listSellerAccounts()),
    staleTime: 60_000,
  });
}

/**
 * After an order was written: its own cache, and everything its books and stock movements change
 * (the orders list, the dashboard, the inventory's quantities and statuses).
 */
export async function afterOrderWrite(queryClient: QueryClient, order: Order) {
  queryClient.setQueryData(orderKeys.detail(order.id), order);
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: orderKeys.all }),
    queryClient.invalidateQueries({ queryKey: vintedOrderKeys.all }),
    queryClient.invalidateQueries({ queryKey: dashboardKeys.all }),
    queryClient.invalidateQueries({ queryKey: inventoryKeys.all }),
    queryClient.invalidateQueries({ queryKey: inventoryKeys.details }),
  ]);
}

/** An order status in the user's language; statuses from Vinted the app does not know stay as they are. */
export function statusLabel(t: TFunction, status: string): string {
  return isKnownStatus(status) ? t(`orders.statuses.${status}`) : status;
}
