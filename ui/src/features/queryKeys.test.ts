import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import type { ProductQuery } from "../bindings";
import { accountKeys } from "./accounts/queryKeys";
import { dashboardKeys } from "./dashboard/queryKeys";
import { inventoryKeys } from "./inventory/queryKeys";
import { jobKeys } from "./jobs/queryKeys";
import { listingKeys } from "./listings/queryKeys";
import { orderKeys } from "./orders/queryKeys";
import { publishKeys } from "./publish/queryKeys";
import { sessionKeys } from "./sessions/queryKeys";
import { settingsKeys } from "./settings/queryKeys";
import { syncKeys } from "./sync/queryKeys";
import { transferKeys } from "./transfer/queryKeys";

const listQuery = { search: "robe" } as unknown as Omit<ProductQuery, "limit" | "offset">;

/** Caches one query per key, invalidates `target`, and says which keys were invalidated. */
async function invalidated(keys: readonly (readonly unknown[])[], target: readonly unknown[]) {
  const client = new QueryClient();
  for (const key of keys) client.setQueryData(key, "cached");
  await client.invalidateQueries({ queryKey: target });
  return keys.filter((key) => client.getQueryState(key)?.isInvalidated);
}

describe("query keys", () => {
  it("refreshes every list of products, and only those, when the inventory changes", async () => {
    const page = inventoryKeys.page(listQuery, 2);
    const picker = inventoryKeys.picker("robe");
    const detail = inventoryKeys.detail("p1");
    const keys = [page, picker, inventoryKeys.canUndoBulkAction, detail, inventoryKeys.facets, orderKeys.list({} as never)];
    expect(await invalidated(keys, inventoryKeys.all)).toEqual([page, picker, inventoryKeys.canUndoBulkAction]);
    // One product's own cache is apart: the form is not refetched behind the user.
    expect(await invalidated(keys, inventoryKeys.details)).toEqual([detail]);
  });

  it("tells one product, one order, one page apart", async () => {
    expect(inventoryKeys.detail("p1")).not.toEqual(inventoryKeys.detail("p2"));
    expect(inventoryKeys.page(listQuery, 0)).not.toEqual(inventoryKeys.page(listQuery, 1));
    const one = orderKeys.detail("o1");
    const keys = [one, orderKeys.detail("o2"), orderKeys.list({} as never)];
    expect(await invalidated(keys, one)).toEqual([one]);
    expect(await invalidated(keys, orderKeys.details)).toEqual([one, orderKeys.detail("o2")]);
  });

  it("gives each area roots of its own, so invalidating one leaves the others", () => {
    const roots = [
      inventoryKeys.all,
      inventoryKeys.facets,
      inventoryKeys.details,
      orderKeys.all,
      orderKeys.details,
      dashboardKeys.all,
      accountKeys.all,
      accountKeys.proxyConfirmations,
      sessionKeys.all,
      settingsKeys.app,
      settingsKeys.backups,
      settingsKeys.backupSettings,
      settingsKeys.skuSettings,
      settingsKeys.skuPreview("x").slice(0, 1),
      settingsKeys.proxySettings,
      syncKeys.status,
      transferKeys.exportSettings,
      listingKeys.all,
      jobKeys.all,
      jobKeys.audit,
      jobKeys.pacing,
      publishKeys.all,
    ].map((key) => key[0]);
    expect(new Set(roots).size).toBe(roots.length);
  });

  it("keeps the key of each list under its area's root", () => {
    expect(orderKeys.list({} as never)[0]).toBe(orderKeys.all[0]);
    expect(dashboardKeys.summary(null)[0]).toBe(dashboardKeys.all[0]);
    expect(sessionKeys.statuses(["a"])[0]).toBe(sessionKeys.all[0]);
    expect(inventoryKeys.canUndoBulkAction[0]).toBe(inventoryKeys.all[0]);
    expect(listingKeys.list({} as never)[0]).toBe(listingKeys.all[0]);
    expect(jobKeys.list({} as never)[0]).toBe(jobKeys.all[0]);
    expect(jobKeys.auditList({} as never)[0]).toBe(jobKeys.audit[0]);
    expect(jobKeys.pacingOf("a")[0]).toBe(jobKeys.pacing[0]);
    expect(publishKeys.preview("a", "p")[0]).toBe(publishKeys.all[0]);
    // The ids a publish of "everything matching" sends follow the inventory's changes.
    expect(inventoryKeys.selectionIds(null, 50)[0]).toBe(inventoryKeys.all[0]);
  });

  it("refreshes the job queue without refetching a pacing form being edited", async () => {
    const list = jobKeys.list({ accountId: null, states: [], page: 1, perPage: 20 });
    const pacing = jobKeys.pacingOf("acc-1");
    const auditPage = jobKeys.auditList({ accountId: null, page: 1, perPage: 50 });
    expect(await invalidated([list, pacing, auditPage], jobKeys.all)).toEqual([list]);
    expect(await invalidated([list, pacing, auditPage], jobKeys.audit)).toEqual([auditPage]);
  });
});
