import { useMemo, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { ConflictView } from "../../bindings";
import { useToast } from "../../components/Toast";
import { normalizeAppError } from "../../lib/errors";
import { conflictKey, useChooseConflictValue, useResolveConflict } from "./queries";

/** The inventory's items: a conflict on one of them can be settled in its form. */
const PRODUCTS_TABLE = "seller_products";

type Props = {
  conflicts: ConflictView[];
  /** Opens an item of the inventory in its form (to change its SKU). */
  onOpenProduct?: (id: string) => void;
};

/**
 * SKUs or slugs given to two items (offline on two devices, or by signing a device in): for
 * each, which item keeps the value (the other gets the distinct one), or "mark as resolved".
 */
export function ConflictList({ conflicts, onOpenProduct }: Props) {
  const { t, i18n } = useTranslation();
  const { showToast } = useToast();
  const resolve = useResolveConflict();
  const choose = useChooseConflictValue();
  // The row (and its button) goes away once resolved: the focus goes back to the heading.
  const titleRef = useRef<HTMLHeadingElement>(null);
  const dateTime = useMemo(() => new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" }), [i18n.language]);
  const pendingKey =
    resolve.isPending && resolve.variables
      ? conflictKey(resolve.variables)
      : choose.isPending && choose.variables
        ? conflictKey(choose.variables.conflict)
        : null;
  const busyAny = resolve.isPending || choose.isPending;
  const resolveError = resolve.isError ? normalizeAppError(resolve.error) : null;
  const chooseError = choose.isError ? normalizeAppError(choose.error) : null;

  const formatDate = (iso: string) => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
  };
  const fieldName = (column: string) => (column === "sku" ? t("sync.conflicts.fieldSku") : column === "slug" ? t("sync.conflicts.fieldSlug") : column);

  return (
    <section className="card form-section" data-testid="sync-conflicts" data-count={conflicts.length} aria-labelledby="sync-conflicts-title">
      <h2 ref={titleRef} id="sync-conflicts-title" className="section-title sync-section-title" tabIndex={-1}>
        {t("sync.conflicts.title")}
        {conflicts.length > 0 && <span className="badge sync-conflict-count">{conflicts.length}</span>}
      </h2>
      {conflicts.length === 0 ? (
        <p className="sync-empty" data-testid="sync-conflicts-empty">
          <span aria-hidden="true">✓ </span>
          {t("sync.conflicts.empty")}
        </p>
      ) : (
        <>
          <p className="hint">{t("sync.conflicts.intro")}</p>
          <div className="sync-table-wrap">
            <table className="sync-conflict-table">
              <caption className="sr-only">{t("sync.conflicts.caption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("sync.conflicts.item")}</th>
                  <th scope="col">{t("sync.conflicts.original")}</th>
                  <th scope="col">{t("sync.conflicts.current")}</th>
                  <th scope="col">{t("sync.conflicts.other")}</th>
                  <th scope="col">{t("sync.conflicts.detected")}</th>
                  <th scope="col" className="col-actions">
                    <span className="sr-only">{t("sync.conflicts.actions")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {conflicts.map((conflict) => {
                  const key = conflictKey(conflict);
                  const name = conflict.label?.trim() || t("sync.conflicts.untitled");
                  const otherName = conflict.otherLabel?.trim() || t("sync.conflicts.untitled");
                  const busy = pendingKey === key;
                  const canOpen = onOpenProduct !== undefined && conflict.table === PRODUCTS_TABLE && conflict.current !== null;
                  return (
                    <tr key={key} data-testid="sync-conflict" data-table={conflict.table} data-id={conflict.id} data-column={conflict.column}>
                      <th scope="row" className="sync-conflict-item">
                        <span data-testid="sync-conflict-label" className={conflict.label ? undefined : "muted"}>
                          {name}
                        </span>
                        <span className="hint sync-conflict-field">{fieldName(conflict.column)}</span>
                      </th>
                      <td>
                        <code data-testid="sync-conflict-original">{conflict.original}</code>
                      </td>
                      <td>
                        {conflict.current !== null ? (
                          <code data-testid="sync-conflict-current">{conflict.current}</code>
                        ) : (
                          <span className="muted" data-testid="sync-conflict-current">
                            {t("sync.conflicts.gone")}
                          </span>
                        )}
                      </td>
                      <td data-testid="sync-conflict-other" data-id={conflict.otherId}>
                        <span data-testid="sync-conflict-other-label" className={conflict.otherLabel ? undefined : "muted"}>
                          {otherName}
                        </span>{" "}
                        {conflict.otherCurrent !== null ? (
                          <span className="hint">
                            {t("sync.conflicts.otherHolds")}
                            <code data-testid="sync-conflict-other-current">{conflict.otherCurrent}</code>
                          </span>
                        ) : (
                          <span className="muted" data-testid="sync-conflict-other-current">
                            {t("sync.conflicts.gone")}
                          </span>
                        )}
                      </td>
                      <td>
                        <time dateTime={conflict.detectedAt} data-testid="sync-conflict-detected">
                          {formatDate(conflict.detectedAt)}
                        </time>
                      </td>
                      <td className="col-actions">
                        <span className="sync-row-actions">
                          {canOpen && (
                            <button
                              type="button"
                              className="btn btn-small"
                              data-testid="sync-conflict-open"
                              aria-label={t("sync.conflicts.openLabel", { name })}
                              onClick={() => onOpenProduct(conflict.id)}
                            >
                              {t("sync.conflicts.open")}
                            </button>
                          )}
                          {conflict.current !== null && (
                            <button
                              type="button"
                              className="btn btn-small btn-primary"
                              data-testid="sync-conflict-keep-here"
                              aria-label={t("sync.conflicts.keepHereLabel", { value: conflict.original, name })}
                              disabled={busyAny}
                              onClick={() =>
                                choose.mutate(
                                  { conflict, keep: "this" },
                                  {
                                    onSuccess: () => {
                                      titleRef.current?.focus();
                                      showToast(t("sync.conflicts.keptHere", { value: conflict.original }));
                                    },
                                  },
                                )
                              }
                            >
                              {t("sync.conflicts.keepHere", { value: conflict.original })}
                            </button>
                          )}
                          <button
                            type="button"
                            className="btn btn-small"
                            data-testid="sync-conflict-keep-other"
                            aria-label={t("sync.conflicts.keepOtherLabel", { value: conflict.original, name, other: otherName })}
                            disabled={busyAny}
                            onClick={() =>
                              choose.mutate(
                                { conflict, keep: "other" },
                                {
                                  onSuccess: () => {
                                    titleRef.current?.focus();
                                    showToast(t("sync.conflicts.keptOther", { value: conflict.original }));
                                  },
                                },
                              )
                            }
                          >
                            {t("sync.conflicts.keepOther")}
                          </button>
                          <button
                            type="button"
                            className="btn btn-small"
                            data-testid="sync-conflict-resolve"
                            aria-label={t("sync.conflicts.resolveLabel", { name })}
                            aria-busy={busy || undefined}
                            disabled={busyAny}
                            onClick={() =>
                              resolve.mutate(conflict, {
                                onSuccess: () => {
                                  titleRef.current?.focus();
                                  showToast(t("sync.conflicts.resolved"));
                                },
                              })
                            }
                          >
                            {busy ? t("sync.conflicts.resolving") : t("sync.conflicts.resolve")}
                          </button>
                        </span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
      {chooseError && (
        <p className="field-error" role="alert" data-testid="sync-conflict-choose-error" data-code={chooseError.code}>
          {t("sync.conflicts.chooseError")} {t(`errors.${chooseError.code}`)}
        </p>
      )}
      {resolveError && (
        <p className="field-error" role="alert" data-testid="sync-conflict-error" data-code={resolveError.code}>
          {t("sync.conflicts.resolveError")} {t(`errors.${resolveError.code}`)}
        </p>
      )}
    </section>
  );
}
