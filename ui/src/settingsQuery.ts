import { commands } from "./bindings";
import { unwrap } from "./lib/errors";

export const SETTINGS_QUERY_KEY = ["settings"] as const;

export async function fetchSettings() {
  return unwrap(await commands.getSettings());
}
