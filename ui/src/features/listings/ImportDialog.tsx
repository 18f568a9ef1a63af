import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type Job, type SellerAccount } from "../../bindings";
import { EnumSelect, Field } from "../../components/form";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { FormDialog } from "../jobs/FormDialog";
import { jobKeys } from "../jobs/queryKeys";

type Props = {
  accounts: readonly SellerAccount[];
  /** The account chosen first (the list's filter), else the first one. */
  initialAccountId: string | null;
  onClose: () => void;
  onQueued: (job: Job) => void;
};

/**
 * "Import the listings": which account, whether to link by the SKU in each description and to
 * create an item of each listing left unlinked; the import is queued and runs in the account's
 * browser session once it is logged in.
 */
export function ImportDialog({ accounts, initialAccountId, onClose, onQueued }: Props) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const id = useId();
  const [accountId, setAccountId] = useState<string>(initialAccountId ?? accounts[0]?.id ?? "");
  const [linkBySku, setLinkBySku] = useState(true);
  const [createItems, setCreateItems] = useState(false);
  const queue = useMutation({
    mutationFn: async () => unwrap(await commands.importListings(accountId, { linkBySku, createItems })),
    onSuccess: async (job) => {
      await queryClient.invalidateQueries({ queryKey: jobKeys.all });
      onQueued(job);
    },
  });
  const error = queue.isError ? normalizeAppError(queue.error) : null;
  const account = accounts.find((a) => a.id === accountId);

  return (
    <FormDialog title={t("listings.import.title")} testId="listings-import-dialog" busy={queue.isPending} onClose={onClose} className="listings-import-dialog">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (account && !queue.isPending) queue.mutate();
        }}
      >
        {accounts.length === 0 ? (
          <p className="banner" data-testid="listings-import-no-account">
            {t("listings.import.noAccount")}
          </p>
        ) : (
          <Field id={`${id}-account`} name="account" label={t("listings.import.account")}>
            {(a) => (
              <EnumSelect
                {...a}
                data-testid="listings-import-account"
                values={accounts.map((acc) => acc.id)}
                value={accountId}
                label={(value) => accounts.find((acc) => acc.id === value)?.name ?? value}
                disabled={queue.isPending}
                onChange={(value) => {
                  if (value !== "") setAccountId(value);
                }}
              />
            )}
          </Field>
        )}
        <fieldset className="import-options">
          <legend>{t("listings.import.options")}</legend>
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid="listings-import-link-by-sku"
              checked={linkBySku}
              disabled={queue.isPending}
              aria-describedby={`${id}-link-hint`}
              onChange={(e) => setLinkBySku(e.target.checked)}
            />
            {t("listings.import.linkBySku")}
          </label>
          <p id={`${id}-link-hint`} className="hint">
            {t("listings.import.linkBySkuHint")}
          </p>
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid="listings-import-create-items"
              checked={createItems}
              disabled={queue.isPending}
              onChange={(e) => setCreateItems(e.target.checked)}
            />
            {t("listings.import.createItems")}
          </label>
        </fieldset>
        <p className="hint" data-testid="listings-import-explain">
          {t("listings.import.explain")}
        </p>
        {account && (
          <p className={account.isConnected ? "hint" : "hint is-warning"} data-testid="listings-import-session" data-connected={account.isConnected}>
            {account.isConnected ? t("listings.import.sessionReady", { name: account.name }) : t("listings.import.sessionWaiting", { name: account.name })}
          </p>
        )}
        {error && (
          <p className="field-error" role="alert" data-testid="listings-import-error" data-code={error.code}>
            {t("listings.import.failed")} {t(`errors.${error.code}`)}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" data-testid="listings-import-cancel" disabled={queue.isPending} onClick={onClose}>
            {t("form.cancel")}
          </button>
          <button type="submit" className="btn btn-primary" data-testid="listings-import-start" disabled={!account || queue.isPending}>
            {queue.isPending ? t("listings.import.queueing") : t("listings.import.start")}
          </button>
        </div>
      </form>
    </FormDialog>
  );
}
