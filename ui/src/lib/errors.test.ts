import { describe, expect, it } from "vitest";

import { normalizeAppError } from "./errors";

describe("normalizeAppError", () => {
  it("names the argument Tauri refused before the command ran", () => {
    const refused = "invalid args `draft` for command `create_product`: unknown variant `gone`, expected one of `draft`, `ready`";
    expect(normalizeAppError(refused)).toEqual({
      code: "validation",
      message: refused,
      fields: [{ field: "draft", code: "invalid" }],
    });
  });

  it("keeps an AppError as it came", () => {
    const error = { code: "duplicateSku", message: "SKU taken", fields: [{ field: "sku", code: "duplicate" }] };
    expect(normalizeAppError(error)).toEqual(error);
  });

  it("calls anything else internal", () => {
    expect(normalizeAppError(new Error("boom"))).toEqual({ code: "internal", message: "boom", fields: [] });
    expect(normalizeAppError(42)).toEqual({ code: "internal", message: "", fields: [] });
  });
});
