import { describe, expect, it } from "vitest";
import { moveItem, moveLeft, moveRight, removeAt } from "./reorder";

describe("reorder helpers", () => {
  const items = ["a", "b", "c", "d"];

  it("moves an item to a new index without mutating the input", () => {
    expect(moveItem(items, 0, 2)).toEqual(["b", "c", "a", "d"]);
    expect(moveItem(items, 3, 0)).toEqual(["d", "a", "b", "c"]);
    expect(items).toEqual(["a", "b", "c", "d"]);
  });

  it("clamps the target and ignores invalid sources", () => {
    expect(moveItem(items, 1, 99)).toEqual(["a", "c", "d", "b"]);
    expect(moveItem(items, 1, -5)).toEqual(["b", "a", "c", "d"]);
    expect(moveItem(items, 7, 0)).toEqual(items);
  });

  it("moves left and right, staying put at the edges", () => {
    expect(moveLeft(items, 2)).toEqual(["a", "c", "b", "d"]);
    expect(moveRight(items, 2)).toEqual(["a", "b", "d", "c"]);
    expect(moveLeft(items, 0)).toEqual(items);
    expect(moveRight(items, 3)).toEqual(items);
  });

  it("removes by index", () => {
    expect(removeAt(items, 1)).toEqual(["a", "c", "d"]);
    expect(removeAt(items, 9)).toEqual(items);
  });
});
