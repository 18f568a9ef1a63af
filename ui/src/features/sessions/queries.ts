import { Channel } from "@tauri-apps/api/core";
import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { commands, type SessionStatus } from "../../bindings";
import { unwrap } from "../../lib/errors";
import { accountKeys } from "../accounts/queryKeys";
import { sessionKeys } from "./queryKeys";

type Statuses = Record<string, SessionStatus>;

/** The session status of each account, kept current by the statuses the app pushes. */
export function useSessionStatuses(accountIds: string[]) {
  const queryClient = useQueryClient();
  useSessionWatch(queryClient);
  return useQuery({
    queryKey: sessionKeys.statuses(accountIds),
    queryFn: async (): Promise<Statuses> => {
      const statuses = unwrap(await commands.sessionStatuses(accountIds));
      return Object.fromEntries(statuses.map((s) => [s.accountId, s]));
    },
    enabled: accountIds.length > 0,
  });
}

/** One watch per window: every pushed status lands in every cached list of statuses. */
let watching = false;

function useSessionWatch(queryClient: QueryClient) {
  useEffect(() => {
    if (watching) return;
    watching = true;
    const channel = new Channel<SessionStatus>();
    channel.onmessage = (status) => {
      recordStatus(queryClient, status);
      // is_running, is_connected and last_session_start changed in the store too.
      void queryClient.invalidateQueries({ queryKey: accountKeys.all });
    };
    commands.watchSessions(channel).then(
      (result) => {
        if (result.status === "error") watching = false;
        // A change between the first read and the watch would otherwise be missed.
        else void queryClient.invalidateQueries({ queryKey: sessionKeys.all });
      },
      () => {
        watching = false;
      },
    );
  }, [queryClient]);
}

export function recordStatus(queryClient: QueryClient, status: SessionStatus) {
  let known = false;
  queryClient.setQueriesData<Statuses>({ queryKey: sessionKeys.all }, (old) => {
    if (!old || !(status.accountId in old)) return old;
    known = true;
    return { ...old, [status.accountId]: status };
  });
  // An account the cached lists do not hold yet (just created): read them again.
  if (!known) void queryClient.invalidateQueries({ queryKey: sessionKeys.all });
}

export function useStartSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (accountId: string) => unwrap(await commands.startSession(accountId)),
    onSuccess: (status) => recordStatus(queryClient, status),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionKeys.all }),
  });
}

export function useStopSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (accountId: string) => unwrap(await commands.stopSession(accountId)),
    onSuccess: (status) => recordStatus(queryClient, status),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionKeys.all }),
  });
}

/** For the tests: forget that this window already watches. */
export function resetSessionWatchForTests() {
  watching = false;
}
