import { useTranslation } from "react-i18next";
import { normalizeAppError } from "../lib/errors";

type Props = { title: string; error: unknown; onRetry: () => void; testId: string };

/** What a page shows when its data could not be loaded: why, in the user's language, and a retry. */
export function LoadError({ title, error, onRetry, testId }: Props) {
  const { t } = useTranslation();
  return (
    <div className="banner banner-error" role="alert" data-testid={testId}>
      <p>
        <strong>{title}</strong> {t(`errors.${normalizeAppError(error).code}`)}
      </p>
      <div className="banner-actions">
        <button type="button" className="btn" onClick={onRetry}>
          {t("errors.retry")}
        </button>
      </div>
    </div>
  );
}
