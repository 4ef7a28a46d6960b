import { describe, expect, it, vi } from "vitest";
import { fireEvent, render } from "@testing-library/svelte";
import { tick } from "svelte";
import DialogHarness from "./test/DialogHarness.svelte";

describe("the shared dialog", () => {
  it("takes focus, keeps Tab inside, closes on Escape and gives focus back to its opener", async () => {
    const closed = vi.fn();
    const { container } = render(DialogHarness, { closed });
    const byId = (id: string) => container.querySelector<HTMLElement>(`#${id}`)!;

    byId("opener").focus();
    await fireEvent.click(byId("opener"));
    await tick();
    const dialog = container.querySelector('[role="dialog"]')!;
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(dialog.getAttribute("aria-label")).toBe("Test dialog");
    expect(document.activeElement).toBe(byId("first"));

    // Tab from the last control wraps to the first; Shift+Tab from the first to the last.
    byId("last").focus();
    await fireEvent.keyDown(byId("last"), { key: "Tab" });
    expect(document.activeElement).toBe(byId("first"));
    await fireEvent.keyDown(byId("first"), { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(byId("last"));
    // In between, Tab is the browser's (not taken over).
    byId("first").focus();
    const free = await fireEvent.keyDown(byId("first"), { key: "Tab" });
    expect(free).toBe(true);

    await fireEvent.keyDown(byId("middle"), { key: "Escape" });
    await tick();
    expect(closed).toHaveBeenCalledTimes(1);
    expect(container.querySelector('[role="dialog"]')).toBeNull();
    expect(document.activeElement).toBe(byId("opener"));
  });
});
