import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { commands } from "../../bindings";
import { useToast } from "../../components/Toast";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { inventoryKeys } from "./queryKeys";

/** Under ["products"], so every change to the inventory asks the store again. */

/** Undo of the last bulk action, shared by its notice and the inventory's toolbar button. */
export function useUndoBulkAction() {
  const { t } = useTranslation();
  const { showToast } = useToast();
  const queryClient = useQueryClient();
  const canUndo = useQuery({
    queryKey: inventoryKeys.canUndoBulkAction,
    queryFn: async () => unwrap(await commands.canUndoBulkAction()),
  });
  const undo = useMutation({
    mutationFn: async () => unwrap(await commands.undoBulkAction()),
    onSuccess: (outcome) => showToast(t("bulk.undone", { count: outcome.affected })),
    onError: (err) => showToast(t(`errors.${normalizeAppError(err).code}`)),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: inventoryKeys.all });
      void queryClient.invalidateQueries({ queryKey: inventoryKeys.facets });
    },
  });
  return { canUndo: canUndo.data === true, undo };
}

/** The toolbar's lasting way back: shown while the last bulk action can still be undone. */
export function UndoBulkButton() {
  const { t } = useTranslation();
  const { canUndo, undo } = useUndoBulkAction();
  if (!canUndo) return null;
  return (
    <button type="button" className="btn" data-testid="undo-bulk" disabled={undo.isPending} onClick={() => undo.mutate()}>
      ↶ {t("bulk.undoLast")}
    </button>
  );
}
