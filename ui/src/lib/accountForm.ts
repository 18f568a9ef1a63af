import type { AccountDraft, AccountSecretsInput, AppError, FieldError, FieldErrorCode, ProxyTestInput, ProxyType, SecretInput, SellerAccount } from "../bindings";
import { charCount } from "./productForm";

/** Vinted's sites, by the end of their domain; stored as the account's base URL `https://www.vinted.<tld>`. */
export const VINTED_TLDS = [
  "fr",
  "be",
  "de",
  "es",
  "it",
  "nl",
  "pl",
  "pt",
  "co.uk",
  "at",
  "cz",
  "lt",
  "lu",
  "sk",
  "se",
  "fi",
  "dk",
  "ro",
  "hu",
  "hr",
  "gr",
  "ie",
  "com",
] as const;

export const DEFAULT_BASE_URL = "https://www.vinted.fr";

export function baseUrlOf(tld: string): string {
  return `https://www.vinted.${tld}`;
}

export const VINTED_BASE_URLS: readonly string[] = VINTED_TLDS.map(baseUrlOf);

/** The site select's last option, "Other site…": the address is then typed. */
export const OTHER_SITE = "other";

/** What is wrong with a typed site address, for a message that names it. */
export type SiteAddressProblem = "required" | "siteScheme" | "siteHttpNotLocal" | "siteShape" | "siteHost" | "sitePort";

/** The address as the store keeps it: no spaces around, no trailing slash, the scheme in lower case. */
export function normalizeSiteAddress(input: string): string {
  const trimmed = input.trim().replace(/\/+$/, "");
  return trimmed.replace(/^https?:\/\//i, (scheme) => scheme.toLowerCase());
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** A dotted IPv4 address as Rust reads one: four numbers up to 255, no leading zeros. */
function ipv4Octets(host: string): number[] | null {
  const m = IPV4.exec(host);
  if (!m) return null;
  const parts = m.slice(1);
  if (parts.some((p) => p.length > 1 && p.startsWith("0"))) return null;
  const octets = parts.map(Number);
  return octets.every((n) => n <= 255) ? octets : null;
}

function isIpv6(inside: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(inside) || !inside.includes(":")) return false;
  try {
    new URL(`http://[${inside}]/`);
    return true;
  } catch {
    return false;
  }
}

/** This machine: `localhost`, 127.x.x.x or `[::1]`, the only hosts plain http is allowed to. */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === "localhost" || host === "[::1]") return true;
  return ipv4Octets(host)?.[0] === 127;
}

/**
 * Checks a typed Vinted site the way the store does (`is_site_address`): any `https://` host,
 * or plain `http://` on this machine only; just a scheme, a host and an optional port. `null`
 * when the (normalized) address is fine.
 */
