import type { FavoriteFilter, NotificationFilter } from "../../bindings";

/** Vinted's notifications, the favourites among them and their settings. */
export const notificationKeys = {
  all: ["vintedNotifications"] as const,
  list: (filter: NotificationFilter) => ["vintedNotifications", "list", filter] as const,
  favoriteItems: (accountId: string | null) => ["vintedNotifications", "favoriteItems", accountId] as const,
  favorites: (filter: FavoriteFilter) => ["vintedNotifications", "favorites", filter] as const,
  caps: ["outreachCaps"] as const,
  alertKinds: ["desktopAlertKinds"] as const,
};
