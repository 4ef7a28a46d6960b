// The idle lock: after `minutes` with no key, click or pointer movement, `onIdle` runs once.
// The clock and timers are passed in so the rule is tested without waiting.

export interface IdleOptions {
  minutes: number;
  onIdle: () => void;
  now?: () => number;
  target?: Pick<EventTarget, "addEventListener" | "removeEventListener">;
  checkEveryMs?: number;
}

const ACTIVITY = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"];

export function watchIdle(o: IdleOptions): () => void {
  const now = o.now ?? (() => Date.now());
  const target = o.target ?? window;
  let last = now();
  let fired = false;
  const touch = () => {
    last = now();
  };
  for (const e of ACTIVITY) target.addEventListener(e, touch, { passive: true } as AddEventListenerOptions);
  const timer = setInterval(() => {
    if (!fired && now() - last >= o.minutes * 60_000) {
      fired = true;
      o.onIdle();
    }
  }, o.checkEveryMs ?? 5_000);
  return () => {
    clearInterval(timer);
    for (const e of ACTIVITY) target.removeEventListener(e, touch);
  };
}
