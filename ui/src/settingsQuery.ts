import { commands } from "./bindings";
import { unwrap } from "./lib/errors";

export async function fetchSettings() {
  return unwrap(await commands.getSettings());
}
