/** The Vinted accounts' query keys. */
export const accountKeys = {
  /** The accounts, as the accounts page, the order form and every account filter list them. */
  all: ["sellerAccounts"] as const,
  /** The accounts whose proxy was changed on another device and awaits confirmation here. */
  proxyConfirmations: ["proxyConfirmations"] as const,
};
