import { forwardRef } from "react";
import { useTranslation } from "react-i18next";
import type { AppError, FieldError } from "../bindings";

/** A form's refusal: the error in the user's language, fields the form cannot show, details. */
export type FormBanner = { error: AppError; unmapped: FieldError[] };

type Props = { banner: FormBanner; testId: string };

/** Shown at the top of a form when saving failed; focusable so the form can move focus to it. */
export const FormErrorBanner = forwardRef<HTMLDivElement, Props>(function FormErrorBanner({ banner, testId }, ref) {
  const { t } = useTranslation();
  return (
    <div ref={ref} className="banner banner-error" role="alert" tabIndex={-1} data-testid={testId}>
      <p>{t(`errors.${banner.error.code}`)}</p>
      {banner.unmapped.length > 0 && (
        <>
          <p>{t("errors.otherFields")}</p>
          <ul>
            {banner.unmapped.map((fe, i) => (
              <li key={i}>
                <code>{fe.field}</code> — {t(`fieldErrors.${fe.code}`)}
              </li>
            ))}
          </ul>
        </>
      )}
      {banner.error.message && (
        <details>
          <summary>{t("errors.details")}</summary>
          <code className="details-text">{banner.error.message}</code>
        </details>
      )}
    </div>
  );
});
