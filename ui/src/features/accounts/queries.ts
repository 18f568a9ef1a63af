import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { commands, type ProxyConfirmation } from "../../bindings";
import { unwrap } from "../../lib/errors";
import { dashboardKeys } from "../dashboard/queryKeys";
import { inventoryKeys } from "../inventory/queryKeys";
import { orderKeys } from "../orders/queryKeys";
import { accountKeys } from "./queryKeys";

/**
 * After an account was written: the accounts list (and every filter that offers the accounts).
 * A deleted account also leaves its orders and items without an account.
 */
export async function afterAccountWrite(queryClient: QueryClient, options?: { deleted?: boolean }) {
  const keys: (readonly unknown[])[] = [accountKeys.all];
  if (options?.deleted) keys.push(orderKeys.all, dashboardKeys.all, inventoryKeys.all, inventoryKeys.details, orderKeys.details);
  await Promise.all(keys.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
}

export function useProxyConfirmations() {
  return useQuery({
    queryKey: accountKeys.proxyConfirmations,
    queryFn: async () => unwrap(await commands.accountsAwaitingProxyConfirmation()),
  });
}

/** "Confirm the proxy": its password may go to it again; answers the accounts still awaiting. */
export function useConfirmProxy() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => unwrap(await commands.confirmAccountProxy(id)),
    onSuccess: (awaiting: ProxyConfirmation[]) => queryClient.setQueryData(accountKeys.proxyConfirmations, awaiting),
  });
}
