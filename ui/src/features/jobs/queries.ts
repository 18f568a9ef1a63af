import { Channel } from "@tauri-apps/api/core";
import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { commands, type Job, type JobFilter, type JobProgress, type JobState, type Page } from "../../bindings";
import { unwrap } from "../../lib/errors";
import { inboxKeys } from "../inbox/queryKeys";
import { inventoryKeys } from "../inventory/queryKeys";
import { listingKeys } from "../listings/queryKeys";
import { statisticsKeys } from "../statistics/queryKeys";
import { jobKeys } from "./queryKeys";

/** The states of a job that is not over: it may still run, so it can be cancelled. */
export const UNFINISHED_STATES: readonly JobState[] = ["queued", "running", "waiting", "needs_attention"];

export const JOB_STATES: readonly JobState[] = ["queued", "running", "waiting", "needs_attention", "done", "failed", "cancelled"];

export function isUnfinished(job: Pick<Job, "state">): boolean {
  return UNFINISHED_STATES.includes(job.state);
}

/** While a job may move, the list is read again now and then in case a push was missed. */
const UNFINISHED_REFRESH_MS = 15_000;

/** One page of the job queue, newest first, kept current by the pushed progress. */
export function useJobs(filter: JobFilter) {
  const queryClient = useQueryClient();
  useJobWatch(queryClient);
  return useQuery({
    queryKey: jobKeys.list(filter),
    queryFn: async () => unwrap(await commands.listJobs(filter)),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.items.some(isUnfinished) ? UNFINISHED_REFRESH_MS : false),
  });
}

/** One watch per window: each progress updates the cached job, then what a job changes is read again. */
let watching = false;

export function useJobWatch(queryClient: QueryClient) {
  useEffect(() => {
    if (watching) return;
    watching = true;
    const channel = new Channel<JobProgress>();
    channel.onmessage = (progress) => {
      recordProgress(queryClient, progress);
      void afterJobChange(queryClient);
    };
    commands.watchJobs(channel).then(
      (result) => {
        if (result.status === "error") watching = false;
        // A change between the first read and the watch would otherwise be missed.
        else void queryClient.invalidateQueries({ queryKey: jobKeys.all });
      },
      () => {
        watching = false;
      },
    );
  }, [queryClient]);
}

/** The pushed progress, at once in every cached page that holds the job. */
export function recordProgress(queryClient: QueryClient, progress: JobProgress) {
  queryClient.setQueriesData<Page<Job>>({ queryKey: jobKeys.all }, (old) => {
    if (!old || !old.items.some((job) => job.id === progress.jobId)) return old;
    return {
      ...old,
      items: old.items.map((job) => (job.id === progress.jobId ? { ...job, progressDone: progress.done, progressTotal: progress.total } : job)),
    };
  });
}

/**
 * A job moved: its state, the listings an import fills, the figures a statistics read records,
 * the items it creates, the inbox threads it reads or answers and the writes it records may all
 * have changed.
 */
export async function afterJobChange(queryClient: QueryClient) {
  await Promise.all(
    [jobKeys.all, jobKeys.audit, listingKeys.all, statisticsKeys.all, inventoryKeys.all, inboxKeys.all].map((queryKey) => queryClient.invalidateQueries({ queryKey })),
  );
}

export function useCancelJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (jobId: string) => unwrap(await commands.cancelJob(jobId)),
    onSettled: () => queryClient.invalidateQueries({ queryKey: jobKeys.all }),
  });
}

/** The person solved what paused the account: its jobs go on. Answers how many were waiting. */
export function useResumeAccountJobs() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (accountId: string) => unwrap(await commands.resumeAccountJobs(accountId)),
    onSettled: () => queryClient.invalidateQueries({ queryKey: jobKeys.all }),
  });
}

/** For the tests: forget that this window already watches. */
export function resetJobWatchForTests() {
  watching = false;
}
