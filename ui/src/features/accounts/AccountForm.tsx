import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { FormErrorBanner } from "../../components/FormErrorBanner";
import { commands, type AppError, type ProxyTestResult, type SellerAccount } from "../../bindings";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import {
  DiscardDialog,
  EnumSelect,
  Field,
  reportSaveError,
  useDirtyGuard,
  useFocusFirstInvalid,
  useFormBanner,
  useSaveMutation,
  type FieldControlProps,
} from "../../components/form";
import {
  OTHER_SITE,
  PROXY_TYPES,
  SECRET_FIELD,
  VINTED_BASE_URLS,
  VNC_PASSWORD_USED_CHARS,
  accountErrorKey,
  accountValues,
  avatarLetter,
  buildAccountRequest,
  type BuildAccountResult,
  domainOf,
  emptyAccountValues,
  mapAccountServerErrors,
  proxyTestInput,
  sameAccountValues,
  type AccountField,
  type AccountFormErrors,
  type AccountFormValues,
  type SecretKey,
  type SecretValues,
} from "../../lib/accountForm";
import { normalizeAppError } from "../../lib/errors";
import { charCount } from "../../lib/productForm";
import { afterAccountWrite } from "./queries";

type Props = {
  /** The account to edit; `null` for a new one. */
  account: SellerAccount | null;
  onClose: () => void;
  onSaved: (account: SellerAccount) => void;
  onDeleted: (account: SellerAccount) => void;
  onDirtyChange?: (dirty: boolean) => void;
};

/** "Test the proxy": not run (or the proxy changed since), running, or what it found. */
type ProxyTest = { state: "idle" } | { state: "testing" } | { state: "ok"; result: ProxyTestResult } | { state: "error"; error: AppError };

/**
 * Creates or edits a Vinted account. Passwords are never pre-filled: a saved one shows as
 * "saved" with buttons to change or remove it, and what is typed is sent once, on save.
 */
