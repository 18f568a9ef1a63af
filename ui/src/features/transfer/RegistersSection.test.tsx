import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import type { AppError, ExportSettings, RegisterExport } from "../../bindings";
import { renderWithProviders } from "../../test/utils";
import { ExportSettingsSection } from "./ExportSettingsSection";
import { RegistersSection } from "./RegistersSection";

type Call = { cmd: string; payload: Record<string, unknown> };

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

const account = { id: "acc-1", name: "Boutique Zoé" };

describe("RegistersSection", () => {
  it("exports the chosen register, period, account and format, and says where the file is", async () => {
    const calls = fakeBackend({
      list_seller_accounts: () => [account],
      export_register: () => ({ path: "/tmp/exports/livre-des-recettes-2026-01-01_2026-03-31.pdf", fileName: "x.pdf", count: 4 }),
    });
    renderWithProviders(<RegistersSection />);
    const user = userEvent.setup();
    const year = new Date().getFullYear();
    expect((screen.getByTestId("register-from") as HTMLInputElement).value).toBe(`${year}-01-01`);
    expect((screen.getByTestId("register-to") as HTMLInputElement).value).toBe(`${year}-12-31`);

    await user.selectOptions(screen.getByTestId("register-kind"), "purchases");
    await user.clear(screen.getByTestId("register-from"));
    await user.type(screen.getByTestId("register-from"), "2026-01-01");
    await user.clear(screen.getByTestId("register-to"));
    await user.type(screen.getByTestId("register-to"), "2026-03-31");
    await screen.findByRole("option", { name: "Boutique Zoé" });
    await user.selectOptions(screen.getByTestId("register-account"), "acc-1");
    await user.selectOptions(screen.getByTestId("register-format"), "csv");
    await user.click(screen.getByTestId("register-export"));

    expect((await screen.findByTestId("toast")).textContent).toContain("Exporté : /tmp/exports/livre-des-recettes-2026-01-01_2026-03-31.pdf");
    const request = calls.find((c) => c.cmd === "export_register")!.payload.request as RegisterExport;
    expect(request).toEqual({ kind: "purchases", from: "2026-01-01", to: "2026-03-31", account: "acc-1", format: "csv", lang: "fr" });
  });

  it("refuses a period that ends before it starts", async () => {
    fakeBackend({ list_seller_accounts: () => [] });
    renderWithProviders(<RegistersSection />);
    const user = userEvent.setup();
    await user.clear(screen.getByTestId("register-to"));
    await user.type(screen.getByTestId("register-to"), "2000-01-01");
    expect(screen.getByTestId("register-period-error")).toBeTruthy();
    expect((screen.getByTestId("register-export") as HTMLButtonElement).disabled).toBe(true);
  });

  it("exports the orders of the period", async () => {
    const calls = fakeBackend({
      list_seller_accounts: () => [],
      export_orders: () => ({ path: "/tmp/exports/commandes.csv", fileName: "commandes.csv", count: 2 }),
    });
    renderWithProviders(<RegistersSection />);
    await userEvent.setup().click(screen.getByTestId("register-export-orders"));
    expect((await screen.findByTestId("toast")).textContent).toContain("/tmp/exports/commandes.csv");
    const call = calls.find((c) => c.cmd === "export_orders")!;
    expect(call.payload.account).toBeNull();
    expect(call.payload.lang).toBe("fr");
  });
});

describe("ExportSettingsSection", () => {
  it("shows the exports folder and saves another one", async () => {
    let saved: ExportSettings = { exportDir: "/home/zoe/Téléchargements", defaultExportDir: "/home/zoe/Téléchargements", businessName: "" };
    const calls = fakeBackend({
      get_export_settings: () => saved,
      set_export_settings: (p) => {
        const draft = p.settings as { exportDir: string; businessName: string };
        saved = { ...saved, exportDir: draft.exportDir || saved.defaultExportDir, businessName: draft.businessName };
        return saved;
      },
    });
    renderWithProviders(<ExportSettingsSection />);
    const user = userEvent.setup();
    const input = screen.getByTestId("settings-export-dir") as HTMLInputElement;
    await waitFor(() => expect(input.value).toBe("/home/zoe/Téléchargements"));
    await user.clear(input);
    await user.type(input, "/home/zoe/Compta{Enter}");
    await waitFor(() => expect(calls.some((c) => c.cmd === "set_export_settings")).toBe(true));
    expect(calls.find((c) => c.cmd === "set_export_settings")!.payload.settings).toEqual({ exportDir: "/home/zoe/Compta", businessName: "" });
    await waitFor(() => expect(input.value).toBe("/home/zoe/Compta"));
  });

  it("says when the folder is not a full path", async () => {
    fakeBackend({
      get_export_settings: () => ({ exportDir: "/d", defaultExportDir: "/d", businessName: "" }),
      set_export_settings: () => {
        throw { code: "validation", message: "not absolute", fields: [{ field: "exportDir", code: "invalid" }] } satisfies AppError;
      },
    });
    renderWithProviders(<ExportSettingsSection />);
    const user = userEvent.setup();
    const input = screen.getByTestId("settings-export-dir") as HTMLInputElement;
    await waitFor(() => expect(input.value).toBe("/d"));
    await user.clear(input);
    await user.type(input, "exports{Enter}");
    await waitFor(() => expect(input.getAttribute("aria-invalid")).toBe("true"));
    expect(screen.getByText("Indiquez un chemin complet (par exemple /home/vous/Documents).")).toBeTruthy();
  });
});
