import type { AppError, ErrorCode, Result } from "../bindings";

// A record, so the compiler fails here when Rust adds an error code the UI does not know.
const KNOWN_CODES = {
  validation: true,
  duplicateSku: true,
  unknownSku: true,
  insufficientStock: true,
  notFound: true,
  database: true,
  newerSchema: true,
  notABackup: true,
  backupDamaged: true,
  backupFromNewerVersion: true,
  io: true,
  internal: true,
  csvNoHeader: true,
  csvMapping: true,
  csvInvalidRows: true,
  importCancelled: true,
  nothingToUndo: true,
  undoOutdated: true,
  keyringUnavailable: true,
  keyringLocked: true,
  proxyAuthRejected: true,
  proxyUnreachable: true,
  proxyTimeout: true,
  notAProxy: true,
  proxyTargetRefused: true,
  proxyTls: true,
  proxyUnsupported: true,
  proxyConnectionLost: true,
  proxyEchoFailed: true,
  proxyEchoUrlInvalid: true,
  chromiumMissing: true,
  chromedriverMissing: true,
  sessionAlreadyRunning: true,
  sessionNotRunning: true,
  vncUnavailable: true,
  proxyCannotReachSite: true,
  sessionCancelled: true,
  sessionDisplay: true,
  sessionVnc: true,
  sessionFailed: true,
  syncUnreachable: true,
  syncBadAddress: true,
  syncTls: true,
  syncBadCredentials: true,
  syncSignedOut: true,
  syncAppTooOld: true,
  syncServerTooOld: true,
  syncRefused: true,
  syncServerError: true,
  syncStoreBusy: true,
  syncPlainHttp: true,
  syncUntrusted: true,
  syncRateLimited: true,
  syncDeviceRevoked: true,
  proxyNeedsConfirmation: true,
} satisfies Record<ErrorCode, true>;
const ERROR_CODES = Object.keys(KNOWN_CODES) as ErrorCode[];

export function isAppError(value: unknown): value is AppError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AppError).code === "string" &&
    ERROR_CODES.includes((value as AppError).code)
  );
}

/** Thrown by {@link unwrap} so that TanStack Query sees a rejected promise carrying the AppError. */
export class CommandError extends Error {
  readonly appError: AppError;
  constructor(appError: AppError) {
    super(appError.message || appError.code);
    this.name = "CommandError";
    this.appError = appError;
  }
}

export function unwrap<T>(result: Result<T, AppError>): T {
  if (result.status === "ok") return result.data;
  throw new CommandError(normalizeAppError(result.error));
}

/** Makes any rejected value look like an AppError (unknown shapes become "internal"). */
export function normalizeAppError(error: unknown): AppError {
  if (error instanceof CommandError) return error.appError;
  if (isAppError(error)) return { code: error.code, message: error.message ?? "", fields: Array.isArray(error.fields) ? error.fields : [] };
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : "";
  const argument = refusedArgument(message);
  if (argument) return { code: "validation", message, fields: [{ field: argument, code: "invalid" }] };
  return { code: "internal", message, fields: [] };
}

/**
 * Tauri refuses a command's arguments that do not deserialise (a status outside its list, a
 * number where text is expected) before the command runs, with a plain string naming the
 * argument: shown as a validation error on that argument, not as an internal failure.
 */
function refusedArgument(message: string): string | null {
  return /^invalid args `([A-Za-z0-9_]+)` for command/.exec(message)?.[1] ?? null;
}
