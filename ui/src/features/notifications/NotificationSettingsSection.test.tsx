import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import type { AppError, DesktopAlertKinds, OutreachCaps } from "../../bindings";
import { renderWithProviders } from "../../test/utils";
import { NotificationSettingsSection } from "./NotificationSettingsSection";

function fakeBackend() {
  let kinds: DesktopAlertKinds = { sales: true, messages: true, offers: true };
  let caps: OutreachCaps = { perUserPerDay: 1, perItemPerDay: 3, perAccountPerDay: 4 };
  const saved: { kinds: DesktopAlertKinds[]; caps: OutreachCaps[] } = { kinds: [], caps: [] };
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    if (cmd === "get_desktop_alert_kinds") return kinds;
    if (cmd === "get_outreach_caps") return caps;
    if (cmd === "set_desktop_alert_kinds") {
      kinds = (payload as { kinds: DesktopAlertKinds }).kinds;
      saved.kinds.push(kinds);
      return kinds;
    }
    if (cmd === "set_outreach_caps") {
      caps = (payload as { caps: OutreachCaps }).caps;
      saved.caps.push(caps);
      return caps;
    }
    throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
  });
  return saved;
}

describe("Settings › Notifications", () => {
  it("each desktop notification kind is on by default and can be turned off", async () => {
    const saved = fakeBackend();
    renderWithProviders(<NotificationSettingsSection />);
    const messages = () => screen.getByTestId("desktop-alert-messages") as HTMLInputElement;
    await waitFor(() => expect(messages().disabled).toBe(false));
    expect(messages().checked).toBe(true);
    await userEvent.setup().click(messages());
    await waitFor(() => expect(saved.kinds).toEqual([{ sales: true, messages: false, offers: true }]));
    await waitFor(() => expect(messages().checked).toBe(false));
  });

  it("caps out of range are refused before saving; valid ones are saved", async () => {
    const saved = fakeBackend();
    renderWithProviders(<NotificationSettingsSection />);
    const user = userEvent.setup();
    const perItem = () => screen.getByTestId("outreach-cap-perItemPerDay") as HTMLInputElement;
    await waitFor(() => expect(perItem().value).toBe("3"));
    await user.clear(perItem());
    await user.type(perItem(), "80");
    await user.click(screen.getByTestId("outreach-caps-save"));
    await waitFor(() => expect(perItem().getAttribute("aria-invalid")).toBe("true"));
    expect(saved.caps).toEqual([]);
    await user.clear(perItem());
    await user.type(perItem(), "2");
    await user.click(screen.getByTestId("outreach-caps-save"));
    await waitFor(() => expect(saved.caps).toEqual([{ perUserPerDay: 1, perItemPerDay: 2, perAccountPerDay: 4 }]));
  });
});
