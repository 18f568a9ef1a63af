import { describe, expect, it } from "vitest";
import {
  OTHER_SITE,
  VINTED_BASE_URLS,
  accountErrorKey,
  accountValues,
  avatarLetter,
  buildAccountRequest,
  domainOf,
  emptyAccountValues,
  normalizeSiteAddress,
  parsePort,
  proxySummary,
  secretInput,
  siteAddressProblem,
} from "./accountForm";
import type { SellerAccount } from "../bindings";

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

  it("checks another site as the store does: any https host, plain http on this machine only", () => {
    // The store's own list (is_site_address in crates/store/src/accounts.rs).
    for (const ok of [
      "https://www.vinted.fr",
      "https://www.vinted.example",
      "https://vinted.new-domain.co:8443",
      "http://127.0.0.1:8080",
      "http://127.0.0.2",
      "http://localhost:3000",
      "http://[::1]:9000",
      // Spaces around and a trailing slash go, as the store trims them.
      " https://www.vinted.example/ ",
      "HTTPS://www.vinted.example",
    ]) {
      expect(siteAddressProblem(ok), ok).toBeNull();
    }
    const refused: [string, string][] = [
      ["http://www.vinted.fr", "siteHttpNotLocal"],
      ["http://192.168.1.10:8080", "siteHttpNotLocal"],
      ["http://10.0.0.1", "siteHttpNotLocal"],
      ["http://example.com", "siteHttpNotLocal"],
      ["http://[::2]", "siteHttpNotLocal"],
      ["ftp://www.vinted.fr", "siteScheme"],
      ["www.vinted.fr", "siteScheme"],
      ["javascript:alert(1)", "siteScheme"],
      ["https://", "siteHost"],
      ["https://user:pw@www.vinted.fr", "siteShape"],
      ["https://www.vinted.fr/path", "siteShape"],
      ["https://www.vinted.fr?x=1", "siteShape"],
      ["https://www.vinted.fr:0", "sitePort"],
      ["https://www.vinted.fr:99999", "sitePort"],
      ["https://www.vinted.fr:", "sitePort"],
      ["https://bad host.fr", "siteShape"],
      ["https://a..b", "siteHost"],
      ["https://[zz::1]", "siteHost"],
      ["http://127.0.0.01", "siteHttpNotLocal"],
      ["   ", "required"],
    ];
    for (const [url, problem] of refused) expect(siteAddressProblem(url), url).toBe(problem);
    expect(normalizeSiteAddress(" HTTP://localhost:3000// ")).toBe("http://localhost:3000");
  });

  it("puts a saved address that is not in the list under 'Other site…' and sends it back as typed", () => {
    const account = { vintedBaseUrl: "http://localhost:3000", proxy: null, name: "A" } as unknown as SellerAccount;
    const values = accountValues({ ...account, username: null, email: null, avatar: null, hasVintedPassword: false, hasProxyPassword: false, hasVncPassword: false });
    expect(values.site).toBe(OTHER_SITE);
    expect(values.otherSite).toBe("http://localhost:3000");
    const built = buildAccountRequest(values);
    expect(built.ok && built.draft.vintedBaseUrl).toBe("http://localhost:3000");

    const listed = buildAccountRequest({ ...emptyAccountValues(), name: "B", site: "https://www.vinted.de", otherSite: "ignored" });
    expect(listed.ok && listed.draft.vintedBaseUrl).toBe("https://www.vinted.de");
    const wrong = buildAccountRequest({ ...emptyAccountValues(), name: "C", site: OTHER_SITE, otherSite: "http://example.com" });
    expect(wrong.ok ? null : wrong.errors.vintedBaseUrl).toBe("siteHttpNotLocal");
    expect(accountErrorKey("vintedBaseUrl", "siteHttpNotLocal")).toBe("accounts.errors.site.siteHttpNotLocal");
    expect(accountErrorKey("vintedBaseUrl", "invalid")).toBe("accounts.errors.site.invalid");
    expect(accountErrorKey("name", "required")).toBe("fieldErrors.required");
  });
});
