import { screen } from "@testing-library/react";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import type { AppError, BackupFile, BackupSettings } from "../../bindings";
import { normalizeSpaces, renderWithProviders } from "../../test/utils";
import { BackupSection } from "./BackupSection";

const files: BackupFile[] = [
  { fileName: "seller-panel-auto-2026-03-02T03-00-00-000Z.spbackup", kind: "automatic", sizeBytes: 5 * 1024 * 1024 * 1024, modifiedAt: "2026-03-02T03:00:00.000Z" },
  { fileName: "seller-panel-2026-03-01T10-00-00-000Z.spbackup", kind: "manual", sizeBytes: 2048, modifiedAt: "2026-03-01T10:00:00.000Z" },
];

function fakeBackend() {
  const settings: BackupSettings = { autoDaily: true, keepDays: 14 };
  mockIPC((cmd: string) => {
    if (cmd === "list_backups") return files;
    if (cmd === "get_backup_settings") return settings;
    throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
  });
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
});
