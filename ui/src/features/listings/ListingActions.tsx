import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type ListingRow, type SellerAccount } from "../../bindings";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Field } from "../../components/form";
import { useToast } from "../../components/Toast";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { centsToInput, formatCents } from "../../lib/money";
import { FormDialog } from "../jobs/FormDialog";
import { jobKeys } from "../jobs/queryKeys";
import { parseListingPrice, type ListingAction } from "./listingActions";

/** A change asked of one listing: which, and on which row. */
export type PendingAction = { action: ListingAction; row: ListingRow };

type RowProps = {
  row: ListingRow;
  onAction: (action: ListingAction) => void;
};

/**
 * A listing's buttons: change its price, hide or show it, delete it, relist it. Only a listing
 * still on Vinted that its owner may change (shown or hidden) has them; a relist needs the
 * inventory item the copy is made from.
 */
export function ListingRowActions({ row, onAction }: RowProps) {
  const { t } = useTranslation();
  if (row.goneAt !== null || (row.status !== "active" && row.status !== "hidden")) return null;
  const title = row.title;
  return (
    <div className="listing-actions" role="group" aria-label={t("listings.actions.groupLabel", { title })} data-testid="listing-actions">
      <button type="button" className="btn btn-small" data-testid="listing-edit-price" aria-label={t("listings.actions.editPriceLabel", { title })} onClick={() => onAction("editPrice")}>
        {t("listings.actions.editPrice")}
      </button>
      {row.status === "hidden" ? (
        <button type="button" className="btn btn-small" data-testid="listing-unhide" aria-label={t("listings.actions.unhideLabel", { title })} onClick={() => onAction("unhide")}>
          {t("listings.actions.unhide")}
        </button>
      ) : (
        <button type="button" className="btn btn-small" data-testid="listing-hide" aria-label={t("listings.actions.hideLabel", { title })} onClick={() => onAction("hide")}>
          {t("listings.actions.hide")}
        </button>
      )}
      <button
        type="button"
        className="btn btn-small"
        data-testid="listing-relist"
        aria-label={t("listings.actions.relistLabel", { title })}
        disabled={row.product === null}
        title={row.product === null ? t("listings.actions.relistNeedsLink") : undefined}
        onClick={() => onAction("relist")}
      >
        {t("listings.actions.relist")}
      </button>
      <button
        type="button"
        className="btn btn-small btn-danger-ghost"
        data-testid="listing-delete"
        aria-label={t("listings.actions.deleteLabel", { title })}
        onClick={() => onAction("delete")}
      >
        {t("listings.actions.delete")}
      </button>
    </div>
  );
}

type DialogProps = {
  pending: PendingAction;
  account: SellerAccount | undefined;
  onClose: () => void;
  onQueued: (pending: PendingAction, dryRun: boolean) => void;
};

/** Queues the change through its command, once the person confirmed it (and chose a dry run or not). */
function useQueueChange(onQueued: DialogProps["onQueued"], pending: PendingAction) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ dryRun, priceCents }: { dryRun: boolean; priceCents?: number }) => {
      const { accountId, listingId } = pending.row;
      switch (pending.action) {
        case "editPrice":
          return unwrap(await commands.editListingPrice(accountId, listingId, priceCents ?? 0, dryRun));
        case "hide":
          return unwrap(await commands.hideListing(accountId, listingId, dryRun));
        case "unhide":
          return unwrap(await commands.unhideListing(accountId, listingId, dryRun));
        case "delete":
          return unwrap(await commands.deleteListing(accountId, listingId, dryRun));
        case "relist":
          return unwrap(await commands.relistListing(accountId, listingId));
      }
    },
    onSuccess: async (_queued, { dryRun }) => {
      await queryClient.invalidateQueries({ queryKey: jobKeys.all });
      onQueued(pending, dryRun);
    },
  });
}

/** The dialog of one listing's change: its price, or a confirmation with a dry-run choice. */
export function ListingActionDialog({ pending, account, onClose, onQueued }: DialogProps) {
  const { t } = useTranslation();
  const { showToast } = useToast();
  const queue = useQueueChange(onQueued, pending);
  const title = pending.row.title;
  const queueError = queue.isError ? t("listings.actions.failed", { reason: t(`errors.${normalizeAppError(queue.error).code}`) }) : null;

  if (pending.action === "relist") {
    return (
      <ConfirmDialog
        open
        title={t("listings.actions.relistDialog.title")}
        text={t("listings.actions.relistDialog.text", { title })}
        confirmLabel={queue.isPending ? t("listings.actions.queueing") : t("listings.actions.relistDialog.confirm")}
        cancelLabel={t("listings.actions.relistDialog.cancel")}
        testId="confirm-relist"
        busy={queue.isPending}
        onConfirm={() =>
          queue.mutate(
            { dryRun: false },
            {
              // The confirmation has no room for an error: it closes and the toast says why.
              onError: (error) => {
                onClose();
                showToast(t("listings.actions.failed", { reason: t(`errors.${normalizeAppError(error).code}`) }));
              },
            },
          )
        }
        onCancel={onClose}
      />
    );
  }
  if (pending.action === "editPrice") return <PriceDialog pending={pending} account={account} queue={queue} error={queueError} onClose={onClose} />;

  const texts = {
    hide: { title: t("listings.actions.hideDialog.title"), text: t("listings.actions.hideDialog.text", { title }), confirm: t("listings.actions.hideDialog.confirm") },
    unhide: { title: t("listings.actions.unhideDialog.title"), text: t("listings.actions.unhideDialog.text", { title }), confirm: t("listings.actions.unhideDialog.confirm") },
    delete: { title: t("listings.actions.deleteDialog.title"), text: t("listings.actions.deleteDialog.text", { title }), confirm: t("listings.actions.deleteDialog.confirm") },
  }[pending.action];
  return (
    <ChangeDialog
      kind={pending.action}
      title={texts.title}
      text={texts.text}
      confirm={texts.confirm}
      danger={pending.action === "delete"}
      account={account}
      busy={queue.isPending}
      error={queueError}
      onClose={onClose}
      onConfirm={(dryRun) => queue.mutate({ dryRun })}
    />
  );
}

