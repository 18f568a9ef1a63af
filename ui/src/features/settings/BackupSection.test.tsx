import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import type { AppError, BackupFile, BackupSettings } from "../../bindings";
import { normalizeSpaces, renderWithProviders } from "../../test/utils";
import { BackupSection } from "./BackupSection";

const files: BackupFile[] = [
  { fileName: "seller-panel-auto-2026-03-02T03-00-00-000Z.spbackup", kind: "automatic", sizeBytes: 5 * 1024 * 1024 * 1024, modifiedAt: "2026-03-02T03:00:00.000Z" },
  { fileName: "seller-panel-2026-03-01T10-00-00-000Z.spbackup", kind: "manual", sizeBytes: 2048, modifiedAt: "2026-03-01T10:00:00.000Z" },
];

function fakeBackend({ refuseSave = false } = {}) {
  let settings: BackupSettings = { autoDaily: true, keepDays: 14 };
  const saves: BackupSettings[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    if (cmd === "list_backups") return files;
    if (cmd === "get_backup_settings") return settings;
    if (cmd === "set_backup_settings") {
      const next = (payload as { settings: BackupSettings }).settings;
      saves.push(next);
      if (refuseSave) throw { code: "internal", message: "disk full", fields: [] } satisfies AppError;
      settings = next;
      return settings;
    }
    throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
  });
  return saves;
}

describe("BackupSection", () => {
  it("says which backups are automatic and which are manual, and that only automatic ones are deleted", async () => {
    fakeBackend();
    renderWithProviders(<BackupSection />);
    const items = await screen.findAllByTestId("backup-item");
    expect(items).toHaveLength(2);
    const kinds = screen.getAllByTestId("backup-kind");
    expect(kinds.map((k) => k.getAttribute("data-kind"))).toEqual(["automatic", "manual"]);
    expect(kinds.map((k) => k.textContent)).toEqual(["Automatique", "Manuelle"]);
    // Sizes past 4 GiB arrive as plain numbers.
    expect(normalizeSpaces(items[0].textContent)).toContain("5 120 Mo");
    expect(normalizeSpaces(items[1].textContent)).toContain("2 ko");
    expect(await screen.findByText(/Seules les sauvegardes automatiques/)).toBeTruthy();
  });

  it("shows the keep-days hint, replaced by the error while the number is out of range, and saves a valid one", async () => {
    const saves = fakeBackend();
    renderWithProviders(<BackupSection />);
    const user = userEvent.setup();
    const input = (await screen.findByTestId("backup-keep-days")) as HTMLInputElement;
    expect(input.value).toBe("14");
    const line = () => document.getElementById(input.getAttribute("aria-describedby") ?? "");
    expect(input.getAttribute("aria-invalid")).toBeNull();
    expect(line()?.textContent).toMatch(/^Seules les sauvegardes automatiques plus anciennes/);

    await user.clear(input);
    await user.type(input, "0");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(line()?.className).toBe("field-error");
    expect(line()?.textContent).toBe("Indiquez un nombre de jours entre 1 et 3650.");
    await user.tab();
    expect(saves).toEqual([]);

    await user.clear(input);
    await user.type(input, "30{Enter}");
    await waitFor(() => expect(saves).toEqual([{ autoDaily: true, keepDays: 30 }]));
    expect(input.getAttribute("aria-invalid")).toBeNull();
    expect(line()?.className).toBe("hint");

    await user.click(screen.getByTestId("backup-auto"));
    await waitFor(() => expect(saves).toHaveLength(2));
    expect(saves[1]).toEqual({ autoDaily: false, keepDays: 30 });
    await waitFor(() => expect((screen.getByTestId("backup-auto") as HTMLInputElement).checked).toBe(false));
  });

  it("says so in the section when the settings cannot be saved", async () => {
    fakeBackend({ refuseSave: true });
    renderWithProviders(<BackupSection />);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("backup-auto"));
    expect((await screen.findByTestId("backup-error")).textContent).toBe("Une erreur inattendue s’est produite.");
    expect((screen.getByTestId("backup-auto") as HTMLInputElement).checked).toBe(true);
  });
});
