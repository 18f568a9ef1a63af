import type { SelectHTMLAttributes } from "react";

type Props<T extends string> = Omit<SelectHTMLAttributes<HTMLSelectElement>, "value" | "onChange" | "children"> & {
  /** The values offered, in this order. */
  values: readonly T[];
  value: T | "";
  /** Each value as the user reads it. */
  label: (value: T) => string;
  /** When set, a first option with the empty value and this text ("Not specified", "None"). */
  emptyLabel?: string;
  /** The language of a value's text, when not the page's (each language named in its own). */
  optionLang?: (value: T) => string | undefined;
  onChange: (value: T | "") => void;
};

/**
 * A `<select>` of a fixed list of values (an enum of the bindings, a list of known URLs). The
 * value passed to `onChange` is always one of `values`, or "" for the empty option.
 */
export function EnumSelect<T extends string>({ values, value, label, emptyLabel, optionLang, onChange, ...rest }: Props<T>) {
  return (
    <select {...rest} value={value} onChange={(e) => onChange(e.target.value as T | "")}>
      {emptyLabel !== undefined && <option value="">{emptyLabel}</option>}
      {values.map((v) => (
        <option key={v} value={v} lang={optionLang?.(v)}>
          {label(v)}
        </option>
      ))}
    </select>
  );
}
