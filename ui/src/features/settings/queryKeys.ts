/** The settings' query keys, one per group of settings the Settings page edits. */
export const settingsKeys = {
  /** The app's own settings (language, …), read once at start. */
  app: ["settings"] as const,
  backups: ["backups"] as const,
  backupSettings: ["backupSettings"] as const,
  skuSettings: ["skuSettings"] as const,
  skuPreview: (pattern: string) => ["skuPreview", pattern] as const,
  proxySettings: ["proxySettings"] as const,
};
