/**
 * The publish dialog's query keys: each item's preview for one account, under one root, apart
 * from the inventory's (a preview is read from the cached reference data, not from the item
 * list, and is read again each time the dialog opens).
 */
export const publishKeys = {
  all: ["publishPreview"] as const,
  preview: (accountId: string, productId: string) => ["publishPreview", accountId, productId] as const,
};
