import { useEffect, useId, useRef, type ReactNode } from "react";

type Props = {
  title: string;
  /** The dialog's `data-testid`. */
  testId: string;
  /** Escape, a click beside the dialog and the close buttons do nothing while this is set. */
  busy?: boolean;
  onClose: () => void;
  className?: string;
  children: ReactNode;
};

const FOCUSABLE = "input:not([disabled]), select:not([disabled]), textarea:not([disabled]), button:not([disabled]), [href], [tabindex]:not([tabindex='-1'])";

/**
 * A modal dialog holding a small form: its first control takes the focus, Tab stays inside,
 * Escape or a click beside it closes it, and the focus goes back where it was.
 */
export function FormDialog({ title, testId, busy, onClose, className, children }: Props) {
  const titleId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const previouslyFocused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialogRef.current?.querySelector<HTMLElement>(FOCUSABLE)?.focus();
    return () => {
      if (previouslyFocused?.isConnected) previouslyFocused.focus();
    };
  }, []);

  function onKeyDown(e: React.KeyboardEvent<HTMLDivElement>) {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      if (!busy) onClose();
      return;
    }
    if (e.key === "Tab" && dialogRef.current) {
      const focusables = Array.from(dialogRef.current.querySelectorAll<HTMLElement>(FOCUSABLE));
      if (focusables.length === 0) return;
      const first = focusables[0];
      const last = focusables[focusables.length - 1];
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  }

  return (
    // A click beside the dialog closes it, as Escape does for the keyboard.
    <div className="dialog-backdrop" role="presentation" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
      {/* eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions -- keys from its controls bubble here: Tab is kept inside, Escape closes */}
      <div
        ref={dialogRef}
        className={className ? `dialog form-dialog ${className}` : "dialog form-dialog"}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId} className="dialog-title">
          {title}
        </h2>
        {children}
      </div>
    </div>
  );
}
