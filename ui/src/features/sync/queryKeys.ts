/** The Sync area's query keys. */
export const syncKeys = {
  status: ["syncStatus"] as const,
};
