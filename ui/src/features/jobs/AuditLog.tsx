import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { commands, type AuditFilter } from "../../bindings";
import { LoadError } from "../../components/LoadError";
import { useToast } from "../../components/Toast";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { csvLanguage } from "../../lib/transfer";
import { jobKeys } from "./queryKeys";

export const AUDIT_PER_PAGE = 50;

type Props = {
  accountId: string | null;
  accountNames: ReadonlyMap<string, string>;
  page: number;
  onPageChange: (page: number) => void;
};

/** Every write sent to Vinted (or only recorded, in a dry run), newest first, and its CSV export. */
export function AuditLog({ accountId, accountNames, page, onPageChange }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { showToast } = useToast();
  const filter: AuditFilter = { accountId, page, perPage: AUDIT_PER_PAGE };
  const audit = useQuery({
    queryKey: jobKeys.auditList(filter),
    queryFn: async () => unwrap(await commands.listAudit(filter)),
    placeholderData: keepPreviousData,
  });
  const exportAudit = useMutation({
    mutationFn: async () => unwrap(await commands.exportAudit(accountId, csvLanguage(lang))),
    onSuccess: (file) => showToast(t("transfer.exported", { path: file.path, count: file.count })),
    onError: (error) => showToast(t("transfer.exportFailed", { reason: t(`errors.${normalizeAppError(error).code}`) })),
  });
  const dateTime = useMemo(() => new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "medium" }), [lang]);
  const data = audit.data;

  let body: React.ReactNode;
  if (audit.isPending) {
    body = (
      <p className="state-message" role="status" data-testid="audit-loading">
        <span className="spinner" aria-hidden="true" /> {t("jobs.audit.loading")}
      </p>
    );
  } else if (audit.isError && !data) {
    body = <LoadError title={t("jobs.audit.loadError")} error={audit.error} onRetry={() => void audit.refetch()} testId="audit-error" />;
  } else if (data && data.total === 0) {
    body = (
      <div className="empty-state" data-testid="audit-empty">
        <h2>{t("jobs.audit.emptyTitle")}</h2>
        <p>{t("jobs.audit.emptyText")}</p>
      </div>
    );
  } else if (data) {
    const pages = Math.max(1, Math.ceil(data.total / AUDIT_PER_PAGE));
    const from = (data.page - 1) * AUDIT_PER_PAGE + 1;
    body = (
      <>
        <div className="table-wrap">
          <table className="data-table audit-table" aria-busy={audit.isFetching || undefined}>
            <caption className="sr-only">{t("jobs.audit.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("jobs.audit.columns.at")}</th>
                <th scope="col">{t("jobs.audit.columns.account")}</th>
                <th scope="col">{t("jobs.audit.columns.method")}</th>
                <th scope="col">{t("jobs.audit.columns.path")}</th>
                <th scope="col">{t("jobs.audit.columns.outcome")}</th>
                <th scope="col" className="col-num">
                  {t("jobs.audit.columns.httpStatus")}
                </th>
                <th scope="col">{t("jobs.audit.columns.message")}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((r) => {
                const at = new Date(r.at);
                return (
                  <tr key={r.id} data-testid="audit-row" data-id={r.id} data-outcome={r.outcome}>
                    <td className="col-date">{Number.isNaN(at.getTime()) ? r.at : dateTime.format(at)}</td>
                    <td>{r.accountId ? (accountNames.get(r.accountId) ?? t("jobs.unknownAccount")) : t("jobs.deletedAccount")}</td>
                    <td>
                      <code>{r.method}</code>
                    </td>
                    <td className="col-path">
                      <code>{r.path}</code>
                    </td>
                    <td>
                      <span className={`badge badge-audit-${r.outcome}`} data-testid="audit-outcome">
                        {t(`jobs.audit.outcomes.${r.outcome}`)}
                      </span>
                    </td>
                    <td className="col-num">{r.httpStatus ?? ""}</td>
                    <td className="col-message">{r.message ?? ""}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <nav className="pagination" aria-label={t("jobs.audit.pagination")}>
          <span className="pagination-range" data-testid="audit-page-range">
            {t("jobs.audit.range", { from, to: from + data.items.length - 1, total: data.total })}
          </span>
          <div className="pagination-buttons">
            <button type="button" className="btn btn-small" data-testid="audit-page-prev" disabled={page <= 1} onClick={() => onPageChange(page - 1)}>
              ← {t("jobs.previous")}
            </button>
            <button type="button" className="btn btn-small" data-testid="audit-page-next" disabled={page >= pages} onClick={() => onPageChange(page + 1)}>
              {t("jobs.next")} →
            </button>
          </div>
        </nav>
      </>
    );
  }

  return (
    <div className="audit-log" data-testid="audit-log">
      <div className="section-head">
        <p className="hint">{t("jobs.audit.intro")}</p>
        <button
          type="button"
          className="btn"
          data-testid="audit-export"
          disabled={exportAudit.isPending}
          title={t("jobs.audit.exportHint")}
          onClick={() => exportAudit.mutate()}
        >
          {exportAudit.isPending ? t("jobs.audit.exporting") : t("jobs.audit.export")}
        </button>
      </div>
      {body}
    </div>
  );
}
