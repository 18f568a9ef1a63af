import { useQuery } from "@tanstack/react-query";
import { Suspense, lazy, useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Product } from "./bindings";
import { ConfirmDialog } from "./components/ConfirmDialog";
import { useToast } from "./components/Toast";
import { InventoryList } from "./features/inventory/InventoryList";
import { ProductEditor } from "./features/inventory/ProductEditor";
import { INITIAL_LIST_STATE, type ListState } from "./features/inventory/listState";
import { SettingsPage } from "./features/settings/SettingsPage";
import { applyLanguage } from "./i18n";
import { resolveLanguage } from "./lib/language";
import { fetchSettings } from "./settingsQuery";
import { settingsKeys } from "./features/settings/queryKeys";

type Area = "inventory" | "orders" | "dashboard" | "accounts" | "listings" | "inbox" | "jobs" | "notifications" | "sync" | "settings";

// Loaded when first opened, so the inventory starts without them (and without the charts).
const OrdersPage = lazy(() => import("./features/orders/OrdersPage").then((m) => ({ default: m.OrdersPage })));
const DashboardPage = lazy(() => import("./features/dashboard/DashboardPage").then((m) => ({ default: m.DashboardPage })));
const AccountsPage = lazy(() => import("./features/accounts/AccountsPage").then((m) => ({ default: m.AccountsPage })));
const ListingsPage = lazy(() => import("./features/listings/ListingsPage").then((m) => ({ default: m.ListingsPage })));
const JobsPage = lazy(() => import("./features/jobs/JobsPage").then((m) => ({ default: m.JobsPage })));
const InboxPage = lazy(() => import("./features/inbox/InboxPage").then((m) => ({ default: m.InboxPage })));
const NotificationsPage = lazy(() =>
  import("./features/notifications/NotificationsPage").then((m) => ({ default: m.NotificationsPage })),
);
const SyncPage = lazy(() => import("./features/sync/SyncPage").then((m) => ({ default: m.SyncPage })));
type InventoryView = { kind: "list" } | { kind: "new" } | { kind: "edit"; id: string };

/** Longest we wait for the settings before showing the UI in the default language anyway. */
const LANGUAGE_WAIT_MS = 1500;

