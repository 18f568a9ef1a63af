import type { ReactNode } from "react";

/** What a field hands its control: the id its label points at, and the hint and error it is described by. */
export type FieldControlProps = {
  id: string;
  "data-testid": string;
  "aria-describedby"?: string;
  "aria-invalid"?: true;
};

type Props = {
  /** The control's DOM id, also its `data-testid`; the hint and error take `<id>-hint` and `<id>-error`. */
  id: string;
  /** The field's name in error messages: the error's `data-testid` is `error-<name>`. */
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  /** The hint's DOM id, when not `<id>-hint`. */
  hintId?: string;
  /** The hint's `data-testid` (a preview a test reads), if any. */
  hintTestId?: string;
  /** The error in the user's language; the control is then marked invalid and described by it. */
  error?: string;
  /** The error's `data-testid`, when not `error-<name>`. */
  errorTestId?: string;
  /**
   * One line under the control instead of a hint and an error: the hint, replaced by the error
   * when there is one. The line keeps the hint's id, so the control stays described by that one
   * element; it is there even while empty (a preview still to come), so the layout does not jump.
   */
  errorReplacesHint?: boolean;
  /** Marks the control invalid without an error of its own (a message elsewhere names it). */
  invalid?: boolean;
  /** The id of a message elsewhere that also describes the control (read after the error). */
  alsoDescribedBy?: string;
  /** Shown beside the label (a character counter, say). */
  extra?: ReactNode;
  /** Shown under the hint and error, inside the field (a longer help the control is not described by, a save's alert). */
  footer?: ReactNode;
  /**
   * For a control that is not one element (a saved password with its buttons): the label is then
   * plain text, since a `<label>` must name one control.
   */
  plainLabel?: boolean;
  className?: string;
  /** Attributes of the field's own element, for tests that look at the whole field. */
  testId?: string;
  mode?: string;
  children: (control: FieldControlProps) => ReactNode;
};

/** The ids that describe a control, error first so a screen reader says what is wrong before the hint. */
export function describedBy(...ids: (string | undefined | false)[]): string | undefined {
  return ids.filter(Boolean).join(" ") || undefined;
}

/**
 * A labelled form control with its hint and error. The label is tied to the control by `id`, and
 * the control gets `aria-invalid` and `aria-describedby` pointing at the error and hint, so a
 * screen reader announces the error when the control takes the focus.
 */
export function Field(props: Props) {
  const { id, name, label, hint, error, errorTestId, invalid, alsoDescribedBy, extra, footer, plainLabel, className, testId, mode, children } = props;
  const oneLine = props.errorReplacesHint === true;
  const lineId = props.hintId ?? `${id}-hint`;
  const hintId = oneLine || hint ? lineId : undefined;
  const errorId = error ? (oneLine ? lineId : `${id}-error`) : undefined;
  const errorTest = errorTestId ?? `error-${name}`;
  const labelElement = plainLabel ? <span className="field-label">{label}</span> : <label htmlFor={id}>{label}</label>;
  return (
    <div className={`field${className ? ` ${className}` : ""}${error ? " has-error" : ""}`} data-testid={testId} data-mode={mode}>
      {extra !== undefined ? (
        <div className="field-label-row">
          {labelElement}
          {extra}
        </div>
      ) : (
        labelElement
      )}
      {children({
        id,
        "data-testid": id,
        // On one line, the error is the hint's element: name it once, first when it is the error.
        "aria-describedby": oneLine ? describedBy(error && lineId, alsoDescribedBy, !error && lineId) : describedBy(errorId, alsoDescribedBy, hintId),
        "aria-invalid": error || invalid ? true : undefined,
      })}
      {oneLine ? (
        <p id={lineId} className={error ? "field-error" : "hint"} data-testid={error ? errorTest : props.hintTestId}>
          {error || hint}
        </p>
      ) : (
        <>
          {hint && (
            <p id={hintId} className="hint" data-testid={props.hintTestId}>
              {hint}
            </p>
          )}
          {error && <FieldError id={errorId} name={name} message={error} testId={errorTestId} />}
        </>
      )}
      {footer}
    </div>
  );
}

/** An error under a control that is not laid out by `Field` (a cell of a table of lines, say). */
export function FieldError({ id, name, message, testId }: { id: string | undefined; name: string; message: string; testId?: string }) {
  return (
    <p id={id} className="field-error" data-testid={testId ?? `error-${name}`}>
      {message}
    </p>
  );
}