export function AccountForm({ account, onClose, onSaved, onDeleted, onDirtyChange }: Props) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [initialValues] = useState<AccountFormValues>(() => (account ? accountValues(account) : emptyAccountValues()));
  const [values, setValues] = useState<AccountFormValues>(initialValues);
  const [errors, setErrors] = useState<AccountFormErrors>({});
  const { banner, ref: bannerRef, show: showBanner, clear: clearBanner } = useFormBanner();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [proxyTest, setProxyTest] = useState<ProxyTest>({ state: "idle" });
  // Each test gets a number; an answer for an older test (the proxy was edited since) is dropped.
  const proxyTestRun = useRef(0);
  const { ref: formRef, focusFirstInvalid } = useFocusFirstInvalid();

  const dirty = !sameAccountValues(values, initialValues);
  const hasProxy = values.proxyType !== "";
  const guard = useDirtyGuard({ dirty, onLeave: onClose, onDirtyChange });
  const save = useSaveMutation({
    save: ({ draft, secrets }: Extract<BuildAccountResult, { ok: true }>) =>
      account ? commands.updateAccount(account.id, draft, secrets) : commands.createAccount(draft, secrets),
    onSaved: () => afterAccountWrite(queryClient),
  });
  const saving = save.pending;

  /** A result no longer describes the proxy once one of its fields changes. */
  function forgetProxyTest() {
    proxyTestRun.current += 1;
    setProxyTest({ state: "idle" });
  }

  function set<K extends keyof AccountFormValues>(key: K, value: AccountFormValues[K]) {
    setValues((v) => ({ ...v, [key]: value }));
    if (key === "proxyType" || key === "proxyHost" || key === "proxyPort" || key === "proxyUser") forgetProxyTest();
  }

  function setSecret(key: SecretKey, patch: Partial<SecretValues>) {
    setValues((v) => ({ ...v, secrets: { ...v.secrets, [key]: { ...v.secrets[key], ...patch } } }));
    if (key === "proxy") forgetProxyTest();
  }

  async function testProxy() {
    if (proxyTest.state === "testing") return;
    const input = proxyTestInput(values, account?.id ?? null);
    if (!input.ok) {
      setErrors((e) => ({ ...e, ...input.errors }));
      focusFirstInvalid();
      return;
    }
    setErrors((e) => ({ ...e, proxyHost: undefined, proxyPort: undefined }));
    const run = ++proxyTestRun.current;
    setProxyTest({ state: "testing" });
    let next: ProxyTest;
    try {
      const result = await commands.testProxy(input.input);
      next = result.status === "ok" ? { state: "ok", result: result.data } : { state: "error", error: normalizeAppError(result.error) };
    } catch (e) {
      next = { state: "error", error: normalizeAppError(e) };
    }
    if (run !== proxyTestRun.current) return;
    setProxyTest(next);
    if (next.state === "error") {
      const { fields } = mapAccountServerErrors(next.error);
      if (Object.keys(fields).length > 0) setErrors((e) => ({ ...e, ...fields }));
    }
  }

  function showError(error: AppError) {
    const { fields, unmapped } = mapAccountServerErrors(error);
    setErrors(fields);
    if (reportSaveError(error, { fieldCount: Object.keys(fields).length, unmapped }, showBanner)) focusFirstInvalid();
  }

  async function submit() {
    if (saving) return;
    const built = buildAccountRequest(values);
    if (!built.ok) {
      setErrors(built.errors);
      clearBanner();
      focusFirstInvalid();
      return;
    }
    setErrors({});
    clearBanner();
    const outcome = await save.run(built);
    if (!outcome) return;
    if (outcome.ok) onSaved(outcome.data);
    else showError(outcome.error);
  }

  async function remove() {
    if (!account || deleting) return;
    setDeleting(true);
    let error: AppError;
    try {
      const result = await commands.deleteAccount(account.id);
      if (result.status === "ok") {
        await afterAccountWrite(queryClient, { deleted: true });
        setDeleting(false);
        setConfirmDelete(false);
        onDeleted(account);
        return;
      }
      error = normalizeAppError(result.error);
    } catch (e) {
      error = normalizeAppError(e);
    }
    setDeleting(false);
    setConfirmDelete(false);
    showError(error);
  }

  const errorText = (name: AccountField) => {
    const code = errors[name];
    return code ? t(accountErrorKey(name, code)) : undefined;
  };

  /** A text field of the form, its control wired to its label, hint and error. */
  function field(props: { id: string; name: AccountField; label: string; hint?: string; children: (a: FieldControlProps) => ReactNode }) {
    return (
      <Field id={props.id} name={props.name} label={props.label} hint={props.hint} error={errorText(props.name)}>
        {props.children}
      </Field>
    );
  }

  function text(key: "name" | "username" | "email" | "avatar" | "proxyHost" | "proxyPort" | "proxyUser", a: FieldControlProps, extra?: { placeholder?: string; autoFocus?: boolean; inputMode?: "numeric" | "email" }) {
    return (
      <input
        {...a}
        type="text"
        autoComplete="off"
        spellCheck={false}
        inputMode={extra?.inputMode}
        placeholder={extra?.placeholder}
        // eslint-disable-next-line jsx-a11y/no-autofocus -- only the first field of a form the user just opened
        autoFocus={extra?.autoFocus}
        value={values[key]}
        onChange={(e) => set(key, e.target.value)}
      />
    );
  }

  /** A password: an empty input when none is saved (or while changing it), else "saved" with change / remove. */
  function secret(key: SecretKey, label: string, hint?: string) {
    const s = values.secrets[key];
    const id = `account-${key}-password`;
    const name = SECRET_FIELD[key];
    const vncTooLong = key === "vnc" && s.mode === "set" && charCount(s.value) > VNC_PASSWORD_USED_CHARS;
    const statusId = `${id}-status`;
    return (
      <Field
        id={id}
        name={name}
        label={label}
        hint={vncTooLong ? t("accounts.form.vncTooLong") : hint}
        error={errorText(name)}
        plainLabel={s.mode !== "set"}
        className="secret-field"
        testId={`secret-${key}`}
        mode={s.mode}
      >
        {(a) => secretControl(key, label, statusId, a)}
      </Field>
    );
  }

  /** A password being typed, or the saved one's state with the buttons to change or remove it. */
  function secretControl(key: SecretKey, label: string, statusId: string, a: FieldControlProps) {
    const s = values.secrets[key];
    return (
      <>
        {s.mode === "set" && (
          <div className="secret-row">
            <input
              {...a}
              type="password"
              // Never offered to a password manager or kept by the webview.
              autoComplete="new-password"
              spellCheck={false}
              // eslint-disable-next-line jsx-a11y/no-autofocus -- the user just asked to change the saved password: the new one is typed here
              autoFocus={s.saved}
              value={s.value}
              onChange={(e) => setSecret(key, { value: e.target.value })}
            />
            {s.saved && (
              <button
                type="button"
                className="btn btn-small"
                data-testid={`secret-undo-${key}`}
                aria-label={t("accounts.form.undoLabel", { field: label })}
                onClick={() => setSecret(key, { mode: "keep", value: "" })}
              >
                {t("accounts.form.undo")}
              </button>
            )}
          </div>
        )}
        {s.mode !== "set" && (
          <div className="secret-row">
            {s.mode === "keep" ? (
              <span id={statusId} className="secret-saved" data-testid={`secret-saved-${key}`}>
                <span aria-hidden="true">●●●●●●●● </span>
                {t("accounts.form.saved")}
              </span>
            ) : (
              <span id={statusId} className="secret-removed" data-testid={`secret-removed-${key}`}>
                {t("accounts.form.willBeRemoved")}
              </span>
            )}
            {s.mode === "keep" ? (
              <>
                <button
                  type="button"
                  className="btn btn-small"
                  data-testid={`secret-change-${key}`}
                  aria-label={t("accounts.form.changeLabel", { field: label })}
                  onClick={() => setSecret(key, { mode: "set", value: "" })}
                >
                  {t("accounts.form.change")}
                </button>
                <button
                  type="button"
                  className="btn btn-small btn-danger-ghost"
                  data-testid={`secret-clear-${key}`}
                  aria-label={t("accounts.form.removeLabel", { field: label })}
                  onClick={() => setSecret(key, { mode: "clear", value: "" })}
                >
                  {t("accounts.form.remove")}
                </button>
              </>
            ) : (
              <button
                type="button"
                className="btn btn-small"
                data-testid={`secret-undo-${key}`}
                aria-label={t("accounts.form.undoLabel", { field: label })}
                onClick={() => setSecret(key, { mode: "keep", value: "" })}
              >
                {t("accounts.form.undo")}
              </button>
            )}
          </div>
        )}
      </>
    );
  }

  const otherSite = values.site === OTHER_SITE;
  const letter = avatarLetter(values.avatar, values.name);

  return (
    // Keys from the form's controls bubble to it: Escape leaves the form (asking first if it changed).
    // eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions -- a container of controls, not a control
    <form
      ref={formRef}
      className="account-form"
      data-testid="account-form"
      noValidate
      aria-busy={saving || undefined}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      onKeyDown={(e) => guard.onEscape(e, confirmDelete)}
    >
      <header className="page-header">
        <div className="account-form-heading">
          <span className="account-avatar account-avatar-large" aria-hidden="true">
            {values.name.trim() || values.avatar.trim() ? letter : "?"}
          </span>
          <div>
            <h1 className="page-title">{account ? t("accounts.form.titleEdit") : t("accounts.form.titleNew")}</h1>
            <p className="page-subtitle">{t("accounts.form.subtitle")}</p>
          </div>
        </div>
      </header>

      {banner && <FormErrorBanner ref={bannerRef} banner={banner} testId="account-form-error" />}

      <section className="card form-section" aria-labelledby="account-section-main">
        <h2 id="account-section-main" className="section-title">
          {t("accounts.form.sections.account")}
        </h2>
        <div className="field-grid">
          {field({
            id: "account-name",
            name: "name",
            label: t("accounts.form.name"),
            hint: t("accounts.form.nameHint"),
            children: (a) => text("name", a, { autoFocus: true }),
          })}
          <Field id="account-domain" name="vintedBaseUrl" label={t("accounts.form.domain")} error={otherSite ? undefined : errorText("vintedBaseUrl")}>
            {(a) => (
              <EnumSelect
                {...a}
                values={[...VINTED_BASE_URLS, OTHER_SITE]}
                value={values.site}
                label={(url) => (url === OTHER_SITE ? t("accounts.form.domainOther") : domainOf(url))}
                onChange={(url) => {
                  if (url !== "") set("site", url);
                }}
              />
            )}
          </Field>
          {otherSite && (
            <Field
              id="account-other-site"
              name="vintedBaseUrl"
              label={t("accounts.form.otherSite")}
              hint={t("accounts.form.otherSiteHint")}
              error={errorText("vintedBaseUrl")}
            >
              {(a) => (
                <input
                  {...a}
                  type="text"
                  inputMode="url"
                  autoComplete="off"
                  spellCheck={false}
                  placeholder="https://www.vinted.example"
                  // eslint-disable-next-line jsx-a11y/no-autofocus -- the user just picked "Other site…": the address is typed next
                  autoFocus={values.site !== initialValues.site}
                  value={values.otherSite}
                  onChange={(e) => set("otherSite", e.target.value)}
                />
              )}
            </Field>
          )}
          {field({ id: "account-username", name: "username", label: t("accounts.form.username"), children: (a) => text("username", a) })}
          {field({
            id: "account-email",
            name: "email",
            label: t("accounts.form.email"),
            children: (a) => text("email", a, { inputMode: "email" }),
          })}
          {field({
            id: "account-avatar",
            name: "avatar",
            label: t("accounts.form.avatar"),
            hint: t("accounts.form.avatarHint"),
            children: (a) => text("avatar", a, { placeholder: values.name.trim() ? avatarLetter(null, values.name) : undefined }),
          })}
        </div>
      </section>

      <section className="card form-section" aria-labelledby="account-section-proxy">
        <h2 id="account-section-proxy" className="section-title">
          {t("accounts.form.sections.proxy")}
        </h2>
        <div className="field-grid">
          <Field id="account-proxy-type" name="proxyType" label={t("accounts.form.proxyType")}>
            {(a) => (
              <EnumSelect
                {...a}
                values={PROXY_TYPES}
                value={values.proxyType}
                label={(type) => type}
                emptyLabel={t("accounts.form.proxyNone")}
                onChange={(type) => set("proxyType", type)}
              />
            )}
          </Field>
        </div>
        {hasProxy && (
          <div className="field-grid">
            {field({ id: "account-proxy-host", name: "proxyHost", label: t("accounts.form.proxyHost"), children: (a) => text("proxyHost", a) })}
            {field({
              id: "account-proxy-port",
              name: "proxyPort",
              label: t("accounts.form.proxyPort"),
              children: (a) => text("proxyPort", a, { inputMode: "numeric", placeholder: "1080" }),
            })}
            {field({ id: "account-proxy-user", name: "proxyUser", label: t("accounts.form.proxyUser"), children: (a) => text("proxyUser", a) })}
            {secret("proxy", t("accounts.form.proxyPassword"))}
          </div>
        )}
        {hasProxy && (
          <div className="proxy-test">
            <button
              type="button"
              className="btn"
              data-testid="test-proxy"
              aria-describedby="proxy-test-hint"
              aria-busy={proxyTest.state === "testing" || undefined}
              disabled={values.proxyHost.trim() === "" || values.proxyPort.trim() === "" || proxyTest.state === "testing"}
              onClick={() => void testProxy()}
            >
              {proxyTest.state === "testing" && <span className="spinner" aria-hidden="true" data-testid="proxy-test-spinner" />}
              {proxyTest.state === "testing" ? t("accounts.form.testingProxy") : t("accounts.form.testProxy")}
            </button>
            <div className="proxy-test-outcome" aria-live="polite">
              {proxyTest.state === "ok" && (
                <p className="proxy-test-ok" data-testid="proxy-test-ok" data-exit-ip={proxyTest.result.exitIp}>
                  {t("accounts.form.proxyTestOk", { ip: proxyTest.result.exitIp, ms: proxyTest.result.latencyMs })}
                </p>
              )}
              {proxyTest.state === "error" && (
                <p className="field-error" data-testid="proxy-test-error" data-code={proxyTest.error.code}>
                  {t(`errors.${proxyTest.error.code}`)}
                </p>
              )}
            </div>
            <p id="proxy-test-hint" className="hint">
              {t("accounts.form.proxyTestHint")}
            </p>
          </div>
        )}
      </section>

      <section className="card form-section" aria-labelledby="account-section-passwords">
        <h2 id="account-section-passwords" className="section-title">
          {t("accounts.form.sections.passwords")}
        </h2>
        <div className="field-grid">
          {secret("vinted", t("accounts.form.vintedPassword"))}
          {secret("vnc", t("accounts.form.vncPassword"), t("accounts.form.vncHint"))}
        </div>
      </section>

      <footer className="form-actions">
        {account && (
          <button type="button" className="btn btn-danger-ghost" data-testid="delete-account" disabled={saving || deleting} onClick={() => setConfirmDelete(true)}>
            {t("accounts.form.delete")}
          </button>
        )}
        <div className="form-actions-end">
          <button type="button" className="btn" data-testid="cancel-account-form" disabled={saving} onClick={guard.requestLeave} aria-keyshortcuts="Escape">
            {t("form.cancel")}
          </button>
          <button type="submit" className="btn btn-primary" data-testid="save-account" disabled={saving}>
            {saving ? t("form.saving") : t("accounts.form.save")}
          </button>
        </div>
      </footer>

      <DiscardDialog guard={guard} />
      <ConfirmDialog
        open={confirmDelete}
        title={t("accounts.deleteDialog.title")}
        text={t("accounts.deleteDialog.text", { name: account?.name ?? "" })}
        confirmLabel={t("accounts.deleteDialog.confirm")}
        cancelLabel={t("accounts.deleteDialog.cancel")}
        testId="confirm-delete-account"
        danger
        busy={deleting}
        onConfirm={() => void remove()}
        onCancel={() => setConfirmDelete(false)}
      />
    </form>
  );
}
