import { useTranslation } from "react-i18next";
import { ConfirmDialog } from "../ConfirmDialog";
import type { DirtyGuard } from "./useDirtyGuard";

/** The question a dirty form asks before it is left: discard the changes, or keep editing. */
export function DiscardDialog({ guard }: { guard: DirtyGuard }) {
  const { t } = useTranslation();
  return (
    <ConfirmDialog
      open={guard.confirming}
      title={t("discard.title")}
      text={t("discard.text")}
      confirmLabel={t("discard.confirm")}
      cancelLabel={t("discard.cancel")}
      testId="confirm-discard"
      danger
      onConfirm={guard.confirmLeave}
      onCancel={guard.stay}
    />
  );
}
