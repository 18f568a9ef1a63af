import { cleanup } from "@testing-library/react";
import { clearMocks, mockConvertFileSrc } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach } from "vitest";
import i18n from "../i18n";

beforeEach(() => {
  mockConvertFileSrc("linux");
});

afterEach(async () => {
  cleanup();
  clearMocks();
  await i18n.changeLanguage("fr");
});
