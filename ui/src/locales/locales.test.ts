import { describe, expect, it } from "vitest";
import en from "./en.json";
import fr from "./fr.json";

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out.set(key, v);
    else for (const [ck, cv] of flatten(v, key)) out.set(ck, cv);
  }
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe("locales", () => {
  const frKeys = flatten(fr as Tree);
  const enKeys = flatten(en as Tree);

  it("fr and en have exactly the same keys", () => {
    expect([...frKeys.keys()].sort()).toEqual([...enKeys.keys()].sort());
  });

  it("have no empty values", () => {
    for (const [lang, map] of [
      ["fr", frKeys],
      ["en", enKeys],
    ] as const) {
      for (const [key, value] of map) {
        expect(value.trim(), `${lang}: ${key}`).not.toBe("");
      }
    }
  });

  it("use the same interpolation variables in both languages", () => {
    for (const [key, value] of frKeys) {
      expect(placeholders(enKeys.get(key) ?? ""), key).toEqual(placeholders(value));
    }
  });
});
