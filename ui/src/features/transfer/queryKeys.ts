/** The import and export area's query keys. */
export const transferKeys = {
  exportSettings: ["exportSettings"] as const,
};
