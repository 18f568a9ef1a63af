import type { QueryClient } from "@tanstack/react-query";
import { ACCOUNTS_KEY, DASHBOARD_KEY, ORDERS_KEY } from "../orders/queries";

/**
 * After an account was written: the accounts list (and every filter that offers the accounts).
 * A deleted account also leaves its orders and items without an account.
 */
export async function afterAccountWrite(queryClient: QueryClient, options?: { deleted?: boolean }) {
  const keys: (readonly unknown[])[] = [ACCOUNTS_KEY];
  if (options?.deleted) keys.push(ORDERS_KEY, DASHBOARD_KEY, ["products"], ["product"], ["order"]);
  await Promise.all(keys.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
}
