import { describe, expect, it } from "vitest";
import { VINTED_BASE_URLS, avatarLetter, domainOf, parsePort, proxySummary, secretInput } from "./accountForm";

describe("accountForm", () => {
  it("offers Vinted's sites as base URLs", () => {
    for (const tld of ["fr", "be", "de", "es", "it", "nl", "pl", "pt", "co.uk", "at", "cz", "lt", "lu", "sk", "se", "fi", "dk", "ro", "hu", "hr", "gr", "ie", "com"]) {
      expect(VINTED_BASE_URLS).toContain(`https://www.vinted.${tld}`);
    }
    expect(domainOf("https://www.vinted.co.uk")).toBe("vinted.co.uk");
    expect(domainOf("http://localhost:8080/")).toBe("localhost:8080");
  });

  it("reads ports from 1 to 65535 only", () => {
    expect(parsePort(" 1080 ")).toBe(1080);
    expect(parsePort("65535")).toBe(65535);
    for (const bad of ["0", "65536", "-1", "8o", "1.5", ""]) expect(parsePort(bad), bad).toBeNull();
  });

  it("sums up a proxy without its password", () => {
    expect(proxySummary({ proxy: null })).toBeNull();
    expect(proxySummary({ proxy: { kind: "http", host: "p.example", port: 3128, user: "u" } })).toBe("http · p.example:3128");
    expect(proxySummary({ proxy: { kind: "socks5", host: "::1", port: 1080, user: null } })).toBe("socks5 · [::1]:1080");
  });

  it("takes the avatar, else the name's first letter", () => {
    expect(avatarLetter("z", "Marie")).toBe("z");
    expect(avatarLetter(null, " élodie")).toBe("É");
    expect(avatarLetter("", "")).toBe("?");
  });

  it("sends a password only when one was typed, and a removal only for a saved one", () => {
    expect(secretInput({ saved: false, mode: "set", value: "" })).toEqual({ kind: "keep" });
    expect(secretInput({ saved: false, mode: "set", value: "x" })).toEqual({ kind: "set", value: "x" });
    expect(secretInput({ saved: true, mode: "keep", value: "" })).toEqual({ kind: "keep" });
    expect(secretInput({ saved: true, mode: "set", value: "" })).toEqual({ kind: "keep" });
    expect(secretInput({ saved: true, mode: "clear", value: "" })).toEqual({ kind: "clear" });
    expect(secretInput({ saved: false, mode: "clear", value: "" })).toEqual({ kind: "keep" });
  });
});
