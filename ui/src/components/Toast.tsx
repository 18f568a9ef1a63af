import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** A button in the toast, such as "Undo". */
export type ToastAction = { label: string; onAction: () => void; testId?: string };
type Toast = { id: number; message: string; action?: ToastAction };
type ToastApi = { showToast: (message: string, action?: ToastAction) => void };

const ToastContext = createContext<ToastApi>({ showToast: () => {} });

const TOAST_DURATION_MS = 3500;
/** Long enough to read the message and reach the button. */
const TOAST_WITH_ACTION_DURATION_MS = 10000;

export function ToastProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const timers = useRef(new Map<number, number>());

  const dismiss = useCallback((id: number) => {
    setToasts((list) => list.filter((toast) => toast.id !== id));
    const timer = timers.current.get(id);
    if (timer !== undefined) window.clearTimeout(timer);
    timers.current.delete(id);
  }, []);

  const showToast = useCallback(
    (message: string, action?: ToastAction) => {
      const id = nextId.current++;
      setToasts((list) => [...list.slice(-2), { id, message, action }]);
      timers.current.set(
        id,
        window.setTimeout(() => dismiss(id), action ? TOAST_WITH_ACTION_DURATION_MS : TOAST_DURATION_MS),
      );
    },
    [dismiss],
  );

  useEffect(() => {
    const map = timers.current;
    return () => map.forEach((timer) => window.clearTimeout(timer));
  }, []);

  const api = useMemo(() => ({ showToast }), [showToast]);

  return (
    <ToastContext.Provider value={api}>
      {children}
      <div className="toast-region" role="status" aria-live="polite">
        {toasts.map((toast) => (
          <div key={toast.id} className="toast" data-testid="toast">
            <span>{toast.message}</span>
            {toast.action && (
              <button
                type="button"
                className="btn btn-small toast-action"
                data-testid={toast.action.testId}
                onClick={() => {
                  dismiss(toast.id);
                  toast.action?.onAction();
                }}
              >
                {toast.action.label}
              </button>
            )}
            <button type="button" className="toast-close" aria-label={t("toast.dismiss")} onClick={() => dismiss(toast.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastApi {
  return useContext(ToastContext);
}