export function siteAddressProblem(input: string): SiteAddressProblem | null {
  const url = normalizeSiteAddress(input);
  if (url === "") return "required";
  // "https://" alone loses its slashes to the normalization: it lacks a host, not a scheme.
  if (/^https?:\/*$/i.test(input.trim())) return "siteHost";
  let secure: boolean;
  let rest: string;
  if (url.startsWith("https://")) {
    secure = true;
    rest = url.slice("https://".length);
  } else if (url.startsWith("http://")) {
    secure = false;
    rest = url.slice("http://".length);
  } else {
    return "siteScheme";
  }
  if (rest === "") return "siteHost";
  if (/[/?#@\s\\]/.test(rest)) return "siteShape";
  if (rest.length > 253) return "siteHost";
  let host: string;
  let port: string | null;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) return "siteHost";
    host = rest.slice(0, close + 1);
    const after = rest.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) return "siteHost";
    port = after === "" ? null : after.slice(1);
    if (!isIpv6(host.slice(1, -1))) return "siteHost";
  } else {
    const colon = rest.indexOf(":");
    host = colon < 0 ? rest : rest.slice(0, colon);
    port = colon < 0 ? null : rest.slice(colon + 1);
    if (host === "" || !host.split(".").every((label) => /^[A-Za-z0-9-]+$/.test(label))) return "siteHost";
  }
  if (port !== null && parsePort(port) === null) return "sitePort";
  if (!secure && !isLoopbackHost(host)) return "siteHttpNotLocal";
  return null;
}

/** `vinted.fr` for `https://www.vinted.fr`; any other URL is shown without its scheme. */
export function domainOf(baseUrl: string): string {
  return baseUrl.replace(/^https?:\/\//, "").replace(/^www\./, "").replace(/\/+$/, "");
}

export const PROXY_TYPES: readonly ProxyType[] = ["http", "https", "socks5"];

export const SECRET_KEYS = ["vinted", "proxy", "vnc"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** VNC authentication uses only this many characters of its password. */
export const VNC_PASSWORD_USED_CHARS = 8;

/**
 * One password as the form holds it. `saved`: the keyring has one (the form never sees it).
 * `keep`: leave it; `set`: the input is shown and, when not empty, replaces it; `clear`: forget it.
 */
export type SecretValues = { saved: boolean; mode: "keep" | "set" | "clear"; value: string };

/** Everything the account form edits, as typed. */
export type AccountFormValues = {
  name: string;
  username: string;
  email: string;
  /** The site select: one of {@link VINTED_BASE_URLS}, or {@link OTHER_SITE}. */
  site: string;
  /** The address typed once "Other site…" is chosen. */
  otherSite: string;
  avatar: string;
  proxyType: ProxyType | "";
  proxyHost: string;
  proxyPort: string;
  proxyUser: string;
  secrets: Record<SecretKey, SecretValues>;
};

/** The draft's field names (as the store names them), plus the three passwords. */
export type AccountField =
  | "name"
  | "username"
  | "email"
  | "avatar"
  | "vintedBaseUrl"
  | "proxyHost"
  | "proxyPort"
  | "proxyUser"
  | "vintedPassword"
  | "proxyPassword"
  | "vncPassword";
export type AccountFieldCode = FieldErrorCode | "portRange" | Exclude<SiteAddressProblem, "required">;
export type AccountFormErrors = Partial<Record<AccountField, AccountFieldCode>>;

export const SECRET_FIELD: Record<SecretKey, AccountField> = { vinted: "vintedPassword", proxy: "proxyPassword", vnc: "vncPassword" };

const ACCOUNT_FIELDS: ReadonlySet<string> = new Set<AccountField>([
  "name",
  "username",
  "email",
  "avatar",
  "vintedBaseUrl",
  "proxyHost",
  "proxyPort",
  "proxyUser",
  "vintedPassword",
  "proxyPassword",
  "vncPassword",
]);

function secretValues(saved: boolean): SecretValues {
  // Without a saved password the input is simply there; with one, it shows only on "change".
  return { saved, mode: saved ? "keep" : "set", value: "" };
}

export function emptyAccountValues(): AccountFormValues {
  return {
    name: "",
    username: "",
    email: "",
    site: DEFAULT_BASE_URL,
    otherSite: "",
    avatar: "",
    proxyType: "",
    proxyHost: "",
    proxyPort: "",
    proxyUser: "",
    secrets: { vinted: secretValues(false), proxy: secretValues(false), vnc: secretValues(false) },
  };
}

/** The form for an existing account: its fields, and only whether each password is saved. */
export function accountValues(account: SellerAccount): AccountFormValues {
  return {
    name: account.name,
    username: account.username ?? "",
    email: account.email ?? "",
    // An address not in the list (set on another device, a stand-in site) shows as "Other site…".
    site: VINTED_BASE_URLS.includes(account.vintedBaseUrl) ? account.vintedBaseUrl : OTHER_SITE,
    otherSite: VINTED_BASE_URLS.includes(account.vintedBaseUrl) ? "" : account.vintedBaseUrl,
    avatar: account.avatar ?? "",
    proxyType: account.proxy?.kind ?? "",
    proxyHost: account.proxy?.host ?? "",
    proxyPort: account.proxy ? String(account.proxy.port) : "",
    proxyUser: account.proxy?.user ?? "",
    secrets: {
      vinted: secretValues(account.hasVintedPassword),
      proxy: secretValues(account.hasProxyPassword),
      vnc: secretValues(account.hasVncPassword),
    },
  };
}

export function sameAccountValues(a: AccountFormValues, b: AccountFormValues): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The letter in the account's circle: its avatar, else the first letter of its name. */
export function avatarLetter(avatar: string | null | undefined, name: string): string {
  const own = Array.from((avatar ?? "").trim())[0];
  if (own) return own;
  return (Array.from(name.trim())[0] ?? "?").toLocaleUpperCase();
}

/** What is sent for one password. */
export function secretInput(s: SecretValues): SecretInput {
  if (s.mode === "clear") return s.saved ? { kind: "clear" } : { kind: "keep" };
  if (s.mode === "set" && s.value !== "") return { kind: "set", value: s.value };
  return { kind: "keep" };
}

export function parsePort(input: string): number | null {
  const s = input.trim();
  if (!/^\d{1,5}$/.test(s)) return null;
  const port = Number(s);
  return port >= 1 && port <= 65535 ? port : null;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export type BuildAccountResult = { ok: true; draft: AccountDraft; secrets: AccountSecretsInput } | { ok: false; errors: AccountFormErrors };

const optional = (s: string) => (s.trim() === "" ? null : s.trim());

/** Checks what was typed and turns it into the draft and the secrets to send. */
export function buildAccountRequest(values: AccountFormValues): BuildAccountResult {
  const errors: AccountFormErrors = {};
  const name = values.name.trim();
  if (name === "") errors.name = "required";
  const email = optional(values.email);
  if (email !== null && !EMAIL.test(email)) errors.email = "invalid";
  const avatarTyped = values.avatar.trim();
  if (charCount(avatarTyped) > 1) errors.avatar = "tooLong";
  const other = values.site === OTHER_SITE;
  if (other) {
    const problem = siteAddressProblem(values.otherSite);
    if (problem) errors.vintedBaseUrl = problem;
  }
  const hasProxy = values.proxyType !== "";
  let port: number | null = null;
  if (hasProxy) {
    if (values.proxyHost.trim() === "") errors.proxyHost = "required";
    if (values.proxyPort.trim() === "") errors.proxyPort = "required";
    else {
      port = parsePort(values.proxyPort);
      if (port === null) errors.proxyPort = "portRange";
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const avatar = avatarTyped !== "" ? avatarTyped : name !== "" ? avatarLetter(null, name) : null;
  const draft: AccountDraft = {
    name,
    username: optional(values.username),
    email,
    avatar,
    vintedBaseUrl: other ? normalizeSiteAddress(values.otherSite) : values.site,
    proxy:
      hasProxy && values.proxyType !== "" && port !== null
        ? { kind: values.proxyType, host: values.proxyHost.trim(), port, user: optional(values.proxyUser) }
        : null,
  };
  const secrets: AccountSecretsInput = {
    vinted: secretInput(values.secrets.vinted),
    // No proxy, no proxy password.
    proxy: hasProxy ? secretInput(values.secrets.proxy) : values.secrets.proxy.saved ? { kind: "clear" } : { kind: "keep" },
    vnc: secretInput(values.secrets.vnc),
  };
  return { ok: true, draft, secrets };
}

/**
 * What "Test the proxy" sends: the proxy as typed (not saved) and its password as the form has
 * it. `keep` makes the app use the password saved for `accountId` (none for a new account).
 */
export function proxyTestInput(
  values: AccountFormValues,
  accountId: string | null,
): { ok: true; input: ProxyTestInput } | { ok: false; errors: AccountFormErrors } {
  const errors: AccountFormErrors = {};
  const host = values.proxyHost.trim();
  if (host === "") errors.proxyHost = "required";
  let port: number | null = null;
  if (values.proxyPort.trim() === "") errors.proxyPort = "required";
  else {
    port = parsePort(values.proxyPort);
    if (port === null) errors.proxyPort = "portRange";
  }
  if (values.proxyType === "" || port === null || host === "") return { ok: false, errors };
  return {
    ok: true,
    input: { kind: values.proxyType, host, port, user: optional(values.proxyUser), password: secretInput(values.secrets.proxy), accountId },
  };
}

/** The store's field errors the form can show next to a field; the rest go to the banner. */
export function mapAccountServerErrors(error: AppError): { fields: AccountFormErrors; unmapped: FieldError[] } {
  const fields: AccountFormErrors = {};
  const unmapped: FieldError[] = [];
  for (const fe of error.fields ?? []) {
    if (!ACCOUNT_FIELDS.has(fe.field)) {
      unmapped.push(fe);
      continue;
    }
    const field = fe.field as AccountField;
    if (!fields[field]) fields[field] = fe.code;
  }
  return { fields, unmapped };
}

export type AccountErrorKey =
  | `fieldErrors.${FieldErrorCode}`
  | "accounts.errors.portRange"
  | "accounts.errors.email"
  | "accounts.errors.avatar"
  | `accounts.errors.site.${SiteAddressProblem | "invalid"}`;

export function accountErrorKey(field: AccountField, code: AccountFieldCode): AccountErrorKey {
  if (code === "portRange" || (field === "proxyPort" && code === "invalid")) return "accounts.errors.portRange";
  if (code === "siteScheme" || code === "siteHttpNotLocal" || code === "siteShape" || code === "siteHost" || code === "sitePort") {
    return `accounts.errors.site.${code}`;
  }
  if (field === "vintedBaseUrl" && (code === "invalid" || code === "required")) return `accounts.errors.site.${code}`;
  if (field === "email" && code === "invalid") return "accounts.errors.email";
  if (field === "avatar" && code === "tooLong") return "accounts.errors.avatar";
  return `fieldErrors.${code}`;
}

/** `socks5 · host:port` (never a password). */
export function proxySummary(account: Pick<SellerAccount, "proxy">): string | null {
  const p = account.proxy;
  if (!p) return null;
  const host = p.host.includes(":") ? `[${p.host}]` : p.host;
  return `${p.kind} · ${host}:${p.port}`;
}
