import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { EnumSelect } from "./EnumSelect";
import { Field, describedBy } from "./Field";

describe("Field", () => {
  it("ties its label to the control and leaves a valid control unmarked", () => {
    render(
      <Field id="f-title" name="title" label="Title" hint="As buyers see it">
        {(a) => <input {...a} />}
      </Field>,
    );
    const input = screen.getByLabelText("Title");
    expect(input.id).toBe("f-title");
    expect(input.getAttribute("data-testid")).toBe("f-title");
    expect(input.getAttribute("aria-invalid")).toBeNull();
    expect(input.getAttribute("aria-describedby")).toBe("f-title-hint");
    expect(screen.queryByTestId("error-title")).toBeNull();
  });

  it("marks the control invalid and has it described by the error first, then the hint", () => {
    render(
      <Field id="f-price" name="priceCents" label="Price" hint="In euros" error="Not an amount">
        {(a) => <input {...a} />}
      </Field>,
    );
    const input = screen.getByLabelText("Price");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(input.getAttribute("aria-describedby")).toBe("f-price-error f-price-hint");
    const error = screen.getByTestId("error-priceCents");
    expect(error.id).toBe("f-price-error");
    expect(error.textContent).toBe("Not an amount");
    expect(error.closest(".field")?.className).toBe("field has-error");
    // What a screen reader reads out with the control.
    const description = (input.getAttribute("aria-describedby") ?? "")
      .split(" ")
      .map((id) => document.getElementById(id)?.textContent)
      .join(" / ");
    expect(description).toBe("Not an amount / In euros");
  });

  it("can be marked invalid by a message elsewhere, and name its error's test id", () => {
    render(
      <>
        <p id="refusal">Wrong address</p>
        <Field id="f-server" name="server" label="Server" invalid alsoDescribedBy="refusal" error="Required" errorTestId="f-server-field-error">
          {(a) => <input {...a} />}
        </Field>
      </>,
    );
    const input = screen.getByLabelText("Server");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(input.getAttribute("aria-describedby")).toBe("f-server-error refusal");
    expect(screen.getByTestId("f-server-field-error").textContent).toBe("Required");
  });

  it("shows a plain label for a control that is not one element", () => {
    render(
      <Field id="f-secret" name="secret" label="Password" plainLabel testId="secret" mode="keep">
        {() => <button type="button">Change</button>}
      </Field>,
    );
    expect(screen.queryByLabelText("Password")).toBeNull();
    expect(screen.getByText("Password").tagName).toBe("SPAN");
    expect(screen.getByTestId("secret").getAttribute("data-mode")).toBe("keep");
  });

  it("on one line, shows the hint and replaces it by the error, the control described by that line", () => {
    function Pattern({ error }: { error?: string }) {
      return (
        <Field id="f-pattern" name="pattern" label="Pattern" errorReplacesHint hint="Next: A-001" hintTestId="preview" error={error} footer={<p>Letters and digits</p>}>
          {(a) => <input {...a} />}
        </Field>
      );
    }
    const { rerender } = render(<Pattern />);
    const input = screen.getByLabelText("Pattern");
    expect(input.getAttribute("aria-invalid")).toBeNull();
    expect(input.getAttribute("aria-describedby")).toBe("f-pattern-hint");
    const hint = screen.getByTestId("preview");
    expect(hint.id).toBe("f-pattern-hint");
    expect(hint.className).toBe("hint");
    expect(hint.textContent).toBe("Next: A-001");
    expect(screen.getByText("Letters and digits").closest(".field")).toBe(hint.closest(".field"));

    rerender(<Pattern error="Not a pattern" />);
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(input.getAttribute("aria-describedby")).toBe("f-pattern-hint");
    expect(screen.queryByTestId("preview")).toBeNull();
    const error = screen.getByTestId("error-pattern");
    expect(error.id).toBe("f-pattern-hint");
    expect(error.className).toBe("field-error");
    expect(error.textContent).toBe("Not a pattern");
    expect(screen.queryByText("Next: A-001")).toBeNull();
    expect(document.querySelectorAll("#f-pattern-hint")).toHaveLength(1);
    expect(error.closest(".field")?.className).toBe("field has-error");

    rerender(<Pattern />);
    expect(input.getAttribute("aria-invalid")).toBeNull();
    expect(screen.getByTestId("preview").textContent).toBe("Next: A-001");
  });

  it("on one line, keeps the line while the hint is empty, and reads a message elsewhere after the error", () => {
    const { rerender } = render(
      <Field id="f-url" name="url" label="URL" errorReplacesHint hint="" alsoDescribedBy="note" errorTestId="url-error">
        {(a) => <input {...a} />}
      </Field>,
    );
    const input = screen.getByLabelText("URL");
    expect(document.getElementById("f-url-hint")?.textContent).toBe("");
    expect(input.getAttribute("aria-describedby")).toBe("note f-url-hint");
    rerender(
      <Field id="f-url" name="url" label="URL" errorReplacesHint hint="" alsoDescribedBy="note" error="Use http://" errorTestId="url-error">
        {(a) => <input {...a} />}
      </Field>,
    );
    expect(input.getAttribute("aria-describedby")).toBe("f-url-hint note");
    expect(screen.getByTestId("url-error").textContent).toBe("Use http://");
  });

  it("can give its hint another id", () => {
    render(
      <Field id="lang" name="language" label="Language" hint="Applies at once" hintId="lang-hint">
        {(a) => <input {...a} />}
      </Field>,
    );
    expect(screen.getByLabelText("Language").getAttribute("aria-describedby")).toBe("lang-hint");
    expect(document.getElementById("lang-hint")?.textContent).toBe("Applies at once");
  });

  it("joins only the ids that exist", () => {
    expect(describedBy(undefined, false, undefined)).toBeUndefined();
    expect(describedBy("a", undefined, "b")).toBe("a b");
  });
});

describe("EnumSelect", () => {
  it("offers the values in order after the empty option and hands back the one chosen", async () => {
    const onChange = vi.fn();
    render(
      <>
        <label htmlFor="size">Size</label>
        <EnumSelect id="size" values={["small", "large"] as const} value="" label={(v) => v.toUpperCase()} emptyLabel="Not specified" onChange={onChange} />
      </>,
    );
    const select = screen.getByLabelText("Size") as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => [o.value, o.text])).toEqual([
      ["", "Not specified"],
      ["small", "SMALL"],
      ["large", "LARGE"],
    ]);
    await userEvent.selectOptions(select, "large");
    expect(onChange).toHaveBeenCalledWith("large");
    await userEvent.selectOptions(select, "");
    expect(onChange).toHaveBeenLastCalledWith("");
  });

  it("marks the language of an option's text when asked", () => {
    render(<EnumSelect aria-label="Language" values={["system", "fr"]} value="system" label={(v) => v} optionLang={(v) => (v === "fr" ? "fr" : undefined)} onChange={() => {}} />);
    const select = screen.getByRole("combobox", { name: "Language" }) as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => o.getAttribute("lang"))).toEqual([null, "fr"]);
  });

  it("has no empty option unless asked", () => {
    render(<EnumSelect aria-label="Status" values={["draft", "sold"]} value="draft" label={(v) => v} onChange={() => {}} />);
    const select = screen.getByRole("combobox", { name: "Status" }) as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => o.value)).toEqual(["draft", "sold"]);
    expect(select.value).toBe("draft");
  });
});
