import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Channel, InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it, vi } from "vitest";
import type { AppError, CsvImportOptions, CsvPreview, ImportProgress, ImportReport, ProductDraft, ProductQuery } from "../../bindings";
import { renderWithProviders } from "../../test/utils";
import { ImportWizard } from "./ImportWizard";
import { InventoryTransferButtons } from "./InventoryTransferButtons";

type Payload = Record<string, unknown>;
type Call = { cmd: string; payload: Payload };

/** A fake Rust side; a handler may return a value, a promise, or throw an AppError. */
function fakeBackend(handlers: Record<string, (payload: Payload) => unknown>) {
  const calls: Call[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const p = (payload ?? {}) as Payload;
    calls.push({ cmd, payload: p });
    const handler = handlers[cmd];
    if (!handler) throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
    return handler(p);
  });
  return calls;
}

function draft(title: string, sku: string | null): ProductDraft {
  return {
    sku,
    title,
    description: "",
    category: null,
    brand: "Sézane",
    condition: null,
    size: null,
    priceCents: 1250,
    purchaseCostCents: 0,
    quantity: 1,
    packageSize: null,
    status: "draft",
    internalNotes: null,
    materials: [],
    colors: [],
    photos: [],
  } as ProductDraft;
}

function preview(overrides: Partial<CsvPreview> = {}): CsvPreview {
  return {
    format: { encoding: "windows-1252", delimiter: "semicolon" },
    headers: ["Référence", "Titre", "Prix", "Remarque"],
    mapping: ["sku", "title", "price", null],
    mappingSource: "suggested",
    mappingIssues: [],
    totalRows: 4,
    validRows: 3,
    invalidRows: 1,
    errors: [{ line: 3, columnIndex: 2, column: "Prix", field: "price", code: "invalidNumber", value: "douze", allowed: [] }],
    errorsTruncated: false,
    sample: [
      { line: 2, product: draft("Robe d'été", "SP-1") },
      { line: 4, product: draft("Pull", null) },
    ],
    ...overrides,
  };
}

const csvFile = () => new File(["Référence;Titre;Prix\nSP-1;Robe;12,50\n"], "stock.csv", { type: "text/csv" });

async function openPreview(handlers: Record<string, (payload: Payload) => unknown>) {
  const calls = fakeBackend({ preview_inventory_import: () => preview(), ...handlers });
  const onClose = vi.fn();
  renderWithProviders(<ImportWizard onClose={onClose} />);
  const user = userEvent.setup();
  await user.upload(screen.getByTestId("import-file"), csvFile());
  await screen.findByTestId("import-start");
  return { calls, onClose, user };
}

