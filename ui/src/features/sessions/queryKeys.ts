/** The browser sessions' query keys: the statuses of a set of accounts. */
export const sessionKeys = {
  all: ["sessionStatuses"] as const,
  statuses: (accountIds: string[]) => ["sessionStatuses", accountIds] as const,
};
