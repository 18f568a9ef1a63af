import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { describe, expect, it, vi } from "vitest";
import type { AppError, Product, ProductDraft } from "../../bindings";
import { renderWithProviders } from "../../test/utils";
import { ProductForm } from "./ProductForm";

type Call = { cmd: string; payload: Record<string, unknown> };

/** Installs a fake Rust side. Handlers may return a value or throw an AppError (like a Rust `Err`). */
function fakeBackend(handlers: Record<string, (payload: Record<string, unknown>) => unknown>) {
  const calls: Call[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, payload: p });
    const handler = handlers[cmd];
    if (!handler) throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
    return handler(p);
  });
  return calls;
}

function savedProduct(draft: ProductDraft, photos: string[] = []): Product {
  return {
    ...draft,
    id: "0190f0a0-0000-7000-8000-000000000001",
    sku: draft.sku ?? "SP-0001",
    lastPriceCents: null,
    photos,
    createdAt: "2025-01-01T10:00:00Z",
    updatedAt: "2025-01-01T10:00:00Z",
  };
}

const existing: Product = {
  id: "0190f0a0-0000-7000-8000-00000000abcd",
  sku: "SP-0042",
  title: "Veste en jean",
  description: "",
  category: null,
  brand: "Levi's",
  condition: "good",
  size: "M",
  priceCents: 2500,
  purchaseCostCents: 0,
  quantity: 1,
  packageSize: null,
  status: "listed",
  internalNotes: null,
  materials: [],
  colors: [],
  lastPriceCents: null,
  photos: [],
  createdAt: "2025-01-01T10:00:00Z",
  updatedAt: "2025-01-01T10:00:00Z",
};

function renderForm(product: Product | null = null) {
  const props = { onClose: vi.fn(), onSaved: vi.fn(), onDeleted: vi.fn() };
  renderWithProviders(<ProductForm product={product} {...props} />);
  return props;
}

const input = (testId: string) => screen.getByTestId(testId) as HTMLInputElement;

