import { useRef } from "react";
import { useTranslation } from "react-i18next";
import { addTags } from "../lib/productForm";

type Props = {
  /** DOM id and data-testid of the text input. */
  id: string;
  tags: string[];
  pending: string;
  onChange: (tags: string[], pending: string) => void;
  describedBy?: string;
  invalid?: boolean;
  listLabel: string;
};

/** Tag editor: type then Enter or comma to add; each tag has a remove button; Backspace on empty input removes the last. */
export function TagInput({ id, tags, pending, onChange, describedBy, invalid, listLabel }: Props) {
  const { t } = useTranslation();
  const inputRef = useRef<HTMLInputElement>(null);

  function commit() {
    if (pending.trim() === "") {
      if (pending !== "") onChange(tags, "");
      return;
    }
    onChange(addTags(tags, pending), "");
  }

  function onInput(value: string) {
    const lastComma = value.lastIndexOf(",");
    if (lastComma === -1) {
      onChange(tags, value);
    } else {
      onChange(addTags(tags, value.slice(0, lastComma)), value.slice(lastComma + 1).replace(/^\s+/, ""));
    }
  }

  function onKeyDown(e: React.KeyboardEvent<HTMLInputElement>) {
    if (e.key === "Enter") {
      e.preventDefault(); // never submits the form
      commit();
    } else if (e.key === "Backspace" && pending === "" && tags.length > 0) {
      e.preventDefault();
      onChange(tags.slice(0, -1), "");
    }
  }

  function remove(index: number) {
    onChange(
      tags.filter((_, i) => i !== index),
      pending,
    );
    inputRef.current?.focus();
  }

  return (
    <div className={invalid ? "tag-input is-invalid" : "tag-input"}>
      {tags.length > 0 && (
        <ul className="tag-list" aria-label={listLabel} data-testid={`${id}-tags`}>
          {tags.map((tag, i) => (
            <li key={tag} className="tag" data-testid="tag" data-value={tag}>
              <span>{tag}</span>
              <button
                type="button"
                className="tag-remove"
                aria-label={t("tags.remove", { tag })}
                data-testid="tag-remove"
                onClick={() => remove(i)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <input
        ref={inputRef}
        id={id}
        data-testid={id}
        type="text"
        className="tag-text"
        value={pending}
        autoComplete="off"
        aria-describedby={describedBy}
        aria-invalid={invalid || undefined}
        onChange={(e) => onInput(e.target.value)}
        onKeyDown={onKeyDown}
        onBlur={commit}
      />
    </div>
  );
}
