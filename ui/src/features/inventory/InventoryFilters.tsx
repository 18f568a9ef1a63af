import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { commands, type Condition } from "../../bindings";
import { unwrap } from "../../lib/errors";
import { CONDITIONS } from "../../lib/productForm";
import { NO_FILTERS, invalidFilterFields, type ListFilters } from "./listState";
import { accountKeys } from "../accounts/queryKeys";
import { inventoryKeys } from "./queryKeys";

type Props = {
  filters: ListFilters;
  onChange: (filters: ListFilters) => void;
};

/** The inventory's filters beyond search and status; the values offered come from the inventory. */
export function InventoryFilters({ filters, onChange }: Props) {
  const { t } = useTranslation();
  const facets = useQuery({
    queryKey: inventoryKeys.facets,
    queryFn: async () => unwrap(await commands.productFacets()),
    staleTime: 60_000,
  });
  const accounts = useQuery({
    queryKey: accountKeys.all,
    queryFn: async () => unwrap(await commands.listSellerAccounts()),
    staleTime: 60_000,
  });
  const invalid = new Set(invalidFilterFields(filters));
  const set = (key: keyof ListFilters, value: string) => onChange({ ...filters, [key]: value });

  function choice(key: "category" | "brand" | "size" | "color" | "material", values: string[] | undefined) {
    const id = `filter-${key}`;
    const current = filters[key];
    const options = values ?? [];
    return (
      <div className="toolbar-field">
        <label htmlFor={id}>{t(`inventory.filters.${key}`)}</label>
        <select id={id} data-testid={id} value={current} onChange={(e) => set(key, e.target.value)}>
          <option value="">{t("inventory.filters.any")}</option>
          {current !== "" && !options.includes(current) && <option value={current}>{current}</option>}
          {options.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </div>
    );
  }

  function numberField(key: "minDaysInStock" | "maxDaysInStock" | "minPrice" | "maxPrice", placeholder: string) {
    const id = `filter-${key}`;
    return (
      <div className="toolbar-field filter-number">
        <label htmlFor={id}>{t(`inventory.filters.${key}`)}</label>
        <input
          id={id}
          data-testid={id}
          inputMode="decimal"
          autoComplete="off"
          placeholder={placeholder}
          value={filters[key]}
          aria-invalid={invalid.has(key) || undefined}
          aria-describedby={invalid.has(key) ? `${id}-error` : undefined}
          onChange={(e) => set(key, e.target.value)}
        />
        {invalid.has(key) && (
          <span id={`${id}-error`} className="field-error" role="alert">
            {t(key.endsWith("Price") ? "fieldErrors.invalidAmount" : "inventory.filters.invalidDays")}
          </span>
        )}
      </div>
    );
  }

  return (
    <fieldset className="filters-panel" data-testid="filters-panel">
      <legend className="sr-only">{t("inventory.filters.title")}</legend>
      {choice("category", facets.data?.categories)}
      {choice("brand", facets.data?.brands)}
      {choice("size", facets.data?.sizes)}
      <div className="toolbar-field">
        <label htmlFor="filter-condition">{t("inventory.filters.condition")}</label>
        <select
          id="filter-condition"
          data-testid="filter-condition"
          value={filters.condition}
          onChange={(e) => set("condition", e.target.value as Condition | "")}
        >
          <option value="">{t("inventory.filters.any")}</option>
          {CONDITIONS.map((c) => (
            <option key={c} value={c}>
              {t(`condition.${c}`)}
            </option>
          ))}
        </select>
      </div>
      {choice("color", facets.data?.colors)}
      {choice("material", facets.data?.materials)}
      <div className="toolbar-field">
        <label htmlFor="filter-account">{t("inventory.filters.account")}</label>
        <select
          id="filter-account"
          data-testid="filter-account"
          value={filters.sellerAccountId}
          onChange={(e) => set("sellerAccountId", e.target.value)}
        >
          <option value="">{t("inventory.filters.anyAccount")}</option>
          {(accounts.data ?? []).map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </div>
      {numberField("minDaysInStock", "30")}
      {numberField("maxDaysInStock", "365")}
      {numberField("minPrice", "5")}
      {numberField("maxPrice", "50")}
      <button type="button" className="btn btn-small" data-testid="clear-attribute-filters" onClick={() => onChange(NO_FILTERS)}>
        {t("inventory.clearFilters")}
      </button>
    </fieldset>
  );
}
