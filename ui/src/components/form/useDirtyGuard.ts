import { useCallback, useEffect, useState, type KeyboardEvent } from "react";

type Options = {
  /** Whether the form holds changes that leaving would lose. */
  dirty: boolean;
  /** Leaves the form (closes it, goes back to the list). */
  onLeave: () => void;
  /** Tells the page around the form, which asks before navigating away while it is true. */
  onDirtyChange?: (dirty: boolean) => void;
};

export type DirtyGuard = {
  /** The "discard your changes?" question is open. */
  confirming: boolean;
  /** Leaves at once when nothing changed, else asks first. */
  requestLeave: () => void;
  /** The user chose to discard: close the question and leave. */
  confirmLeave: () => void;
  /** The user chose to stay on the form. */
  stay: () => void;
  /**
   * For the form's `onKeyDown`: Escape asks to leave, unless a control inside already used it
   * (an open list of suggestions closes first) or a dialog is open.
   */
  onEscape: (event: KeyboardEvent, otherDialogOpen?: boolean) => void;
};

/** The confirmation before leaving a form with unsaved changes, and what the page is told of them. */
export function useDirtyGuard({ dirty, onLeave, onDirtyChange }: Options): DirtyGuard {
  const [confirming, setConfirming] = useState(false);

  useEffect(() => {
    onDirtyChange?.(dirty);
  }, [dirty, onDirtyChange]);
  // A form that goes away has nothing left to lose.
  useEffect(() => () => onDirtyChange?.(false), [onDirtyChange]);

  const requestLeave = useCallback(() => {
    if (dirty) setConfirming(true);
    else onLeave();
  }, [dirty, onLeave]);

  const confirmLeave = useCallback(() => {
    setConfirming(false);
    onLeave();
  }, [onLeave]);

  const stay = useCallback(() => setConfirming(false), []);

  const onEscape = useCallback(
    (event: KeyboardEvent, otherDialogOpen = false) => {
      if (event.key === "Escape" && !event.defaultPrevented && !confirming && !otherDialogOpen) {
        event.preventDefault();
        requestLeave();
      }
    },
    [confirming, requestLeave],
  );

  return { confirming, requestLeave, confirmLeave, stay, onEscape };
}
