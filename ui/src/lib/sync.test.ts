import { describe, expect, it } from "vitest";
import type { SyncActivityDto, SyncStatusDto } from "./backend";
import { ago, badge, percent } from "./sync";

const now = new Date("2026-11-25T10:00:00Z");
const base: SyncStatusDto = {
  configured: true,
  server: "https://sync.example.org",
  device_code: "K7",
  last_ok: "2026-11-25T09:55:00Z",
  last_error: null,
  pending: 0,
  cursor: 10,
  conflicts: 0,
  safety_conflicts: 0,
  problems: [],
  insecure: false,
  pinned: false,
};
const idle: SyncActivityDto = { running: false, pulled: 0, cursor: 0, head: 0 };

describe("the sync badge", () => {
  it("says nothing on a desktop that does not sync", () => {
    expect(badge(null, null, now)).toBeNull();
    expect(badge({ ...base, configured: false }, idle, now)).toBeNull();
  });

  it("says when it last synced", () => {
    expect(badge(base, idle, now)).toMatchObject({ text: "Synced 5 min ago", tone: "ok" });
    expect(badge({ ...base, last_ok: "2026-11-25T09:59:40Z" }, idle, now)?.text).toBe("Synced just now");
  });

  it("shows progress of a large pull as a percentage", () => {
    const b = badge(base, { running: true, pulled: 45_000, cursor: 45_000, head: 100_000 }, now);
    expect(b).toMatchObject({ text: "Syncing… 45%", tone: "busy" });
    expect(b?.detail).toContain("45,000");
    expect(badge(base, { running: true, pulled: 3, cursor: 13, head: 14 }, now)?.text).toBe("Syncing…");
  });

  it("tells the front desk that work goes on when the server cannot be reached", () => {
    const b = badge(
      {
        ...base,
        pending: 12,
        last_error: "2026-11-25T09:58:00Z the sync server cannot be reached (connection refused)",
      },
      idle,
      now,
    );
    expect(b).toMatchObject({ text: "Not syncing", tone: "warn" });
    expect(b?.detail).toContain("cannot be reached");
    expect(b?.detail).toContain("12 changes waiting");
    expect(b?.detail).toContain("Last synced 5 min ago");
  });

  it("puts safety-list conflicts first, in danger colours", () => {
    const b = badge({ ...base, conflicts: 3, safety_conflicts: 1, last_error: "x y" }, idle, now);
    expect(b).toMatchObject({ text: "1 conflict to check", tone: "danger" });
    expect(badge({ ...base, conflicts: 2 }, idle, now)).toMatchObject({
      text: "Synced 5 min ago · 2 to review",
      tone: "warn",
    });
  });

  it("says in words when changes are missing or set aside, and names a clock far ahead", () => {
    const missing =
      "The sync server has not sent change 14 of desktop Room 2 (M3), though it sent later ones (3 rounds so far).";
    const b = badge({ ...base, problems: [{ kind: "missing", serious: true, message: missing }] }, idle, now);
    expect(b).toMatchObject({ text: "Sync needs attention", tone: "danger" });
    expect(b?.detail).toContain("Room 2 (M3)");
    const clock = "The clock of desktop Room 2 (M3) is 365 days ahead of this desktop's.";
    const c = badge({ ...base, problems: [{ kind: "clock_ahead", serious: false, message: clock }] }, idle, now);
    expect(c).toMatchObject({ text: "Synced 5 min ago · needs attention", tone: "warn" });
    expect(c?.detail).toContain("365 days ahead");
  });

  it("keeps saying that the link is plain http for as long as an admin allows it", () => {
    const b = badge({ ...base, server: "http://192.168.1.10:8443", insecure: true }, idle, now);
    expect(b).toMatchObject({ text: "Synced 5 min ago · plain http", tone: "warn" });
    expect(b?.detail).toContain("unencrypted");
  });

  it("says so before the first sync", () => {
    expect(badge({ ...base, last_ok: null }, idle, now)?.text).toBe("Not synced yet");
  });

  it("counts time in minutes, hours and days", () => {
    expect(ago("2026-11-25T07:00:00Z", now)).toBe("3 h ago");
    expect(ago("2026-11-21T10:00:00Z", now)).toBe("4 days ago");
    expect(percent({ running: true, pulled: 0, cursor: 0, head: 0 })).toBeNull();
    expect(percent({ running: true, pulled: 5, cursor: 120, head: 100 })).toBe(100);
  });
});
