import { cleanup } from "@testing-library/react";
import { clearMocks, mockConvertFileSrc } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach } from "vitest";
import i18n from "../i18n";

// jsdom lays nothing out, so a virtualised list would see a zero-height viewport and render no
// rows; give its scroll area the size of a window.
for (const [property, size] of [
  ["clientHeight", 800],
  ["clientWidth", 1000],
] as const) {
  const layout = Object.getOwnPropertyDescriptor(Element.prototype, property);
  Object.defineProperty(HTMLElement.prototype, property, {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains("grid-scroll") ? size : (layout?.get?.call(this) ?? 0);
    },
  });
}

beforeEach(() => {
  mockConvertFileSrc("linux");
});

afterEach(async () => {
  cleanup();
  clearMocks();
  await i18n.changeLanguage("fr");
});
