import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type Job, type Named, type Problem, type ProductSelection, type PublishPreview } from "../../bindings";
import { EnumSelect, Field } from "../../components/form";
import { useToast } from "../../components/Toast";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { formatCents } from "../../lib/money";
import { photoSrc } from "../../lib/photos";
import { inventoryKeys } from "../inventory/queryKeys";
import { FormDialog } from "../jobs/FormDialog";
import { jobKeys } from "../jobs/queryKeys";
import { useSellerAccounts } from "../orders/queries";
import { MAX_PUBLISH_ITEMS, PREVIEW_CONCURRENCY, previewItem, problemMessage, problemValues } from "./publishPreview";
import { publishKeys } from "./queryKeys";

type Props = {
  /** The ticked items, or every item the inventory's filter matches (the first {@link MAX_PUBLISH_ITEMS}). */
  selection: ProductSelection;
  onClose: () => void;
  /** Opens an item's form, to fix what keeps it from being published. */
  onEditProduct?: (productId: string) => void;
  /** Opens the Vinted jobs area (the toast's link). */
  onOpenJobs?: () => void;
};

/**
 * "Publish on Vinted": the account, then what each item would send (its fields as mapped to
 * Vinted's from the reference data the app has read) and what to fix first. Only the items
 * without problems can be ticked; one publish job is queued for each ticked item, or a dry run.
 */
