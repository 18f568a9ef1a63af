import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { commands, type ProxyConfirmation } from "../../bindings";
import { unwrap } from "../../lib/errors";
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

/** The accounts whose proxy was changed on another device and awaits confirmation here. */
export const PROXY_CONFIRMATIONS_KEY = ["proxyConfirmations"] as const;

export function useProxyConfirmations() {
  return useQuery({
    queryKey: PROXY_CONFIRMATIONS_KEY,
    queryFn: async () => unwrap(await commands.accountsAwaitingProxyConfirmation()),
  });
}

/** "Confirm the proxy": its password may go to it again; answers the accounts still awaiting. */
export function useConfirmProxy() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => unwrap(await commands.confirmAccountProxy(id)),
    onSuccess: (awaiting: ProxyConfirmation[]) => queryClient.setQueryData(PROXY_CONFIRMATIONS_KEY, awaiting),
  });
}
