import { useMutation, useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type RegisterFormat, type RegisterKind } from "../../bindings";
import { useToast } from "../../components/Toast";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { csvLanguage, currentYear, isDay } from "../../lib/transfer";
import "./transfer.css";
import { accountKeys } from "../accounts/queryKeys";


/**
 * "Registres comptables": the receipts register (livre des recettes) and the purchases register
 * (registre des achats) of a period, as CSV or PDF, and every order of that period as CSV; the
 * files go to the exports folder and a toast says where.
 */
export function RegistersSection() {
  const { t, i18n } = useTranslation();
  const { showToast } = useToast();
  const id = useId();
  const year = currentYear(new Date());
  const [kind, setKind] = useState<RegisterKind>("receipts");
  const [from, setFrom] = useState(year.from);
  const [to, setTo] = useState(year.to);
  const [account, setAccount] = useState("");
  const [format, setFormat] = useState<RegisterFormat>("pdf");

  const accounts = useQuery({ queryKey: accountKeys.all, queryFn: async () => unwrap(await commands.listSellerAccounts()) });

  const fromInvalid = !isDay(from);
  const toInvalid = !isDay(to) || (!fromInvalid && to < from);
  const lang = csvLanguage(i18n.language);

  const onSuccess = (file: { path: string; count: number }) => showToast(t("transfer.exported", { path: file.path, count: file.count }));
  const exportRegister = useMutation({
    mutationFn: async () => unwrap(await commands.exportRegister({ kind, from, to, account: account || null, format, lang })),
    onSuccess,
  });
  const exportOrders = useMutation({
    mutationFn: async () => unwrap(await commands.exportOrders(from, to, account || null, lang)),
    onSuccess,
  });
  const busy = exportRegister.isPending || exportOrders.isPending;
  const error = exportRegister.error ?? exportOrders.error;

  return (
    <div className="card form-section registers" data-testid="registers">
      <h2 className="section-title">{t("registers.title")}</h2>
      <p className="hint">{t("registers.intro")}</p>
      <div className="field-row">
        <div className="field field-narrow">
          <label htmlFor={`${id}-kind`}>{t("registers.kind")}</label>
          <select id={`${id}-kind`} data-testid="register-kind" value={kind} onChange={(e) => setKind(e.target.value as RegisterKind)}>
            <option value="receipts">{t("registers.receipts")}</option>
            <option value="purchases">{t("registers.purchases")}</option>
          </select>
        </div>
        <div className="field field-narrow">
          <label htmlFor={`${id}-from`}>{t("registers.from")}</label>
          <input
            id={`${id}-from`}
            type="date"
            data-testid="register-from"
            value={from}
            aria-invalid={fromInvalid || undefined}
            onChange={(e) => setFrom(e.target.value)}
          />
        </div>
        <div className="field field-narrow">
          <label htmlFor={`${id}-to`}>{t("registers.to")}</label>
          <input
            id={`${id}-to`}
            type="date"
            data-testid="register-to"
            value={to}
            aria-invalid={toInvalid || undefined}
            onChange={(e) => setTo(e.target.value)}
          />
        </div>
        <div className="field field-narrow">
          <label htmlFor={`${id}-account`}>{t("registers.account")}</label>
          <select id={`${id}-account`} data-testid="register-account" value={account} onChange={(e) => setAccount(e.target.value)}>
            <option value="">{t("registers.allAccounts")}</option>
            {(accounts.data ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-narrow">
          <label htmlFor={`${id}-format`}>{t("registers.format")}</label>
          <select id={`${id}-format`} data-testid="register-format" value={format} onChange={(e) => setFormat(e.target.value as RegisterFormat)}>
            <option value="pdf">{t("registers.formatPdf")}</option>
            <option value="csv">{t("registers.formatCsv")}</option>
          </select>
        </div>
      </div>
      {(fromInvalid || toInvalid) && (
        <p className="field-error" role="alert" data-testid="register-period-error">
          {t("registers.periodInvalid")}
        </p>
      )}
      <div className="form-actions-inline">
        <button
          type="button"
          className="btn btn-primary"
          data-testid="register-export"
          disabled={busy || fromInvalid || toInvalid}
          onClick={() => exportRegister.mutate()}
        >
          {exportRegister.isPending ? t("transfer.exporting") : t("registers.export")}
        </button>
        <button
          type="button"
          className="btn"
          data-testid="register-export-orders"
          disabled={busy || fromInvalid || toInvalid}
          onClick={() => exportOrders.mutate()}
        >
          {exportOrders.isPending ? t("transfer.exporting") : t("registers.exportOrders")}
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert" data-testid="register-error">
          {t(`errors.${normalizeAppError(error).code}`)}
        </p>
      )}
    </div>
  );
}
