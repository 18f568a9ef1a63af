import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { commands, type ConflictKeep, type ConflictView, type SignInInput, type SyncStatusView } from "../../bindings";
import { unwrap } from "../../lib/errors";
import { settingsKeys } from "../settings/queryKeys";
import { syncKeys } from "./queryKeys";


/** How often the Sync page reads the status again, so background rounds show up. */
export const SYNC_REFRESH_MS = 3000;

/**
 * The sync status, read again every few seconds while a page using it is open. When a round
 * finished (the last sync time moved), what the other areas show may have come from the server:
 * their caches are marked stale.
 */
export function useSyncStatus() {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: syncKeys.status,
    queryFn: async () => unwrap(await commands.syncStatus()),
    refetchInterval: SYNC_REFRESH_MS,
  });
  const lastSyncAt = query.data?.lastSyncAt;
  // `undefined` until the first status: the first one read is not a change.
  const seen = useRef<string | null | undefined>(undefined);
  useEffect(() => {
    if (lastSyncAt === undefined) return;
    const before = seen.current;
    seen.current = lastSyncAt;
    if (before !== undefined && before !== lastSyncAt) void afterSyncRound(queryClient);
  }, [lastSyncAt, queryClient]);
  return query;
}

/** What a round brought may change every area (items, orders, accounts…); not the device's own settings. */
const KEPT_ON_ROUND: readonly unknown[] = [syncKeys.status[0], settingsKeys.app[0]];

export async function afterSyncRound(queryClient: QueryClient) {
  await queryClient.invalidateQueries({ predicate: (query) => !KEPT_ON_ROUND.includes(query.queryKey[0]) });
}

function useStatusMutation<V>(run: (variables: V) => Promise<SyncStatusView>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: (status) => queryClient.setQueryData(syncKeys.status, status),
  });
}

export function useSyncSignIn() {
  return useStatusMutation(async (input: SignInInput) => unwrap(await commands.syncSignIn(input)));
}

export function useSyncSignOut() {
  return useStatusMutation<void>(async () => unwrap(await commands.syncSignOut()));
}

/** "Sync now": a failed round is recorded in the status too, so the status is read again either way. */
export function useSyncNow() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => unwrap(await commands.syncNow()),
    onSuccess: (status) => queryClient.setQueryData(syncKeys.status, status),
    onError: () => queryClient.invalidateQueries({ queryKey: syncKeys.status }),
  });
}

export function useResolveConflict() {
  return useStatusMutation(async (conflict: ConflictView) =>
    unwrap(await commands.resolveSyncConflict(conflict.table, conflict.id, conflict.column)),
  );
}

/** Which item keeps a conflict's value: "this" swaps the two items' values (it syncs), "other" changes nothing. */
export function useChooseConflictValue() {
  return useStatusMutation(async ({ conflict, keep }: { conflict: ConflictView; keep: ConflictKeep }) =>
    unwrap(await commands.chooseSyncConflictValue(conflict.table, conflict.id, conflict.column, keep)),
  );
}

/** Which conflict a row shows (the same row may clash on two columns). */
export const conflictKey = (conflict: Pick<ConflictView, "table" | "id" | "column">) => `${conflict.table}/${conflict.id}/${conflict.column}`;
