import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { type AppError, commands, type FavoriteItem, type OutreachMode, type OutreachRequest } from "../../bindings";
import { useSaveMutation } from "../../components/form";
import { useToast } from "../../components/Toast";
import { centsToInput, parseEuroToCents } from "../../lib/money";
import { FormDialog } from "../jobs/FormDialog";
import { notificationKeys } from "./queryKeys";

type Props = { item: FavoriteItem; onClose: () => void };

/**
 * An item's messages (or offers) to the people who favourite it. The warning about Vinted's
 * rules is shown first, and the option cannot be turned on until the person says they read it;
 * the store refuses it too without that confirmation.
 */
export function OutreachDialog({ item, onClose }: Props) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const { showToast } = useToast();
  const current = item.outreach;
  const [mode, setMode] = useState<OutreachMode>(current?.mode ?? "message");
  const [message, setMessage] = useState(current?.message ?? t("notifications.outreach.defaultMessage"));
  const [price, setPrice] = useState(current?.offerPriceCents != null ? centsToInput(current.offerPriceCents, i18n.language) : "");
  const [accepted, setAccepted] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const save = useSaveMutation({
    save: (request: OutreachRequest) => commands.setItemOutreach(request),
    onSaved: () => void queryClient.invalidateQueries({ queryKey: notificationKeys.all }),
  });
  const badFields = new Set(error?.fields.map((f) => f.field) ?? []);

  async function submit(enabled: boolean) {
    let offerPriceCents: number | null = null;
    if (enabled && mode === "offer") {
      offerPriceCents = parseEuroToCents(price);
      if (offerPriceCents === null || offerPriceCents <= 0) {
        setError({ code: "validation", message: "", fields: [{ field: "offerPriceCents", code: "invalid" }] });
        return;
      }
    }
    const outcome = await save.run({
      accountId: item.accountId,
      itemId: item.itemId,
      enabled,
      mode: enabled ? mode : (current?.mode ?? mode),
      message: enabled ? message : (current?.message ?? message),
      offerPriceCents: enabled ? offerPriceCents : (current?.offerPriceCents ?? null),
      rulesAccepted: enabled ? accepted : false,
    });
    if (!outcome) return;
    if (outcome.ok) {
      showToast(t(enabled ? "notifications.outreach.turnedOn" : "notifications.outreach.turnedOff"));
      onClose();
    } else setError(outcome.error);
  }

  return (
    <FormDialog title={t("notifications.outreach.title", { item: item.itemTitle ?? item.itemId })} testId="outreach-dialog" busy={save.pending} onClose={onClose}>
      <div className="outreach-warning" role="note" data-testid="outreach-warning">
        <strong>{t("notifications.outreach.warningTitle")}</strong>
        <p>{t("notifications.outreach.warning")}</p>
      </div>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit(true);
        }}
      >
        <fieldset className="field">
          <legend>{t("notifications.outreach.mode")}</legend>
          {(["message", "offer"] as const).map((m) => (
            <label key={m} className="checkbox">
              <input type="radio" name="outreach-mode" value={m} checked={mode === m} data-testid={`outreach-mode-${m}`} onChange={() => setMode(m)} />
              {t(`notifications.outreach.modes.${m}`)}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="outreach-message">{t("notifications.outreach.message")}</label>
          <textarea
            id="outreach-message"
            data-testid="outreach-message"
            rows={4}
            maxLength={2000}
            value={message}
            aria-invalid={badFields.has("message") || undefined}
            onChange={(e) => {
              setMessage(e.target.value);
              setError(null);
            }}
          />
          {badFields.has("message") && <p className="field-error">{t("notifications.outreach.messageRequired")}</p>}
        </div>
        {mode === "offer" && (
          <div className="field field-narrow">
            <label htmlFor="outreach-price">{t("notifications.outreach.price")}</label>
            <input
              id="outreach-price"
              data-testid="outreach-price"
              inputMode="decimal"
              value={price}
              aria-invalid={badFields.has("offerPriceCents") || undefined}
              onChange={(e) => {
                setPrice(e.target.value);
                setError(null);
              }}
            />
            <p className="hint">{t("notifications.outreach.priceHint")}</p>
            {badFields.has("offerPriceCents") && <p className="field-error">{t("notifications.outreach.priceInvalid")}</p>}
          </div>
        )}
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="outreach-accept"
            checked={accepted}
            onChange={(e) => {
              setAccepted(e.target.checked);
              setError(null);
            }}
          />
          {t("notifications.outreach.accept")}
        </label>
        {badFields.has("rulesAccepted") && <p className="field-error">{t("notifications.outreach.acceptRequired")}</p>}
        <div className="form-actions-end">
          <button type="button" className="btn" onClick={onClose} disabled={save.pending}>
            {t("notifications.outreach.cancel")}
          </button>
          {current?.enabled && (
            <button type="button" className="btn" data-testid="outreach-turn-off" disabled={save.pending} onClick={() => void submit(false)}>
              {t("notifications.outreach.turnOff")}
            </button>
          )}
          <button type="submit" className="btn btn-primary" data-testid="outreach-turn-on" disabled={!accepted || save.pending}>
            {t("notifications.outreach.turnOn")}
          </button>
        </div>
      </form>
    </FormDialog>
  );
}
