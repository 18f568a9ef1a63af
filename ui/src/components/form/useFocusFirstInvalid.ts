import { useCallback, useEffect, useRef, useState } from "react";

/**
 * After a refused submit, the first control marked invalid (in the order of the form) gets the
 * focus, once the errors are rendered. Returns the ref for the `<form>` and the function to ask.
 */
export function useFocusFirstInvalid<T extends HTMLElement = HTMLFormElement>() {
  const ref = useRef<T>(null);
  const [request, setRequest] = useState(0);
  useEffect(() => {
    if (request === 0) return;
    ref.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [request]);
  const focusFirstInvalid = useCallback(() => setRequest((n) => n + 1), []);
  return { ref, focusFirstInvalid };
}
