import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it, vi } from "vitest";
import type { AppError, Result } from "../../bindings";
import { reportSaveError, useSaveMutation } from "./useSaveMutation";

function wrapper({ children }: { children: ReactNode }) {
  const client = new QueryClient({ defaultOptions: { mutations: { retry: false } } });
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}

const refusal: AppError = { code: "validation", message: "", fields: [{ field: "sku", code: "duplicate" }] };

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("useSaveMutation", () => {
  it("updates the caches before the form hears of the success", async () => {
    const order: string[] = [];
    const { result } = renderHook(
      () =>
        useSaveMutation({
          save: async (n: number): Promise<Result<number, AppError>> => ({ status: "ok", data: n * 2 }),
          onSaved: async (data) => {
            await Promise.resolve();
            order.push(`caches ${data}`);
          },
        }),
      { wrapper },
    );
    let outcome: unknown;
    await act(async () => {
      outcome = await result.current.run(21);
      order.push("form");
    });
    expect(outcome).toEqual({ ok: true, data: 42 });
    expect(order).toEqual(["caches 42", "form"]);
  });

  it("hands back the command's refusal, and a failed call, as an AppError without running onSaved", async () => {
    const onSaved = vi.fn();
    const save = vi
      .fn<(n: number) => Promise<Result<number, AppError>>>()
      .mockResolvedValueOnce({ status: "error", error: refusal })
      .mockRejectedValueOnce(new Error("IPC down"));
    const { result } = renderHook(() => useSaveMutation({ save, onSaved }), { wrapper });
    let first: unknown;
    let second: unknown;
    await act(async () => {
      first = await result.current.run(1);
    });
    await act(async () => {
      second = await result.current.run(2);
    });
    expect(first).toEqual({ ok: false, error: refusal });
    expect(second).toMatchObject({ ok: false, error: { code: "internal" } });
    expect(onSaved).not.toHaveBeenCalled();
  });

  it("counts a failed cache update as a failed save", async () => {
    const { result } = renderHook(
      () =>
        useSaveMutation({
          save: async (): Promise<Result<string, AppError>> => ({ status: "ok", data: "saved" }),
          onSaved: () => Promise.reject(refusal),
        }),
      { wrapper },
    );
    let outcome: unknown;
    await act(async () => {
      outcome = await result.current.run(undefined);
    });
    expect(outcome).toEqual({ ok: false, error: refusal });
  });

  it("runs one save at a time and says when one is pending", async () => {
    const gate = deferred<Result<string, AppError>>();
    const save = vi.fn(() => gate.promise);
    const { result } = renderHook(() => useSaveMutation({ save }), { wrapper });
    let first!: Promise<unknown>;
    let second: unknown;
    await act(async () => {
      first = result.current.run("a");
      second = await result.current.run("b");
    });
    expect(second).toBeNull();
    expect(save).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(result.current.pending).toBe(true));
    await act(async () => {
      gate.resolve({ status: "ok", data: "done" });
      await first;
    });
    expect(await first).toEqual({ ok: true, data: "done" });
    await waitFor(() => expect(result.current.pending).toBe(false));
  });
});

describe("reportSaveError", () => {
  it("puts in the banner what no field shows, and says whether a field got an error", () => {
    const show = vi.fn();
    expect(reportSaveError(refusal, { fieldCount: 1, unmapped: [] }, show)).toBe(true);
    expect(show).not.toHaveBeenCalled();

    const unmapped = [{ field: "somethingElse", code: "invalid" as const }];
    expect(reportSaveError(refusal, { fieldCount: 1, unmapped }, show)).toBe(true);
    expect(show).toHaveBeenLastCalledWith({ error: refusal, unmapped });

    expect(reportSaveError(refusal, { fieldCount: 0, unmapped: [] }, show)).toBe(false);
    expect(show).toHaveBeenLastCalledWith({ error: refusal, unmapped: [] });
  });
});