describe("ProductForm", () => {
  it("shows a server-side priceCents error next to the price field and keeps what was typed", async () => {
    const calls = fakeBackend({
      create_product: () => {
        throw {
          code: "validation",
          message: "price_cents: must be at most 1000000",
          fields: [{ field: "priceCents", code: "tooLarge" }],
        } satisfies AppError;
      },
    });
    const props = renderForm();
    const user = userEvent.setup();

    await user.type(input("field-title"), "Robe fleurie");
    await user.type(input("field-price"), "99999999,99");
    await user.type(input("field-materials"), "coton,");
    await user.click(screen.getByTestId("save-product"));

    const error = await screen.findByTestId("error-priceCents");
    expect(error.textContent).toBe("La valeur est trop grande.");

    const price = input("field-price");
    expect(price.getAttribute("aria-describedby")?.split(" ")).toContain(error.id);
    expect(price.getAttribute("aria-invalid")).toBe("true");
    expect(error.closest(".field")).toBe(price.closest(".field"));
    await waitFor(() => expect(document.activeElement).toBe(price));

    // Nothing the user typed is lost.
    expect(input("field-title").value).toBe("Robe fleurie");
    expect(price.value).toBe("99999999,99");
    expect(screen.getAllByTestId("tag").map((t) => t.getAttribute("data-value"))).toEqual(["coton"]);
    expect(screen.queryByTestId("error-title")).toBeNull();
    expect(props.onSaved).not.toHaveBeenCalled();

    // The real bindings sent the parsed draft with camelCase keys.
    expect(calls).toHaveLength(1);
    expect(calls[0].cmd).toBe("create_product");
    expect(calls[0].payload.draft).toMatchObject({ title: "Robe fleurie", priceCents: 9999999999, materials: ["coton"], sku: null });
  });

  it("validates on the client before calling the back end", async () => {
    const calls = fakeBackend({});
    renderForm();
    const user = userEvent.setup();

    await user.type(input("field-price"), "12,345");
    await user.click(screen.getByTestId("save-product"));

    expect(screen.getByTestId("error-title").textContent).toBe("Ce champ est obligatoire.");
    expect(screen.getByTestId("error-priceCents").textContent).toMatch(/Montant invalide/);
    await waitFor(() => expect(document.activeElement).toBe(input("field-title")));
    expect(calls).toHaveLength(0);
  });

  it("shows a duplicate SKU on the SKU field, naming it", async () => {
    fakeBackend({
      create_product: () => {
        throw { code: "duplicateSku", message: "UNIQUE constraint failed: products.sku", fields: [] } satisfies AppError;
      },
    });
    renderForm();
    const user = userEvent.setup();

    await user.type(input("field-title"), "Pull");
    await user.type(input("field-price"), "10");
    await user.type(input("field-sku"), "SP-7");
    await user.click(screen.getByTestId("save-product"));

    const error = await screen.findByTestId("error-sku");
    expect(error.textContent).toContain("« SP-7 »");
    await waitFor(() => expect(document.activeElement).toBe(input("field-sku")));
    expect(input("field-sku").value).toBe("SP-7");
  });

  it("shows non-field errors in a banner", async () => {
    fakeBackend({
      create_product: () => {
        throw { code: "database", message: "disk I/O error", fields: [] } satisfies AppError;
      },
    });
    renderForm();
    const user = userEvent.setup();
    await user.type(input("field-title"), "Pull");
    await user.type(input("field-price"), "10");
    await user.click(screen.getByTestId("save-product"));
    const banner = await screen.findByTestId("form-error");
    expect(banner.textContent).toContain("Erreur de la base de données.");
    expect(input("field-title").value).toBe("Pull");
  });

  it("imports photos through import_photo, then reorders and saves them in order", async () => {
    const calls = fakeBackend({
      import_photo: (p) => `photos/${String(p.fileName)}`,
      create_product: (p) => savedProduct(p.draft as ProductDraft),
    });
    const props = renderForm();
    const user = userEvent.setup();

    await user.type(input("field-title"), "Robe");
    await user.type(input("field-price"), "12.5");
    await user.upload(input("photo-input"), [
      new File(["first"], "a.jpg", { type: "image/jpeg" }),
      new File(["second"], "b.png", { type: "image/png" }),
    ]);

    await waitFor(() => expect(screen.getAllByTestId("photo-thumb")).toHaveLength(2));
    const imports = calls.filter((c) => c.cmd === "import_photo");
    expect(imports.map((c) => c.payload)).toEqual([
      { fileName: "a.jpg", dataBase64: btoa("first") },
      { fileName: "b.png", dataBase64: btoa("second") },
    ]);

    await user.click(screen.getAllByTestId("photo-right")[0]);
    expect(screen.getAllByTestId("photo-thumb").map((el) => el.getAttribute("data-file"))).toEqual(["photos/b.png", "photos/a.jpg"]);

    // Ctrl+S saves.
    act(() => {
      fireEvent.keyDown(window, { key: "s", ctrlKey: true });
    });
    await waitFor(() => expect(props.onSaved).toHaveBeenCalledTimes(1));
    const create = calls.find((c) => c.cmd === "create_product");
    expect((create?.payload.draft as ProductDraft).photos).toEqual(["photos/b.png", "photos/a.jpg"]);
    expect((create?.payload.draft as ProductDraft).priceCents).toBe(1250);
  });

  it("reports per-file import errors", async () => {
    fakeBackend({
      import_photo: () => {
        throw { code: "io", message: "disk full", fields: [] } satisfies AppError;
      },
    });
    renderForm();
    const user = userEvent.setup({ applyAccept: false });
    await user.upload(input("photo-input"), [new File(["x"], "a.jpg", { type: "image/jpeg" }), new File(["x"], "notes.txt", { type: "text/plain" })]);
    const errors = await screen.findAllByTestId("photo-error");
    const texts = errors.map((e) => e.textContent);
    expect(texts).toContain("notes.txt : ce fichier n’est pas une image.");
    await waitFor(() => expect(screen.getAllByTestId("photo-error").map((e) => e.textContent)).toContain("a.jpg : Erreur de lecture ou d’écriture de fichier."));
    expect(screen.queryAllByTestId("photo-thumb")).toHaveLength(0);
  });

  it("asks before discarding changes", async () => {
    fakeBackend({});
    const props = renderForm();
    const user = userEvent.setup();

    await user.type(input("field-title"), "Brouillon");
    await user.click(screen.getByTestId("cancel-product"));
    expect(screen.getByTestId("confirm-discard-dialog")).toBeTruthy();
    expect(props.onClose).not.toHaveBeenCalled();

    await user.click(screen.getByTestId("confirm-discard-cancel"));
    expect(screen.queryByTestId("confirm-discard-dialog")).toBeNull();
    expect(input("field-title").value).toBe("Brouillon");

    await user.click(screen.getByTestId("cancel-product"));
    await user.click(screen.getByTestId("confirm-discard"));
    expect(props.onClose).toHaveBeenCalledTimes(1);
  });

  it("closes without asking when nothing changed", async () => {
    fakeBackend({});
    const props = renderForm(existing);
    await userEvent.setup().click(screen.getByTestId("cancel-product"));
    expect(screen.queryByTestId("confirm-discard-dialog")).toBeNull();
    expect(props.onClose).toHaveBeenCalledTimes(1);
  });

  it("edits and deletes an existing product after confirmation", async () => {
    const calls = fakeBackend({ delete_product: () => null });
    const props = renderForm(existing);
    const user = userEvent.setup();

    expect(input("field-title").value).toBe("Veste en jean");
    expect(input("field-price").value).toBe("25,00");

    await user.click(screen.getByTestId("delete-product"));
    const dialog = screen.getByTestId("confirm-delete-dialog");
    expect(dialog.textContent).toContain("« Veste en jean »");
    expect(calls).toHaveLength(0);

    await user.click(screen.getByTestId("confirm-delete"));
    await waitFor(() => expect(props.onDeleted).toHaveBeenCalledTimes(1));
    expect(calls).toEqual([{ cmd: "delete_product", payload: { id: existing.id } }]);
  });

  it("sends update_product with the id and the draft", async () => {
    const calls = fakeBackend({ update_product: (p) => ({ ...existing, ...(p.draft as ProductDraft), sku: "SP-0042", photos: [] }) });
    const props = renderForm(existing);
    const user = userEvent.setup();
    await user.clear(input("field-price"));
    await user.type(input("field-price"), "19,99");
    await user.click(screen.getByTestId("save-product"));
    await waitFor(() => expect(props.onSaved).toHaveBeenCalledTimes(1));
    expect(calls[0].cmd).toBe("update_product");
    expect(calls[0].payload.id).toBe(existing.id);
    expect(calls[0].payload.draft).toMatchObject({ sku: "SP-0042", priceCents: 1999, status: "listed", condition: "good" });
  });
});
