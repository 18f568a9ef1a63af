import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type AppError, type ReplyTemplate } from "../../bindings";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { FormDialog } from "../jobs/FormDialog";
import { inboxKeys } from "./queryKeys";

type Draft = { id: string | null; name: string; body: string };
const EMPTY: Draft = { id: null, name: "", body: "" };

/** The reply templates: a list to edit or delete, and a form to add one or change it. */
export function TemplatesDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [error, setError] = useState<AppError | null>(null);
  const templates = useQuery({
    queryKey: inboxKeys.templates,
    queryFn: async () => unwrap(await commands.listReplyTemplates()),
  });
  const done = () => void queryClient.invalidateQueries({ queryKey: inboxKeys.templates });
  const save = useMutation({
    mutationFn: async (d: Draft) => {
      const input = { name: d.name, body: d.body };
      return unwrap(d.id ? await commands.updateReplyTemplate(d.id, input) : await commands.createReplyTemplate(input));
    },
    onSuccess: () => {
      setDraft(EMPTY);
      setError(null);
      done();
    },
    onError: (e) => setError(normalizeAppError(e)),
  });
  const remove = useMutation({
    mutationFn: async (id: string) => unwrap(await commands.deleteReplyTemplate(id)),
    onSuccess: done,
    onError: (e) => setError(normalizeAppError(e)),
  });
  const fieldError = (field: "name" | "body") => {
    const code = error?.fields.find((f) => f.field === field)?.code;
    if (!code) return null;
    return code === "duplicate" ? t("inbox.templates.duplicate") : code === "tooLong" ? t("inbox.templates.tooLong") : t("inbox.templates.required");
  };
  const edit = (tpl: ReplyTemplate) => {
    setDraft({ id: tpl.id, name: tpl.name, body: tpl.body });
    setError(null);
  };

  return (
    <FormDialog title={t("inbox.templates.title")} testId="inbox-templates-dialog" busy={save.isPending} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(draft);
        }}
      >
        <label className="field">
          <span>{t("inbox.templates.name")}</span>
          <input value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} aria-invalid={fieldError("name") !== null} data-testid="inbox-template-name" />
          {fieldError("name") && <span className="field-error">{fieldError("name")}</span>}
        </label>
        <label className="field">
          <span>{t("inbox.templates.body")}</span>
          <textarea rows={3} value={draft.body} onChange={(e) => setDraft({ ...draft, body: e.target.value })} aria-invalid={fieldError("body") !== null} data-testid="inbox-template-body" />
          {fieldError("body") && <span className="field-error">{fieldError("body")}</span>}
        </label>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose} disabled={save.isPending}>
            {t("inbox.templates.close")}
          </button>
          <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="inbox-template-save">
            {draft.id ? t("inbox.templates.save") : t("inbox.templates.add")}
          </button>
        </div>
      </form>
      {templates.data && templates.data.length === 0 && <p className="state-message">{t("inbox.templates.empty")}</p>}
      {templates.data && templates.data.length > 0 && (
        <ul className="inbox-template-list" data-testid="inbox-template-list">
          {templates.data.map((tpl) => (
            <li key={tpl.id}>
              <strong>{tpl.name}</strong> <span className="inbox-template-body">{tpl.body}</span>
              <button type="button" className="btn btn-small" onClick={() => edit(tpl)}>
                {t("inbox.templates.edit")}
              </button>
              <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => remove.mutate(tpl.id)} disabled={remove.isPending}>
                {t("inbox.templates.delete")}
              </button>
            </li>
          ))}
        </ul>
      )}
    </FormDialog>
  );
}
