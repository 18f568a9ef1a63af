import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { AppError, FieldErrorCode } from "../../bindings";
import { FormErrorBanner } from "../../components/FormErrorBanner";
import { Field } from "../../components/form";
import { useToast } from "../../components/Toast";
import { normalizeAppError } from "../../lib/errors";
import { useSyncSignIn } from "./queries";

type SignInField = "server" | "email" | "password";
const FIELDS: readonly SignInField[] = ["server", "email", "password"];
type Errors = Partial<Record<SignInField, FieldErrorCode>>;

/** The field a refused sign-in proves wrong. */
const INVALID_FIELD: Partial<Record<AppError["code"], SignInField>> = {
  syncBadAddress: "server",
  syncTls: "server",
};
/** Where the user goes on after a refused sign-in: the (cleared) password, or the address to check. */
const FIELD_OF_ERROR: Partial<Record<AppError["code"], SignInField>> = {
  ...INVALID_FIELD,
  syncBadCredentials: "password",
  syncUnreachable: "server",
};

type Props = {
  /** Pre-filled (reconnecting after the server forgot this device). */
  initialServer?: string | null;
  initialEmail?: string | null;
  /** The device was signed in and the server no longer knows it: "reconnect" wording. */
  reconnect?: boolean;
};

/**
 * Signs this device in to a sync server. The password is sent once and cleared after each
 * attempt; the server and e-mail stay for the next try.
 */
export function SignInForm({ initialServer, initialEmail, reconnect }: Props) {
  const { t } = useTranslation();
  const { showToast } = useToast();
  const signIn = useSyncSignIn();
  const [values, setValues] = useState<Record<SignInField, string>>({ server: initialServer ?? "", email: initialEmail ?? "", password: "" });
  const [errors, setErrors] = useState<Errors>({});
  const [error, setError] = useState<AppError | null>(null);
  const inputs = useRef<Partial<Record<SignInField, HTMLInputElement | null>>>({});
  const bannerRef = useRef<HTMLDivElement>(null);
  const sending = signIn.isPending;
  // The first field still to fill gets the focus: the server address on a first sign-in.
  const [autoFocusField] = useState<SignInField>(() => FIELDS.find((f) => f !== "password" && (f === "server" ? !initialServer : !initialEmail)) ?? "password");

  function set(field: SignInField, value: string) {
    setValues((v) => ({ ...v, [field]: value }));
    if (errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
  }

  async function submit() {
    if (sending) return;
    const input = { server: values.server.trim(), email: values.email.trim(), password: values.password };
    const missing: Errors = {};
    for (const field of FIELDS) if (input[field] === "") missing[field] = "required";
    const firstMissing = FIELDS.find((f) => missing[f]);
    if (firstMissing) {
      setErrors(missing);
      setError(null);
      inputs.current[firstMissing]?.focus();
      return;
    }
    setErrors({});
    setError(null);
    try {
      await signIn.mutateAsync(input);
      setValues((v) => ({ ...v, password: "" }));
      showToast(t("sync.signIn.signedIn"));
    } catch (e) {
      const appError = normalizeAppError(e);
      const fieldErrors: Errors = {};
      for (const fe of appError.fields) if ((FIELDS as readonly string[]).includes(fe.field)) fieldErrors[fe.field as SignInField] = fe.code;
      setValues((v) => ({ ...v, password: "" }));
      setErrors(fieldErrors);
      setError(appError);
      const target = FIELD_OF_ERROR[appError.code] ?? FIELDS.find((f) => fieldErrors[f]);
      requestAnimationFrame(() => (target ? inputs.current[target] : bannerRef.current)?.focus());
    }
  }

  function field(name: SignInField, props: { label: string; hint?: string; type: "text" | "password"; inputMode?: "url" | "email"; autoComplete: string }) {
    const id = `sync-${name}`;
    const code = errors[name];
    return (
      <Field
        id={id}
        name={name}
        label={props.label}
        hint={props.hint}
        error={code ? t(`fieldErrors.${code}`) : undefined}
        errorTestId={`${id}-field-error`}
        invalid={error !== null && INVALID_FIELD[error.code] === name}
        // The refusal (wrong password, bad address…) also describes the field it sends the user to.
        alsoDescribedBy={error && FIELD_OF_ERROR[error.code] === name ? "sync-sign-in-refusal" : undefined}
      >
        {(a) => (
          <input
            {...a}
            ref={(el) => {
              inputs.current[name] = el;
            }}
            name={name}
            type={props.type}
            inputMode={props.inputMode}
            autoComplete={props.autoComplete}
            autoCapitalize="off"
            spellCheck={false}
            // eslint-disable-next-line jsx-a11y/no-autofocus -- the Sync area shows this form to be filled in: it starts at the first empty field
            autoFocus={autoFocusField === name}
            value={values[name]}
            onChange={(e) => set(name, e.target.value)}
          />
        )}
      </Field>
    );
  }

  return (
    <form
      className="card form-section sync-sign-in"
      data-testid="sync-sign-in-form"
      data-mode={reconnect ? "reconnect" : "signIn"}
      aria-labelledby="sync-sign-in-title"
      aria-busy={sending || undefined}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 id="sync-sign-in-title" className="section-title">
        {reconnect ? t("sync.signIn.reconnectTitle") : t("sync.signIn.title")}
      </h2>
      {reconnect ? (
        <p className="hint">{t("sync.signIn.reconnectIntro")}</p>
      ) : (
        <div className="sync-explain" data-testid="sync-explain">
          <p>{t("sync.signIn.intro")}</p>
          <p>{t("sync.signIn.merge")}</p>
        </div>
      )}
      <div className="sync-fields">
        {field("server", { label: t("sync.signIn.server"), hint: t("sync.signIn.serverHint"), type: "text", inputMode: "url", autoComplete: "url" })}
        {field("email", { label: t("sync.signIn.email"), type: "text", inputMode: "email", autoComplete: "username" })}
        {field("password", { label: t("sync.signIn.password"), hint: t("sync.signIn.passwordHint"), type: "password", autoComplete: "current-password" })}
      </div>
      {error && (
        <div id="sync-sign-in-refusal" className="sync-sign-in-error" data-code={error.code}>
          <FormErrorBanner
            ref={bannerRef}
            banner={{ error, unmapped: error.fields.filter((fe) => !(FIELDS as readonly string[]).includes(fe.field)) }}
            testId="sync-sign-in-error"
          />
        </div>
      )}
      <div className="form-actions-inline">
        <button type="submit" className="btn btn-primary" data-testid="sync-sign-in" disabled={sending} aria-busy={sending || undefined}>
          {sending && <span className="spinner" aria-hidden="true" />}
          {sending ? t("sync.signIn.submitting") : t("sync.signIn.submit")}
        </button>
      </div>
    </form>
  );
}
