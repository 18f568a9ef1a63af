import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Order } from "../../bindings";
import { useToast } from "../../components/Toast";
import { INITIAL_ORDER_LIST_STATE, type OrderListState } from "./listState";
import { OrderDetail } from "./OrderDetail";
import { OrderForm } from "./OrderForm";
import { OrderList } from "./OrderList";

type View = { kind: "list" } | { kind: "new" } | { kind: "detail"; id: string };

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
  return (
    <OrderList state={listState} onStateChange={setListState} onOpen={(id) => setView({ kind: "detail", id })} onNew={() => setView({ kind: "new" })} />
  );
}
