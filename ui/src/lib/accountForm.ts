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
  baseUrl: string;
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
export type AccountFieldCode = FieldErrorCode | "portRange";
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
    baseUrl: DEFAULT_BASE_URL,
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
    baseUrl: account.vintedBaseUrl,
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
    vintedBaseUrl: values.baseUrl,
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

export type AccountErrorKey = `fieldErrors.${FieldErrorCode}` | "accounts.errors.portRange" | "accounts.errors.email" | "accounts.errors.avatar";

export function accountErrorKey(field: AccountField, code: AccountFieldCode): AccountErrorKey {
  if (code === "portRange" || (field === "proxyPort" && code === "invalid")) return "accounts.errors.portRange";
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
