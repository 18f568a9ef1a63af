import { useMutation, useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type RegisterFormat, type RegisterKind } from "../../bindings";
import { EnumSelect, Field } from "../../components/form";
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
  const periodErrorId = `${id}-period-error`;
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
        <Field id={`${id}-kind`} name="kind" label={t("registers.kind")} className="field-narrow">
          {(a) => (
            <EnumSelect<RegisterKind>
              {...a}
              data-testid="register-kind"
              values={["receipts", "purchases"]}
              value={kind}
              label={(k) => t(`registers.${k}`)}
              onChange={(k) => setKind(k as RegisterKind)}
            />
          )}
        </Field>
        <Field
          id={`${id}-from`}
          name="from"
          label={t("registers.from")}
          className="field-narrow"
          invalid={fromInvalid}
          alsoDescribedBy={fromInvalid ? periodErrorId : undefined}
        >
          {(a) => <input {...a} type="date" data-testid="register-from" value={from} onChange={(e) => setFrom(e.target.value)} />}
        </Field>
        <Field id={`${id}-to`} name="to" label={t("registers.to")} className="field-narrow" invalid={toInvalid} alsoDescribedBy={toInvalid ? periodErrorId : undefined}>
          {(a) => <input {...a} type="date" data-testid="register-to" value={to} onChange={(e) => setTo(e.target.value)} />}
        </Field>
        <Field id={`${id}-account`} name="account" label={t("registers.account")} className="field-narrow">
          {(a) => (
            <EnumSelect
              {...a}
              data-testid="register-account"
              values={(accounts.data ?? []).map((acc) => acc.id)}
              value={account}
              label={(accountId) => accounts.data?.find((acc) => acc.id === accountId)?.name ?? accountId}
              emptyLabel={t("registers.allAccounts")}
              onChange={setAccount}
            />
          )}
        </Field>
        <Field id={`${id}-format`} name="format" label={t("registers.format")} className="field-narrow">
          {(a) => (
            <EnumSelect<RegisterFormat>
              {...a}
              data-testid="register-format"
              values={["pdf", "csv"]}
              value={format}
              label={(f) => (f === "pdf" ? t("registers.formatPdf") : t("registers.formatCsv"))}
              onChange={(f) => setFormat(f as RegisterFormat)}
            />
          )}
        </Field>
      </div>
      {(fromInvalid || toInvalid) && (
        <p id={periodErrorId} className="field-error" role="alert" data-testid="register-period-error">
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
