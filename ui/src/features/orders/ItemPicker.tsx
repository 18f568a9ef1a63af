import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type ProductSummary } from "../../bindings";
import { unwrap } from "../../lib/errors";
import { formatCents } from "../../lib/money";
import { useDebouncedValue } from "../../lib/useDebouncedValue";
import { inventoryKeys } from "../inventory/queryKeys";

export const PICKER_DEBOUNCE_MS = 200;
const PICKER_LIMIT = 8;

type Props = {
  /** A sale cannot take an item without stock; a purchase restocks any item, or creates one. */
  forSale: boolean;
  onPick: (item: ProductSummary) => void;
  /** Purchases only: a line for an item the shop does not have yet, named by the typed text. */
  onNewItem?: (title: string) => void;
  describedBy?: string;
  invalid?: boolean;
};

type Option = { kind: "item"; item: ProductSummary; disabled: boolean } | { kind: "new"; title: string };

/**
 * Finds inventory items by SKU, title or brand (the store's prefix search) and adds them to the
 * order. A combobox: arrows move through the results, Enter adds the highlighted one (and does not
 * submit the form), Escape closes the results (and does not leave the form).
 */
export function ItemPicker({ forSale, onPick, onNewItem, describedBy, invalid }: Props) {
  const { t, i18n } = useTranslation();
  const listId = useId();
  const [text, setText] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const search = useDebouncedValue(text.trim(), PICKER_DEBOUNCE_MS);

  const results = useQuery({
    queryKey: inventoryKeys.picker(search),
    queryFn: async () =>
      unwrap(
        await commands.listProducts({
          search,
          status: null,
          category: null,
          brand: null,
          size: null,
          condition: null,
          color: null,
          material: null,
          sellerAccountId: null,
          minDaysInStock: null,
          maxDaysInStock: null,
          minPriceCents: null,
          maxPriceCents: null,
          sortBy: "updatedAt",
          sortDir: "desc",
          limit: PICKER_LIMIT,
          offset: 0,
        }),
      ),
    enabled: search !== "",
    staleTime: 5_000,
  });

  const options: Option[] = [];
  if (search !== "" && results.data) {
    for (const item of results.data.items) options.push({ kind: "item", item, disabled: forSale && item.quantity <= 0 });
  }
  if (onNewItem && text.trim() !== "") options.push({ kind: "new", title: text.trim() });
  const shown = open && text.trim() !== "" && (options.length > 0 || results.isFetching || search !== "");
  const activeIndex = Math.min(active, Math.max(0, options.length - 1));

  function choose(option: Option | undefined) {
    if (!option) return;
    if (option.kind === "item") {
      if (option.disabled) return;
      onPick(option.item);
    } else {
      onNewItem?.(option.title);
    }
    setText("");
    setActive(0);
    setOpen(false);
  }

  function onKeyDown(e: React.KeyboardEvent<HTMLInputElement>) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      setOpen(true);
      if (options.length === 0) return;
      const step = e.key === "ArrowDown" ? 1 : -1;
      setActive((activeIndex + step + options.length) % options.length);
    } else if (e.key === "Enter") {
      // Never submit the order from the search field.
      e.preventDefault();
      if (shown) choose(options[activeIndex]);
    } else if (e.key === "Escape" && (shown || text !== "")) {
      e.preventDefault();
      e.stopPropagation();
      if (shown) setOpen(false);
      else setText("");
    }
  }

  const optionId = (i: number) => `${listId}-option-${i}`;

  return (
    <div className="item-picker">
      <input
        id="order-item-search"
        data-testid="order-item-search"
        type="search"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        aria-autocomplete="list"
        aria-expanded={shown}
        aria-controls={listId}
        aria-activedescendant={shown && options.length > 0 ? optionId(activeIndex) : undefined}
        aria-describedby={describedBy}
        aria-invalid={invalid || undefined}
        placeholder={t("orders.form.itemSearchPlaceholder")}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setActive(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      <ul id={listId} role="listbox" className="item-picker-list" hidden={!shown} aria-label={t("orders.form.itemResults")}>
        {options.map((option, i) =>
          option.kind === "item" ? (
            // eslint-disable-next-line jsx-a11y/click-events-have-key-events -- the keyboard chooses in the search field, which points at the active option (aria-activedescendant)
            <li
              key={option.item.id}
              id={optionId(i)}
              role="option"
              aria-selected={i === activeIndex}
              aria-disabled={option.disabled || undefined}
              className={`item-picker-option${i === activeIndex ? " is-active" : ""}${option.disabled ? " is-disabled" : ""}`}
              data-testid="order-item-option"
              data-sku={option.item.sku}
              // Keep the focus in the search field so several items can be added in a row.
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(option)}
              onMouseEnter={() => setActive(i)}
            >
              <span className="item-picker-title">{option.item.title}</span>
              <code className="item-picker-sku">{option.item.sku}</code>
              <span className="item-picker-meta">
                {option.disabled
                  ? t("orders.form.outOfStock")
                  : t("orders.form.inStock", { count: option.item.quantity, price: formatCents(option.item.priceCents, i18n.language) })}
              </span>
            </li>
          ) : (
            // eslint-disable-next-line jsx-a11y/click-events-have-key-events -- the keyboard chooses in the search field, which points at the active option (aria-activedescendant)
            <li
              key="new"
              id={optionId(i)}
              role="option"
              aria-selected={i === activeIndex}
              className={`item-picker-option item-picker-new${i === activeIndex ? " is-active" : ""}`}
              data-testid="order-item-new"
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(option)}
              onMouseEnter={() => setActive(i)}
            >
              {t("orders.form.newItem", { title: option.title })}
            </li>
          ),
        )}
        {search !== "" && results.isSuccess && results.data.items.length === 0 && (
          <li className="item-picker-empty" role="presentation">
            {t("orders.form.noItemFound")}
          </li>
        )}
        {results.isFetching && results.data === undefined && (
          <li className="item-picker-empty" role="presentation">
            {t("orders.form.searching")}
          </li>
        )}
      </ul>
    </div>
  );
}
