import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import type { AppError, ProxySettings } from "../../bindings";
import { renderWithProviders } from "../../test/utils";
import { ProxyEchoSection } from "./ProxyEchoSection";

const DEFAULT = "http://api.ipify.org";

function fakeBackend({ down = false } = {}) {
  let current: ProxySettings = { echoUrl: DEFAULT, defaultEchoUrl: DEFAULT };
  const saves: string[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    if (cmd === "get_proxy_settings") return current;
    if (cmd === "set_proxy_settings") {
      const echoUrl = (payload as { echoUrl: string }).echoUrl;
      saves.push(echoUrl);
      if (down) throw { code: "database", message: "locked", fields: [] } satisfies AppError;
      if (echoUrl !== "" && !echoUrl.startsWith("http://")) {
        throw { code: "validation", message: "not http", fields: [{ field: "echoUrl", code: "invalid" }] } satisfies AppError;
      }
      current = { echoUrl: echoUrl || DEFAULT, defaultEchoUrl: DEFAULT };
      return current;
    }
    throw { code: "internal", message: cmd, fields: [] } satisfies AppError;
  });
  return saves;
}

describe("Settings › Avancé › proxy address echo", () => {
  it("shows the default, refuses an https:// URL next to the field, saves an http:// one and goes back to the default", async () => {
    const saves = fakeBackend();
    renderWithProviders(<ProxyEchoSection />);
    const user = userEvent.setup();
    const input = () => screen.getByTestId("settings-proxy-echo-url") as HTMLInputElement;
    await waitFor(() => expect(input().value).toBe(DEFAULT));
    expect(screen.queryByTestId("settings-proxy-echo-default")).toBeNull();

    await user.clear(input());
    await user.type(input(), "https://api.ipify.org");
    await user.click(screen.getByTestId("settings-proxy-echo-save"));
    expect((await screen.findByTestId("settings-proxy-echo-url-error")).textContent).toBe(
      "Saisissez une URL http:// (les URL https:// ne sont pas prises en charge).",
    );
    expect(input().getAttribute("aria-invalid")).toBe("true");
    // The error took the hint's place, and the field is described by it.
    expect(input().getAttribute("aria-describedby")).toBe(screen.getByTestId("settings-proxy-echo-url-error").id);
    expect(screen.queryByText(/Tester le proxy/)).toBeNull();
    expect(screen.queryByTestId("proxy-settings-error")).toBeNull();

    await user.clear(input());
    await user.type(input(), "http://127.0.0.1:8080/ip{Enter}");
    await waitFor(() => expect(screen.queryByTestId("settings-proxy-echo-default")).not.toBeNull());
    expect(input().value).toBe("http://127.0.0.1:8080/ip");
    expect(input().getAttribute("aria-invalid")).toBeNull();
    expect(screen.queryByTestId("settings-proxy-echo-url-error")).toBeNull();
    expect(document.getElementById(input().getAttribute("aria-describedby") ?? "")?.textContent).toMatch(/^« Tester le proxy »/);

    await user.click(screen.getByTestId("settings-proxy-echo-default"));
    await waitFor(() => expect(input().value).toBe(DEFAULT));
    expect(saves).toEqual(["https://api.ipify.org", "http://127.0.0.1:8080/ip", ""]);
  });

  it("says below the form when the save fails for another reason, and keeps what was typed", async () => {
    fakeBackend({ down: true });
    renderWithProviders(<ProxyEchoSection />);
    const user = userEvent.setup();
    const input = () => screen.getByTestId("settings-proxy-echo-url") as HTMLInputElement;
    await waitFor(() => expect(input().value).toBe(DEFAULT));
    await user.clear(input());
    await user.type(input(), "http://127.0.0.1:8080/ip{Enter}");
    expect((await screen.findByTestId("proxy-settings-error")).textContent).toBe("Erreur de la base de données.");
    expect(input().getAttribute("aria-invalid")).toBeNull();
    expect(input().value).toBe("http://127.0.0.1:8080/ip");
  });
});
