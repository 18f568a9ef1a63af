import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import type { ProductPage, ProductQuery, ProductSummary, Settings } from "./bindings";
import { normalizeSpaces, renderWithProviders } from "./test/utils";

const item: ProductSummary = {
  id: "0190f0a0-0000-7000-8000-000000000001",
  sku: "SP-0001",
  title: "Robe fleurie",
  brand: "Zara",
  category: "Robes",
  size: "S",
  status: "listed",
  priceCents: 1250,
  quantity: 2,
  photoFile: null,
  createdAt: "2025-01-01T10:00:00Z",
  updatedAt: "2025-01-02T10:00:00Z",
};

function backend(settings: Settings, list: (q: ProductQuery) => ProductPage) {
  const queries: ProductQuery[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    if (cmd === "get_settings") return settings;
    if (cmd === "set_language") return { ...settings, language: p.language };
    if (cmd === "list_products") {
      const q = p.query as ProductQuery;
      queries.push(q);
      return list(q);
    }
    throw { code: "internal", message: cmd, fields: [] };
  });
  return queries;
}

describe("App", () => {
  it("uses English when the preference is 'system' and the OS is English", async () => {
    backend({ language: "system", systemLanguage: "en-US" }, () => ({ items: [item], total: 1 }));
    renderWithProviders(<App />);

    const row = await screen.findByTestId("product-row");
    expect(row.getAttribute("data-sku")).toBe("SP-0001");
    expect(screen.getByTestId("nav-inventory").textContent).toContain("Inventory");
    expect(screen.getByTestId("row-price").textContent).toBe("€12.50");
    expect(document.documentElement.lang).toBe("en");
    expect(screen.getByTestId("inventory-count").textContent).toBe("1 item");
  });

  it("shows French, the empty state, and queries with the contract's defaults", async () => {
    const queries = backend({ language: "system", systemLanguage: "de-DE" }, () => ({ items: [], total: 0 }));
    renderWithProviders(<App />);

    const empty = await screen.findByTestId("inventory-empty");
    expect(empty.textContent).toContain("Aucun article pour l’instant");
    expect(document.documentElement.lang).toBe("fr");
    expect(queries[0]).toEqual({
      search: null,
      status: null,
      category: null,
      brand: null,
      size: null,
      condition: null,
      color: null,
      material: null,
      sellerAccountId: null,
      minDaysInStock: null,
      maxDaysInStock: null,
      minPriceCents: null,
      maxPriceCents: null,
      sortBy: "updatedAt",
      sortDir: "desc",
      limit: 100,
      offset: 0,
    });

    await userEvent.setup().click(screen.getByTestId("empty-create"));
    expect(screen.getByTestId("product-form")).toBeTruthy();
  });

  it("debounces the search, filters by status and distinguishes 'no match' from 'empty'", async () => {
    const queries = backend({ language: "fr", systemLanguage: "fr-FR" }, (q) =>
      q.search || q.status ? { items: [], total: 0 } : { items: [item], total: 1 },
    );
    renderWithProviders(<App />);
    const user = userEvent.setup();

    const row = await screen.findByTestId("product-row");
    expect(normalizeSpaces(screen.getByTestId("row-price").textContent)).toBe("12,50 €");
    expect(row.textContent).toContain("En ligne");

    await user.type(screen.getByTestId("inventory-search"), "jean");
    await screen.findByTestId("inventory-no-match");
    // Only the final text reached the back end.
    expect(queries.map((q) => q.search).filter(Boolean)).toEqual(["jean"]);

    await user.click(screen.getByTestId("clear-filters"));
    await screen.findByTestId("product-row");

    await user.selectOptions(screen.getByTestId("status-filter"), "sold");
    await screen.findByTestId("inventory-no-match");
    expect(queries.at(-1)).toMatchObject({ status: "sold", search: null, offset: 0 });
  });

  it("sorts by clicking column headers", async () => {
    const queries = backend({ language: "fr", systemLanguage: "fr-FR" }, () => ({ items: [item], total: 1 }));
    renderWithProviders(<App />);
    const user = userEvent.setup();
    await screen.findByTestId("product-row");

    await user.click(screen.getByTestId("sort-price"));
    await waitFor(() => expect(queries.at(-1)).toMatchObject({ sortBy: "price", sortDir: "desc" }));
    await user.click(screen.getByTestId("sort-price"));
    await waitFor(() => expect(queries.at(-1)).toMatchObject({ sortBy: "price", sortDir: "asc" }));
  });

  it("switches language from the settings", async () => {
    backend({ language: "fr", systemLanguage: "fr-FR" }, () => ({ items: [], total: 0 }));
    renderWithProviders(<App />);
    const user = userEvent.setup();
    await screen.findByTestId("inventory-empty");

    await user.click(screen.getByTestId("nav-settings"));
    await user.selectOptions(screen.getByTestId("language-select"), "en");
    await waitFor(() => expect(screen.getByTestId("nav-settings").textContent).toContain("Settings"));
    expect(document.documentElement.lang).toBe("en");
  });
});