export function App() {
  const { t } = useTranslation();
  const { showToast } = useToast();
  const [area, setArea] = useState<Area>("inventory");
  const [view, setView] = useState<InventoryView>({ kind: "list" });
  const [listState, setListState] = useState<ListState>(INITIAL_LIST_STATE);
  const [formDirty, setFormDirty] = useState(false);
  const [pendingArea, setPendingArea] = useState<Area | null>(null);
  // Bumped when "Orders" is picked in the sidebar: the Orders area goes back to its list.
  const [ordersReset, setOrdersReset] = useState(0);
  const [accountsReset, setAccountsReset] = useState(0);
  const [ready, setReady] = useState(false);

  const settings = useQuery({ queryKey: settingsKeys.app, queryFn: fetchSettings, staleTime: Infinity });

  useEffect(() => {
    if (settings.isSuccess) {
      void applyLanguage(resolveLanguage(settings.data.language, settings.data.systemLanguage)).finally(() => setReady(true));
    }
  }, [settings.isSuccess, settings.data]);
  // A failed read of the settings keeps the default language (French) and shows the app at once.
  if (settings.isError && !ready) setReady(true);

  useEffect(() => {
    const id = window.setTimeout(() => setReady(true), LANGUAGE_WAIT_MS);
    return () => window.clearTimeout(id);
  }, []);

  const goToArea = useCallback((next: Area) => {
    setArea(next);
    setView({ kind: "list" });
    setFormDirty(false);
    if (next === "orders") setOrdersReset((n) => n + 1);
    if (next === "accounts") setAccountsReset((n) => n + 1);
  }, []);

  function requestArea(next: Area) {
    // The Orders and Accounts areas keep their own views; any of them may be left for its list.
    const inForm = (area === "inventory" && view.kind !== "list") || area === "orders" || area === "accounts";
    if (next === area && !inForm) return;
    if (inForm && formDirty) {
      setPendingArea(next);
      return;
    }
    goToArea(next);
  }

  // A toast's action may run after the user moved on (into a form with changes): it asks first,
  // as the sidebar does, through the latest requestArea.
  const requestAreaRef = useRef(requestArea);
  useEffect(() => {
    requestAreaRef.current = requestArea;
  });
  /** From the listings (or a toast there): the Vinted jobs area. */
  const openJobs = useCallback(() => requestAreaRef.current("jobs"), []);

  /** From a sync conflict or a linked listing: the item's form. */
  const openProduct = useCallback((id: string) => {
    setArea("inventory");
    setView({ kind: "edit", id });
    setFormDirty(false);
  }, []);

  const backToList = useCallback(() => {
    setView({ kind: "list" });
    setFormDirty(false);
  }, []);

  const onSaved = useCallback(
    () => {
      backToList();
      showToast(t("form.saved"));
    },
    [backToList, showToast, t],
  );

  const onDuplicated = useCallback(
    (copy: Product) => {
      setView({ kind: "edit", id: copy.id });
      setFormDirty(false);
      showToast(t("form.duplicated", { sku: copy.sku }));
    },
    [showToast, t],
  );

  const onDeleted = useCallback(
    () => {
      backToList();
      showToast(t("form.deleted"));
    },
    [backToList, showToast, t],
  );

  if (!ready) {
    return <div className="splash" aria-busy="true" data-testid="app-loading" />;
  }

  return (
    <div className="app">
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            SP
          </span>
          <span className="brand-name">{t("app.name")}</span>
        </div>
        <nav aria-label={t("nav.label")}>
          <ul className="nav-list">
            <li>
              <button
                type="button"
                className={area === "inventory" ? "nav-item is-active" : "nav-item"}
                aria-current={area === "inventory" ? "page" : undefined}
                data-testid="nav-inventory"
                onClick={() => requestArea("inventory")}
              >
                <span className="nav-icon nav-icon-inventory" aria-hidden="true" />
                {t("nav.inventory")}
              </button>
            </li>
            <li>
              <button
                type="button"
                className={area === "orders" ? "nav-item is-active" : "nav-item"}
                aria-current={area === "orders" ? "page" : undefined}
                data-testid="nav-orders"
                onClick={() => requestArea("orders")}
              >
                <span className="nav-icon nav-icon-orders" aria-hidden="true" />
                {t("orders.nav")}
              </button>
            </li>
            <li>
              <button
                type="button"
                className={area === "dashboard" ? "nav-item is-active" : "nav-item"}
                aria-current={area === "dashboard" ? "page" : undefined}
                data-testid="nav-dashboard"
                onClick={() => requestArea("dashboard")}
              >
                <span className="nav-icon nav-icon-dashboard" aria-hidden="true" />
                {t("dashboard.nav")}
              </button>
            </li>
            <li>
              <button
                type="button"
                className={area === "accounts" ? "nav-item is-active" : "nav-item"}
                aria-current={area === "accounts" ? "page" : undefined}
                data-testid="nav-accounts"
                onClick={() => requestArea("accounts")}
              >
                <span className="nav-icon nav-icon-accounts" aria-hidden="true" />
                {t("accounts.nav")}
              </button>
            </li>
            <li>
              <button
                type="button"
                className={area === "listings" ? "nav-item is-active" : "nav-item"}
                aria-current={area === "listings" ? "page" : undefined}
                data-testid="nav-listings"
                onClick={() => requestArea("listings")}
              >
                <span className="nav-icon nav-icon-listings" aria-hidden="true" />
                {t("listings.nav")}
              </button>
            </li>
            <li>
              <button
                type="button"
                className={area === "inbox" ? "nav-item is-active" : "nav-item"}
                aria-current={area === "inbox" ? "page" : undefined}
                data-testid="nav-inbox"
                onClick={() => requestArea("inbox")}
              >
                <span className="nav-icon nav-icon-inbox" aria-hidden="true" />
                {t("inbox.nav")}
              </button>
            </li>
            <li>
              <button
                type="button"
                className={area === "jobs" ? "nav-item is-active" : "nav-item"}
                aria-current={area === "jobs" ? "page" : undefined}
                data-testid="nav-jobs"
                onClick={() => requestArea("jobs")}
              >
                <span className="nav-icon nav-icon-jobs" aria-hidden="true" />
                {t("jobs.nav")}
              </button>
            </li>
            <li>
              <button
                type="button"
                className={area === "notifications" ? "nav-item is-active" : "nav-item"}
                aria-current={area === "notifications" ? "page" : undefined}
                data-testid="nav-notifications"
                onClick={() => requestArea("notifications")}
              >
                <span className="nav-icon nav-icon-notifications" aria-hidden="true" />
                {t("notifications.nav")}
              </button>
            </li>
            <li>
              <button
                type="button"
                className={area === "sync" ? "nav-item is-active" : "nav-item"}
                aria-current={area === "sync" ? "page" : undefined}
                data-testid="nav-sync"
                onClick={() => requestArea("sync")}
              >
                <span className="nav-icon nav-icon-sync" aria-hidden="true" />
                {t("sync.nav")}
              </button>
            </li>
            <li>
              <button
                type="button"
                className={area === "settings" ? "nav-item is-active" : "nav-item"}
                aria-current={area === "settings" ? "page" : undefined}
                data-testid="nav-settings"
                onClick={() => requestArea("settings")}
              >
                <span className="nav-icon nav-icon-settings" aria-hidden="true" />
                {t("nav.settings")}
              </button>
            </li>
          </ul>
        </nav>
      </aside>

      <main className="main" id="main">
        {area === "settings" && <SettingsPage settings={settings.data} />}
        {(area === "orders" || area === "dashboard" || area === "accounts" || area === "listings" || area === "inbox" || area === "jobs" || area === "notifications" || area === "sync") && (
          <Suspense
            fallback={
              <p className="state-message" role="status">
                <span className="spinner" aria-hidden="true" /> {t("app.loading")}
              </p>
            }
          >
            {area === "orders" && <OrdersPage resetSignal={ordersReset} onDirtyChange={setFormDirty} />}
            {area === "dashboard" && <DashboardPage />}
            {area === "accounts" && <AccountsPage resetSignal={accountsReset} onDirtyChange={setFormDirty} />}
            {area === "listings" && <ListingsPage onOpenProduct={openProduct} onOpenJobs={openJobs} />}
            {area === "inbox" && <InboxPage />}
            {area === "jobs" && <JobsPage />}
            {area === "notifications" && <NotificationsPage />}
            {area === "sync" && <SyncPage onOpenProduct={openProduct} />}
          </Suspense>
        )}
        {area === "inventory" && view.kind === "list" && (
          <InventoryList
            state={listState}
            onStateChange={setListState}
            onOpen={(id) => setView({ kind: "edit", id })}
            onNew={() => setView({ kind: "new" })}
            onOpenJobs={openJobs}
          />
        )}
        {area === "inventory" && view.kind !== "list" && (
          <ProductEditor
            key={view.kind === "edit" ? view.id : "new"}
            productId={view.kind === "edit" ? view.id : null}
            onClose={backToList}
            onSaved={onSaved}
            onDeleted={onDeleted}
            onDuplicated={onDuplicated}
            onDirtyChange={setFormDirty}
            onOpenJobs={openJobs}
          />
        )}
      </main>

      <ConfirmDialog
        open={pendingArea !== null}
        title={t("discard.title")}
        text={t("discard.text")}
        confirmLabel={t("discard.confirm")}
        cancelLabel={t("discard.cancel")}
        testId="confirm-discard"
        danger
        onConfirm={() => {
          const next = pendingArea ?? "inventory";
          setPendingArea(null);
          goToArea(next);
        }}
        onCancel={() => setPendingArea(null)}
      />
    </div>
  );
}
