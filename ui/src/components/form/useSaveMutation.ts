import { useMutation } from "@tanstack/react-query";
import { useCallback, useRef, useState } from "react";
import type { AppError, Result } from "../../bindings";
import { normalizeAppError, unwrap } from "../../lib/errors";
import type { FormBanner } from "../FormErrorBanner";

export type SaveOutcome<T> = { ok: true; data: T } | { ok: false; error: AppError };

type Options<TVars, TData> = {
  /** The command that writes: its refusal and a failed call both end as an AppError. */
  save: (vars: TVars) => Promise<Result<TData, AppError>>;
  /** The caches that follow the write; the save counts as done only once they have. */
  onSaved?: (data: TData, vars: TVars) => Promise<unknown> | unknown;
};

export type SaveMutation<TVars, TData> = {
  /** Runs the save; `null` when one is already running (a double click, Ctrl+S held down). */
  run: (vars: TVars) => Promise<SaveOutcome<TData> | null>;
  pending: boolean;
};

/**
 * A form's save: one at a time, the caches updated before the form hears of the success, and any
 * failure (the command's refusal, the call itself, a cache update) handed back as an AppError so
 * the form can show it without losing what was typed.
 */
export function useSaveMutation<TVars, TData>({ save, onSaved }: Options<TVars, TData>): SaveMutation<TVars, TData> {
  // The pending flag of the mutation reaches the form only at its next render; this one is set at once.
  const running = useRef(false);
  const mutation = useMutation({
    mutationFn: async (vars: TVars) => unwrap(await save(vars)),
    onSuccess: (data, vars) => onSaved?.(data, vars),
  });
  const { mutateAsync } = mutation;

  const run = useCallback(
    async (vars: TVars): Promise<SaveOutcome<TData> | null> => {
      if (running.current) return null;
      running.current = true;
      try {
        return { ok: true, data: await mutateAsync(vars) };
      } catch (e) {
        return { ok: false, error: normalizeAppError(e) };
      } finally {
        running.current = false;
      }
    },
    [mutateAsync],
  );

  return { run, pending: mutation.isPending };
}

/** The banner at the top of a form, which takes the focus when it shows so it is read out. */
export function useFormBanner() {
  const [banner, setBanner] = useState<FormBanner | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  const show = useCallback((next: FormBanner, focus = true) => {
    setBanner(next);
    if (focus) requestAnimationFrame(() => ref.current?.focus());
  }, []);
  const clear = useCallback(() => setBanner(null), []);
  return { banner, ref, show, clear };
}

/**
 * Where a refused save's errors go: each one the form has a field for under that field, the others
 * in the banner. Returns whether some field got an error (the form then moves the focus to it).
 */
export function reportSaveError(
  error: AppError,
  mapped: { fieldCount: number; unmapped: FormBanner["unmapped"] },
  showBanner: (banner: FormBanner) => void,
): boolean {
  const hasFields = mapped.fieldCount > 0;
  if (!hasFields || mapped.unmapped.length > 0) showBanner({ error, unmapped: mapped.unmapped });
  return hasFields;
}
