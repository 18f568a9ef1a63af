import { act, fireEvent, render, renderHook, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { DiscardDialog } from "./DiscardDialog";
import { useDirtyGuard } from "./useDirtyGuard";

describe("useDirtyGuard", () => {
  it("leaves at once when nothing changed", () => {
    const onLeave = vi.fn();
    const { result } = renderHook(() => useDirtyGuard({ dirty: false, onLeave }));
    act(() => result.current.requestLeave());
    expect(onLeave).toHaveBeenCalledTimes(1);
    expect(result.current.confirming).toBe(false);
  });

  it("asks before leaving with changes: staying keeps the form, discarding leaves", () => {
    const onLeave = vi.fn();
    const { result } = renderHook(() => useDirtyGuard({ dirty: true, onLeave }));
    act(() => result.current.requestLeave());
    expect(onLeave).not.toHaveBeenCalled();
    expect(result.current.confirming).toBe(true);
    act(() => result.current.stay());
    expect(result.current.confirming).toBe(false);
    expect(onLeave).not.toHaveBeenCalled();
    act(() => result.current.requestLeave());
    act(() => result.current.confirmLeave());
    expect(result.current.confirming).toBe(false);
    expect(onLeave).toHaveBeenCalledTimes(1);
  });

  it("tells the page whether the form holds changes, and that it holds none once gone", () => {
    const onDirtyChange = vi.fn();
    const { rerender, unmount } = renderHook(({ dirty }) => useDirtyGuard({ dirty, onLeave: () => {}, onDirtyChange }), {
      initialProps: { dirty: false },
    });
    expect(onDirtyChange).toHaveBeenLastCalledWith(false);
    rerender({ dirty: true });
    expect(onDirtyChange).toHaveBeenLastCalledWith(true);
    unmount();
    expect(onDirtyChange).toHaveBeenLastCalledWith(false);
  });

  it("asks on Escape, unless a control used it or another dialog is open", () => {
    const onLeave = vi.fn();
    function Form({ otherDialog }: { otherDialog: boolean }) {
      const guard = useDirtyGuard({ dirty: true, onLeave });
      return (
        // The same wiring as the forms: keys from the controls bubble to the form.
        // eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions -- as in the forms
        <form onKeyDown={(e) => guard.onEscape(e, otherDialog)}>
          <input aria-label="Name" />
          <input aria-label="Picker" onKeyDown={(e) => e.key === "Escape" && e.preventDefault()} />
          <DiscardDialog guard={guard} />
        </form>
      );
    }
    const { rerender } = render(<Form otherDialog />);
    fireEvent.keyDown(screen.getByLabelText("Name"), { key: "Escape" });
    expect(screen.queryByTestId("confirm-discard-dialog")).toBeNull();

    rerender(<Form otherDialog={false} />);
    fireEvent.keyDown(screen.getByLabelText("Picker"), { key: "Escape" });
    expect(screen.queryByTestId("confirm-discard-dialog")).toBeNull();

    fireEvent.keyDown(screen.getByLabelText("Name"), { key: "Escape" });
    expect(screen.getByTestId("confirm-discard-dialog")).toBeTruthy();
    fireEvent.click(screen.getByTestId("confirm-discard"));
    expect(onLeave).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("confirm-discard-dialog")).toBeNull();
  });
});
