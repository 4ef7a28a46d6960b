// The app's state: which stage the desktop is in, who is signed in (the desk), and which screen
// is showing. Screens read and set `app`; nothing else is global.
import type { DeskDto, DocumentDto, Permission } from "./backend";
import { setClinicFormat } from "./format";
import { setLanguage } from "./i18n";

export type View =
  | { name: "schedule" }
  | { name: "register"; query: string }
  | { name: "patient"; mrn: string; tab?: string; visit?: string; invoice?: string }
  | { name: "billing" }
  | { name: "admin" }
  | { name: "sync" };

export const app = $state({
  stage: "loading" as "loading" | "setup" | "unlock" | "sign_in" | "desk" | "failed",
  reason: "" as string,
  clinicName: "" as string,
  desk: null as DeskDto | null,
  /** Who was signed in when the screen locked, to offer them their place back. */
  lockedBy: null as string | null,
  view: { name: "schedule" } as View,
  /** The document being previewed, over whatever screen is showing. */
  preview: null as DocumentDto | null,
  searchOpen: false,
  notice: "" as string,
  /** Sync as the badge last saw it (null: this desktop does not sync). */
  sync: null as import("./backend").SyncStatusDto | null,
  syncActivity: null as import("./backend").SyncActivityDto | null,
  /** For admins: no good backup within 26 hours (the red badge). */
  backupOverdue: false,
});

export function signedIn(desk: DeskDto) {
  setClinicFormat(desk);
  setLanguage(desk.locale);
  const sameUser = app.lockedBy === desk.user.username;
  app.desk = desk;
  app.stage = "desk";
  app.lockedBy = null;
  if (!sameUser) app.view = { name: "schedule" };
}

export function can(action: Permission): boolean {
  return app.desk?.can.includes(action) ?? false;
}

export function go(view: View) {
  app.view = view;
}

export function notify(text: string) {
  app.notice = text;
  setTimeout(() => {
    if (app.notice === text) app.notice = "";
  }, 4000);
}
