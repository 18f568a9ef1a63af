import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Order } from "../../bindings";
import { useToast } from "../../components/Toast";
import { INITIAL_ORDER_LIST_STATE, type OrderListState } from "./listState";
import { OrderDetail } from "./OrderDetail";
import { OrderForm } from "./OrderForm";
import { OrderList } from "./OrderList";
import { VintedOrders } from "./VintedOrders";

type View = { kind: "list" } | { kind: "new" } | { kind: "detail"; id: string };
/** Which list the area shows: every order, or the orders read from Vinted with their labels. */
type Tab = "all" | "vinted";

type Props = {
  /** Changes when the user picks "Orders" in the sidebar again: back to the list. */
  resetSignal?: number;
  onDirtyChange?: (dirty: boolean) => void;
};

/** The Orders area: the list of sales and purchases, one order's detail, and the manual order form. */
export function OrdersPage({ resetSignal, onDirtyChange }: Props) {
  const { t } = useTranslation();
  const { showToast } = useToast();
  const [view, setView] = useState<View>({ kind: "list" });
  const [listState, setListState] = useState<OrderListState>(INITIAL_ORDER_LIST_STATE);
  const [tab, setTab] = useState<Tab>("all");

  // The sidebar's entry, clicked again, brings the list back.
  const [seenReset, setSeenReset] = useState(resetSignal);
  if (seenReset !== resetSignal) {
    setSeenReset(resetSignal);
    setView({ kind: "list" });
  }

  const backToList = useCallback(() => setView({ kind: "list" }), []);
  const onSaved = useCallback(
    (order: Order) => {
      // Like the inventory: back to the list, where the new order is on top (newest first).
      setView({ kind: "list" });
      showToast(order.orderType === "sale" ? t("orders.form.savedSale") : t("orders.form.savedPurchase"));
    },
    [showToast, t],
  );

  if (view.kind === "new") return <OrderForm onClose={backToList} onSaved={onSaved} onDirtyChange={onDirtyChange} />;
  if (view.kind === "detail") return <OrderDetail key={view.id} orderId={view.id} onBack={backToList} />;
  const open = (id: string) => setView({ kind: "detail", id });
  return (
    <>
      <div className="orders-tabs" role="tablist" aria-label={t("vintedOrders.tabs.label")}>
        {(["all", "vinted"] as const).map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={tab === name}
            className={tab === name ? "btn btn-small is-active" : "btn btn-small"}
            data-testid={`orders-tab-${name}`}
            onClick={() => setTab(name)}
          >
            {t(`vintedOrders.tabs.${name}`)}
          </button>
        ))}
      </div>
      {tab === "vinted" ? (
        <VintedOrders onOpen={open} />
      ) : (
        <OrderList state={listState} onStateChange={setListState} onOpen={open} onNew={() => setView({ kind: "new" })} />
      )}
    </>
  );
}