export function PublishDialog({ selection, onClose, onEditProduct, onOpenJobs }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const id = useId();
  const queryClient = useQueryClient();
  const { showToast } = useToast();
  const accounts = useSellerAccounts();
  const accountList = useMemo(() => accounts.data ?? [], [accounts.data]);
  const [picked, setPicked] = useState("");
  const accountId = accountList.some((a) => a.id === picked) ? picked : (accountList[0]?.id ?? "");
  const account = accountList.find((a) => a.id === accountId);
  const [unticked, setUnticked] = useState<ReadonlySet<string>>(new Set());
  const [dryRun, setDryRun] = useState(false);

  // Everything the filter matches: its first items, in the list's order.
  const matching = useQuery({
    queryKey: inventoryKeys.selectionIds(selection.kind === "matching" ? selection.query : null, MAX_PUBLISH_ITEMS),
    queryFn: async () => {
      if (selection.kind !== "matching") return { ids: [], total: 0 };
      const page = unwrap(await commands.listProducts({ ...selection.query, limit: MAX_PUBLISH_ITEMS, offset: 0 }));
      return { ids: page.items.map((p) => p.id), total: page.total };
    },
    enabled: selection.kind === "matching",
  });
  const allIds = selection.kind === "ids" ? selection.ids : (matching.data?.ids ?? []);
  const total = selection.kind === "ids" ? selection.ids.length : (matching.data?.total ?? 0);
  const ids = allIds.slice(0, MAX_PUBLISH_ITEMS);

  // A few previews at a time, in the list's order: the first ones show while the rest wait.
  const isSettled = (productId: string) => {
    const status = queryClient.getQueryState(publishKeys.preview(accountId, productId))?.status;
    return status === "success" || status === "error";
  };
  let settled = 0;
  while (settled < ids.length && isSettled(ids[settled])) settled++;
  const limit = settled + PREVIEW_CONCURRENCY;
  const previews = useQueries({
    queries: ids.map((productId, n) => ({
      queryKey: publishKeys.preview(accountId, productId),
      queryFn: async () => unwrap(await commands.previewPublish(accountId, productId)),
      enabled: accountId !== "" && n < limit,
      // Read afresh each time the dialog opens: the item may have been fixed in between.
      gcTime: 0,
    })),
  });

  const ready = (n: number): PublishPreview | null => {
    const data = previews[n]?.data;
    return data && data.problems.length === 0 ? data : null;
  };
  const toSend = ids.filter((productId, n) => ready(n) !== null && !unticked.has(productId));
  const loaded = previews.filter((q) => q.data).map((q) => q.data as PublishPreview);
  // Another of Vinted's lists not read yet is said on the items that need it.
  const missingReference = loaded.find((p) => !p.referenceLoaded) ?? null;
  const withProblems = loaded.filter((p) => p.problems.length > 0).length;

  const publish = useMutation({
    mutationFn: async () => unwrap(await commands.publishProducts(accountId, toSend, dryRun)),
    // Jobs are queued one by one: after a failure halfway, the ones already queued show too.
    onSettled: () => queryClient.invalidateQueries({ queryKey: jobKeys.all }),
    onSuccess: (jobs: Job[]) => {
      onClose();
      const message = dryRun
        ? t("publish.queuedDryRun", { count: jobs.length, name: account?.name ?? "" })
        : t("publish.queued", { count: jobs.length, name: account?.name ?? "" });
      showToast(message, onOpenJobs && { label: t("publish.seeJobs"), onAction: onOpenJobs, testId: "toast-open-jobs" });
    },
  });
  const error = publish.isError ? normalizeAppError(publish.error) : null;

  function toggle(productId: string) {
    setUnticked((old) => {
      const next = new Set(old);
      if (next.has(productId)) next.delete(productId);
      else next.add(productId);
      return next;
    });
  }

  function problemText(problem: Problem): string {
    const values = problemValues(problem, (cents) => formatCents(cents, lang));
    const message = problemMessage(problem);
    if (message.kind === "specific") return t(`publish.specific.${message.key}`, values);
    const field = message.kind === "generic" && message.field ? t(`publish.fields.${message.field}`) : problem.field;
    if (message.kind === "generic") return t(`publish.problems.${message.code}`, { ...values, field });
    return t("publish.problems.unknown", { field, code: problem.code, detail: values.detail });
  }

  const named = (n: Named | null) => n?.title ?? t("publish.none");
  const list = (items: Named[]) => (items.length > 0 ? items.map((n) => n.title).join(", ") : t("publish.none"));

  function item(productId: string, n: number) {
    const query = previews[n];
    const queued = n >= limit && query.isPending;
    const rowId = `${id}-item-${n}`;
    if (!query.data) {
      return (
        <li key={productId} className="publish-item is-loading" data-testid="publish-item" data-id={productId} data-state={query.isError ? "error" : "loading"}>
          {query.isError ? (
            <p className="field-error" role="alert" data-testid="publish-item-error">
              {t("publish.previewFailed", { reason: t(`errors.${normalizeAppError(query.error).code}`) })}
            </p>
          ) : (
            <p className="muted" role="status">
              {!queued && <span className="spinner" aria-hidden="true" />} {queued ? t("publish.previewWaiting") : t("publish.previewLoading")}
            </p>
          )}
        </li>
      );
    }
    const preview = query.data;
    const what = previewItem(preview);
    const canSend = preview.problems.length === 0;
    const checked = canSend && !unticked.has(productId);
    const catalog = preview.mapping.catalog;
    const leaf = catalog?.path.at(-1);
    return (
      <li
        key={productId}
        className={canSend ? "publish-item" : "publish-item has-problems"}
        data-testid="publish-item"
        data-id={productId}
        data-state={canSend ? "ready" : "problems"}
      >
        <div className="publish-item-head">
          <input
            id={rowId}
            type="checkbox"
            data-testid="publish-item-select"
            checked={checked}
            disabled={!canSend || publish.isPending}
            aria-describedby={canSend ? undefined : `${rowId}-problems`}
            onChange={() => toggle(productId)}
          />
          <label htmlFor={rowId} className="publish-item-title" data-testid="publish-item-title">
            {what.title || t("publish.untitled")}
          </label>
          <span className="publish-item-price" data-testid="publish-item-price">
            {what.priceCents !== null ? formatCents(what.priceCents, lang) : ""}
          </span>
        </div>
        <dl className="publish-fields">
          <dt>{t("publish.fields.category")}</dt>
          <dd data-testid="publish-item-category">
            {catalog && leaf
              ? t("publish.categoryPath", { path: catalog.path.map((p) => p.title).join(" › "), id: leaf.id })
              : t("publish.none")}
          </dd>
          <dt>{t("publish.fields.brand")}</dt>
          <dd data-testid="publish-item-brand">{named(preview.mapping.brand)}</dd>
          <dt>{t("publish.fields.size")}</dt>
          <dd data-testid="publish-item-size">{named(preview.mapping.size)}</dd>
          <dt>{t("publish.fields.condition")}</dt>
          <dd data-testid="publish-item-condition">{named(preview.mapping.condition)}</dd>
          <dt>{t("publish.fields.colors")}</dt>
          <dd data-testid="publish-item-colors">{list(preview.mapping.colors)}</dd>
          <dt>{t("publish.fields.materials")}</dt>
          <dd data-testid="publish-item-materials">{list(preview.mapping.materials)}</dd>
          <dt>{t("publish.fields.packageSize")}</dt>
          <dd data-testid="publish-item-package-size">{named(preview.mapping.packageSize)}</dd>
          <dt>{t("publish.fields.photos")}</dt>
          <dd data-testid="publish-item-photos" data-count={what.photos.length}>
            {t("publish.photoCount", { count: what.photos.length })}
            {what.photos.length > 0 && (
              <span className="publish-photos">
                {what.photos.map((file, k) => (
                  <img key={`${k}-${file}`} className="thumb thumb-small" src={photoSrc(file)} alt={t("publish.photoAlt", { n: k + 1 })} loading="lazy" draggable={false} />
                ))}
              </span>
            )}
          </dd>
        </dl>
        {!canSend && (
          <div className="publish-problems" id={`${rowId}-problems`}>
            <p className="publish-problems-title">{t("publish.problemsTitle", { count: preview.problems.length })}</p>
            <ul data-testid="publish-problems">
              {preview.problems.map((p, k) => (
                <li key={k} data-testid="publish-problem" data-field={p.field} data-code={p.code}>
                  {problemText(p)}
                </li>
              ))}
            </ul>
            {onEditProduct && (
              <button type="button" className="link-btn" data-testid="publish-edit-product" onClick={() => onEditProduct(productId)}>
                {t("publish.editProduct")}
              </button>
            )}
          </div>
        )}
      </li>
    );
  }

  let items: React.ReactNode;
  if (selection.kind === "matching" && matching.isPending) {
    items = (
      <p className="state-message" role="status">
        <span className="spinner" aria-hidden="true" /> {t("publish.loadingItems")}
      </p>
    );
  } else if (selection.kind === "matching" && matching.isError) {
    items = (
      <p className="field-error" role="alert" data-testid="publish-items-error">
        {t("publish.itemsFailed", { reason: t(`errors.${normalizeAppError(matching.error).code}`) })}
      </p>
    );
  } else if (ids.length === 0) {
    items = (
      <p className="hint" data-testid="publish-nothing">
        {t("publish.nothing")}
      </p>
    );
  } else if (accountId !== "") {
    items = (
      <ul className="publish-list" aria-label={t("publish.listLabel")} data-testid="publish-list">
        {ids.map(item)}
      </ul>
    );
  }

  return (
    <FormDialog title={t("publish.title")} testId="publish-dialog" busy={publish.isPending} onClose={onClose} className="publish-dialog">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (account && toSend.length > 0 && !publish.isPending) publish.mutate();
        }}
      >
        {accounts.isPending ? (
          <p className="muted" role="status">
            <span className="spinner" aria-hidden="true" /> {t("publish.loadingAccounts")}
          </p>
        ) : accountList.length === 0 ? (
          <p className="banner" data-testid="publish-no-account">
            {accounts.isError ? t("publish.accountsFailed") : t("publish.noAccount")}
          </p>
        ) : (
          <Field id={`${id}-account`} name="account" label={t("publish.account")}>
            {(a) => (
              <EnumSelect
                {...a}
                data-testid="publish-account"
                values={accountList.map((acc) => acc.id)}
                value={accountId}
                label={(value) => accountList.find((acc) => acc.id === value)?.name ?? value}
                disabled={publish.isPending}
                onChange={(value) => {
                  if (value !== "") setPicked(value);
                }}
              />
            )}
          </Field>
        )}
        {account && (
          <p className={account.isConnected ? "hint" : "hint is-warning"} data-testid="publish-session" data-connected={account.isConnected}>
            {account.isConnected ? t("publish.sessionReady", { name: account.name }) : t("publish.sessionWaiting", { name: account.name })}
          </p>
        )}
        {total > MAX_PUBLISH_ITEMS && (
          <p className="hint is-warning" data-testid="publish-capped">
            {t("publish.capped", { max: MAX_PUBLISH_ITEMS, total })}
          </p>
        )}
        {missingReference && (
          <div className="banner banner-warning" role="status" data-testid="publish-reference-missing">
            <p>{t("publish.referenceMissing", { domain: missingReference.domain })}</p>
            {missingReference.message && !lang.startsWith("en") && (
              <p className="muted" lang="en" data-testid="publish-reference-message">
                {missingReference.message}
              </p>
            )}
          </div>
        )}
        {items}
        {withProblems > 0 && (
          <p className="hint" data-testid="publish-problems-summary">
            {t("publish.problemsSummary", { count: withProblems })}
          </p>
        )}
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="publish-dry-run"
            checked={dryRun}
            disabled={publish.isPending}
            aria-describedby={`${id}-dry-run-hint`}
            onChange={(e) => setDryRun(e.target.checked)}
          />
          {t("publish.dryRun")}
        </label>
        <p id={`${id}-dry-run-hint`} className="hint">
          {t("publish.dryRunHint")}
        </p>
        {error && (
          <p className="field-error" role="alert" data-testid="publish-error" data-code={error.code}>
            {t("publish.failed")} {t(`errors.${error.code}`)}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" data-testid="publish-cancel" disabled={publish.isPending} onClick={onClose}>
            {t("form.cancel")}
          </button>
          <button type="submit" className="btn btn-primary" data-testid="publish-submit" disabled={!account || toSend.length === 0 || publish.isPending}>
            {publish.isPending ? t("publish.queueing") : t("publish.submit", { count: toSend.length })}
          </button>
        </div>
      </form>
    </FormDialog>
  );
}