type Queue = ReturnType<typeof useQueueChange>;

function SessionNote({ account }: { account: SellerAccount | undefined }) {
  const { t } = useTranslation();
  if (!account || account.isConnected) return null;
  return (
    <p className="hint is-warning" data-testid="listing-action-session">
      {t("listings.actions.sessionWaiting", { name: account.name })}
    </p>
  );
}

function DryRunChoice({ id, checked, disabled, onChange }: { id: string; checked: boolean; disabled: boolean; onChange: (value: boolean) => void }) {
  const { t } = useTranslation();
  return (
    <>
      <label className="checkbox">
        <input
          type="checkbox"
          data-testid="listing-action-dry-run"
          checked={checked}
          disabled={disabled}
          aria-describedby={`${id}-dry-run-hint`}
          onChange={(e) => onChange(e.target.checked)}
        />
        {t("listings.actions.dryRun")}
      </label>
      <p id={`${id}-dry-run-hint`} className="hint">
        {t("listings.actions.dryRunHint")}
      </p>
    </>
  );
}

type ChangeProps = {
  kind: "hide" | "unhide" | "delete";
  title: string;
  text: string;
  confirm: string;
  danger: boolean;
  account: SellerAccount | undefined;
  busy: boolean;
  error: string | null;
  onClose: () => void;
  onConfirm: (dryRun: boolean) => void;
};

/** Hide, show or delete: what it does, a dry-run choice, and the confirmation. */
function ChangeDialog({ kind, title, text, confirm, danger, account, busy, error, onClose, onConfirm }: ChangeProps) {
  const { t } = useTranslation();
  const id = useId();
  const [dryRun, setDryRun] = useState(false);
  return (
    <FormDialog title={title} testId="listing-change-dialog" busy={busy} onClose={onClose} className="listing-action-dialog">
      <form
        noValidate
        data-kind={kind}
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) onConfirm(dryRun);
        }}
      >
        <p className="dialog-text" data-testid="listing-change-text">
          {text}
        </p>
        <SessionNote account={account} />
        <DryRunChoice id={id} checked={dryRun} disabled={busy} onChange={setDryRun} />
        {error && (
          <p className="field-error" role="alert" data-testid="listing-action-error">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" data-testid="listing-change-cancel" disabled={busy} onClick={onClose}>
            {t("listings.actions.cancel")}
          </button>
          <button type="submit" className={danger ? "btn btn-danger" : "btn btn-primary"} data-testid="listing-change-confirm" disabled={busy}>
            {busy ? t("listings.actions.queueing") : confirm}
          </button>
        </div>
      </form>
    </FormDialog>
  );
}

type PriceProps = {
  pending: PendingAction;
  account: SellerAccount | undefined;
  queue: Queue;
  error: string | null;
  onClose: () => void;
};

/** A new price typed in euros (a comma or a point), checked before anything is queued. */
function PriceDialog({ pending, account, queue, error, onClose }: PriceProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const id = useId();
  const [text, setText] = useState(() => centsToInput(pending.row.priceCents, lang));
  const [dryRun, setDryRun] = useState(false);
  const [invalid, setInvalid] = useState<string | null>(null);
  const busy = queue.isPending;

  return (
    <FormDialog title={t("listings.actions.price.title")} testId="listing-price-dialog" busy={busy} onClose={onClose} className="listing-action-dialog">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (busy) return;
          const parsed = parseListingPrice(text);
          if (!parsed.ok) {
            setInvalid(t(`listings.actions.price.${parsed.error}`));
            return;
          }
          queue.mutate({ dryRun, priceCents: parsed.cents });
        }}
      >
        <p className="dialog-text">{t("listings.actions.price.text", { title: pending.row.title, price: formatCents(pending.row.priceCents, lang) })}</p>
        <Field id={`${id}-price`} name="priceCents" label={t("listings.actions.price.label")} hint={t("listings.actions.price.hint")} error={invalid ?? undefined} errorTestId="listing-price-error">
          {(a) => (
            <input
              {...a}
              data-testid="listing-price-input"
              type="text"
              inputMode="decimal"
              autoComplete="off"
              value={text}
              disabled={busy}
              onChange={(e) => {
                setText(e.target.value);
                setInvalid(null);
              }}
            />
          )}
        </Field>
        <SessionNote account={account} />
        <DryRunChoice id={id} checked={dryRun} disabled={busy} onChange={setDryRun} />
        {error && (
          <p className="field-error" role="alert" data-testid="listing-action-error">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" data-testid="listing-price-cancel" disabled={busy} onClick={onClose}>
            {t("listings.actions.cancel")}
          </button>
          <button type="submit" className="btn btn-primary" data-testid="listing-price-save" disabled={busy}>
            {busy ? t("listings.actions.queueing") : t("listings.actions.price.save")}
          </button>
        </div>
      </form>
    </FormDialog>
  );
}
