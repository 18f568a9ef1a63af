import type { ConversationFilter } from "../../bindings";

/** The inbox's query keys: every page of the list and every thread under one root. */
export const inboxKeys = {
  all: ["inbox"] as const,
  list: (filter: ConversationFilter) => ["inbox", "list", filter] as const,
  thread: (id: string) => ["inbox", "thread", id] as const,
  templates: ["inbox", "templates"] as const,
};