describe("ImportWizard", () => {
  it("sends the file's bytes, then lists every wrong row with its line, column and translated reason", async () => {
    const { calls } = await openPreview({});
    const first = calls.find((c) => c.cmd === "preview_inventory_import")!;
    expect(first.payload.fileName).toBe("stock.csv");
    expect(atob(first.payload.contentsBase64 as string)).toContain("SP-1;Robe;12,50");
    expect((first.payload.options as CsvImportOptions).mapping).toBeNull();

    const rows = screen.getAllByTestId("import-error-row");
    expect(rows).toHaveLength(1);
    expect(rows[0].dataset.line).toBe("3");
    expect(rows[0].dataset.column).toBe("Prix");
    expect(rows[0].textContent).toBe("Ligne 3, colonne « Prix » : nombre invalide (« douze »)");
    expect(screen.getByTestId("import-counts").textContent).toContain("4 lignes : 3 correctes, 1 en erreur");
    expect(screen.getAllByTestId("import-sample-row")).toHaveLength(2);
    expect(screen.getByTestId("import-sample").textContent).toContain("(générée)");
  });

  it("names the allowed values of an unknown status, in the user's language", async () => {
    await openPreview({
      preview_inventory_import: () =>
        preview({
          errors: [
            {
              line: 7,
              columnIndex: 4,
              column: "Statut",
              field: "status",
              code: "unknownValue",
              value: "supprimé",
              allowed: ["draft", "ready", "listed", "reserved", "sold", "archived"],
            },
          ],
        }),
    });
    const [row] = screen.getAllByTestId("import-error-row");
    expect(row.textContent).toBe(
      "Ligne 7, colonne « Statut » : statut inconnu « supprimé » : brouillon, prêt, en ligne, réservé, vendu, archivé",
    );
  });

  it("re-checks the file with the column mapping the user picks", async () => {
    const { calls, user } = await openPreview({
      preview_inventory_import: (p) => {
        const options = p.options as CsvImportOptions;
        return options.mapping
          ? preview({ mapping: options.mapping, mappingSource: "caller", errors: [], invalidRows: 0, validRows: 4 })
          : preview();
      },
    });
    const selects = screen.getAllByTestId("import-mapping") as HTMLSelectElement[];
    expect(selects.map((s) => s.value)).toEqual(["sku", "title", "price", ""]);
    // "Remarque" becomes the notes; the field list is the store's.
    await user.selectOptions(selects[3], "internalNotes");
    await waitFor(() => expect(calls.filter((c) => c.cmd === "preview_inventory_import")).toHaveLength(2));
    const second = calls.filter((c) => c.cmd === "preview_inventory_import")[1];
    const options = second.payload.options as CsvImportOptions;
    expect(options.mapping).toEqual(["sku", "title", "price", "internalNotes"]);
    expect(options.encoding).toBe("windows-1252");
    expect(options.delimiter).toBe("semicolon");
    await waitFor(() => expect(screen.queryAllByTestId("import-error-row")).toHaveLength(0));
    expect(screen.getByTestId("import-mapping-source").textContent).toContain("choisie par vous");
  });

  it("moves a field off the column that had it when another column takes it", async () => {
    const { calls, user } = await openPreview({});
    await user.selectOptions(screen.getAllByTestId("import-mapping")[3], "title");
    await waitFor(() => expect(calls.filter((c) => c.cmd === "preview_inventory_import")).toHaveLength(2));
    const options = calls.filter((c) => c.cmd === "preview_inventory_import")[1].payload.options as CsvImportOptions;
    expect(options.mapping).toEqual(["sku", null, "price", "title"]);
  });

  it("shows mapping issues and does not let the import start", async () => {
    fakeBackend({
      preview_inventory_import: () => preview({ mappingIssues: [{ code: "missingTitle", field: null }], errors: [], sample: [] }),
    });
    renderWithProviders(<ImportWizard onClose={vi.fn()} />);
    await userEvent.setup().upload(screen.getByTestId("import-file"), csvFile());
    expect((await screen.findByTestId("import-mapping-issues")).textContent).toContain("Aucune colonne ne remplit le titre");
    expect((screen.getByTestId("import-start") as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows the progress the store reports, and Cancel calls cancel_import", async () => {
    let progress: Channel<ImportProgress> | null = null;
    let fail: ((error: AppError) => void) | null = null;
    const { calls, user } = await openPreview({
      import_inventory: (p) => {
        progress = p.progress as Channel<ImportProgress>;
        return new Promise((_, reject) => {
          fail = reject;
        });
      },
      cancel_import: () => true,
    });
    await user.click(screen.getByTestId("import-mode-skip"));
    await user.click(screen.getByTestId("import-start"));
    await waitFor(() => expect(progress).not.toBeNull());
    const importCall = calls.find((c) => c.cmd === "import_inventory")!;
    expect((importCall.payload.options as CsvImportOptions).onError).toBe("skip");

    progress!.onmessage({ done: 250, total: 1000 });
    await waitFor(() => expect((screen.getByTestId("import-progress") as HTMLProgressElement).value).toBe(250));
    expect((screen.getByTestId("import-progress") as HTMLProgressElement).max).toBe(1000);
    expect(screen.getByTestId("import-progress-text").textContent).toBe("250 / 1000 (25 %)");
    // No closing the dialog mid-import.
    expect(screen.queryByTestId("import-close")).toBeNull();

    await user.click(screen.getByTestId("import-cancel"));
    expect(calls.some((c) => c.cmd === "cancel_import")).toBe(true);
    expect((screen.getByTestId("import-cancel") as HTMLButtonElement).disabled).toBe(true);

    fail!({ code: "importCancelled", message: "the import was cancelled; nothing was imported", fields: [] });
    const stopped = await screen.findByTestId("import-stopped");
    expect(stopped.dataset.code).toBe("importCancelled");
    expect(stopped.textContent).toContain("Import annulé : rien n’a été importé.");
  });

  it("sums up what was imported and skipped, then closes", async () => {
    const report: ImportReport = {
      format: { encoding: "utf-8", delimiter: "comma" },
      imported: 3,
      skipped: 1,
      errors: preview().errors,
      errorsTruncated: false,
    };
    const { calls, onClose, user } = await openPreview({
      import_inventory: (p) => {
        (p.progress as Channel<ImportProgress>).onmessage({ done: 3, total: 3 });
        return report;
      },
    });
    await user.click(screen.getByTestId("import-mode-skip"));
    await user.click(screen.getByTestId("import-start"));
    const summary = await screen.findByTestId("import-summary");
    expect(summary.textContent).toContain("3 articles importés.");
    expect(summary.textContent).toContain("1 ligne ignorée.");
    expect(summary.dataset.imported).toBe("3");
    expect(within(screen.getByTestId("import-dialog")).getAllByTestId("import-error-row")).toHaveLength(1);
    expect(calls.filter((c) => c.cmd === "import_inventory")).toHaveLength(1);
    await user.click(screen.getByTestId("import-close"));
    expect(onClose).toHaveBeenCalled();
  });

  it("explains a blocked import (wrong rows) and goes back to the check", async () => {
    const { user } = await openPreview({
      import_inventory: () => {
        throw { code: "csvInvalidRows", message: "1 rows of the file are wrong; nothing was imported", fields: [] } satisfies AppError;
      },
    });
    expect((screen.getByTestId("import-mode-block") as HTMLInputElement).checked).toBe(true);
    await user.click(screen.getByTestId("import-start"));
    expect((await screen.findByTestId("import-stopped")).textContent).toContain("rien n’a été importé");
    await user.click(screen.getByTestId("import-back"));
    expect(await screen.findAllByTestId("import-error-row")).toHaveLength(1);
  });
});

describe("InventoryTransferButtons", () => {
  it("exports what the filter shows and says where the file is", async () => {
    const query: ProductQuery = { search: "robe", status: "listed", sortBy: "title", sortDir: "asc", limit: 50, offset: 100 } as ProductQuery;
    const calls = fakeBackend({
      export_inventory: () => ({ path: "/home/zoe/Téléchargements/inventaire-2026-11-25.csv", fileName: "inventaire-2026-11-25.csv", count: 12 }),
    });
    renderWithProviders(<InventoryTransferButtons query={query} />);
    await userEvent.setup().click(screen.getByTestId("export-inventory"));
    expect((await screen.findByTestId("toast")).textContent).toContain("Exporté : /home/zoe/Téléchargements/inventaire-2026-11-25.csv");
    const call = calls.find((c) => c.cmd === "export_inventory")!;
    expect(call.payload.query).toEqual(query);
    expect(call.payload.lang).toBe("fr");
  });

  it("opens the import wizard", async () => {
    fakeBackend({});
    renderWithProviders(<InventoryTransferButtons query={{} as ProductQuery} />);
    const user = userEvent.setup();
    await user.click(screen.getByTestId("import-open"));
    expect(screen.getByTestId("import-file")).toBeTruthy();
    await user.click(screen.getByTestId("import-close"));
    expect(screen.queryByTestId("import-dialog")).toBeNull();
  });
});
