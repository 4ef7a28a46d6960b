import { describe, expect, it, vi } from "vitest";
import { watchIdle } from "./idle";

describe("the idle lock", () => {
  it("locks once after the idle minutes and not while someone is typing", () => {
    vi.useFakeTimers();
    let clock = 0;
    const target = new EventTarget();
    const onIdle = vi.fn();
    const stop = watchIdle({ minutes: 10, onIdle, now: () => clock, target, checkEveryMs: 1000 });

    for (let minute = 1; minute <= 15; minute++) {
      clock = minute * 60_000;
      target.dispatchEvent(new Event("keydown"));
      vi.advanceTimersByTime(60_000);
    }
    expect(onIdle).not.toHaveBeenCalled();

    clock += 10 * 60_000 - 1;
    vi.advanceTimersByTime(1000);
    expect(onIdle).not.toHaveBeenCalled();
    clock += 1;
    vi.advanceTimersByTime(1000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    clock += 60 * 60_000;
    vi.advanceTimersByTime(5000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    stop();
    vi.useRealTimers();
  });
});
