import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import type { AppError, SkuSettings } from "../../bindings";
import { renderWithProviders } from "../../test/utils";
import { SkuPatternSection } from "./SkuPatternSection";

function fakeBackend() {
  let current: SkuSettings = { pattern: "SP-{n:6}", next: "SP-000001" };
  const saves: string[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const pattern = (payload as { pattern?: string } | undefined)?.pattern ?? "";
    if (cmd === "get_sku_settings") return current;
    if (cmd === "preview_sku_pattern") return pattern.replace("{n:6}", "000001");
    if (cmd === "set_sku_pattern") {
      saves.push(pattern);
      if (!pattern.includes("{n")) {
        throw { code: "validation", message: "no counter", fields: [{ field: "pattern", code: "invalid" }] } satisfies AppError;
      }
      current = { pattern, next: pattern.replace("{n:6}", "000001") };
      return current;
    }
    throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
  });
  return saves;
}

describe("Settings › SKU pattern", () => {
  it("a refused pattern is shown under the field until the user types again, then the corrected one saves", async () => {
    const saves = fakeBackend();
    renderWithProviders(<SkuPatternSection />);
    const user = userEvent.setup();
    const input = () => screen.getByTestId("sku-pattern") as HTMLInputElement;
    const save = () => screen.getByTestId("sku-pattern-save") as HTMLButtonElement;
    await waitFor(() => expect(input().value).toBe("SP-{n:6}"));

    await user.clear(input());
    await user.type(input(), "SP-");
    await waitFor(() => expect(save().disabled).toBe(false));
    await user.click(save());
    await waitFor(() => expect(input().getAttribute("aria-invalid")).toBe("true"));
    expect(save().disabled).toBe(true);

    await user.type(input(), "{{n:6}");
    await waitFor(() => expect(save().disabled).toBe(false));
    expect(input().getAttribute("aria-invalid")).toBeNull();
    await user.click(save());
    await waitFor(() => expect(saves).toEqual(["SP-", "SP-{n:6}"]));
  });
});
