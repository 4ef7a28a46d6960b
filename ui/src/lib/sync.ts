// What the sync badge says, from the status and what the background round is doing. Pure, so
// every case is tested without a window.
import type { SyncActivityDto, SyncStatusDto } from "./backend";
import { t } from "./i18n";
import { number } from "./format";

export type Tone = "ok" | "busy" | "warn" | "danger";

export interface Badge {
  text: string;
  tone: Tone;
  /** A longer explanation for the tooltip and screen readers. */
  detail: string;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function ago(iso: string, now: Date): string {
  const minutes = Math.floor((now.getTime() - new Date(iso).getTime()) / 60000);
  if (!Number.isFinite(minutes) || minutes < 1) return t("just now");
  if (minutes < 60) return t("{n} min ago", { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t("{n} h ago", { n: hours });
  return t("{n} days ago", { n: Math.floor(hours / 24) });
}

/** The error kept with the last failed round starts with its time: `2026-… message`. */
function errorText(lastError: string): { at: string; message: string } {
  const space = lastError.indexOf(" ");
  return space > 0
    ? { at: lastError.slice(0, space), message: lastError.slice(space + 1) }
    : { at: "", message: lastError };
}

/** How far a pull has come, as a whole percentage (null when the total is not known). */
export function percent(a: SyncActivityDto): number | null {
  if (a.head <= 0) return null;
  return Math.min(100, Math.max(0, Math.floor((a.cursor * 100) / a.head)));
}

export function badge(status: SyncStatusDto | null, activity: SyncActivityDto | null, now: Date): Badge | null {
  if (!status?.configured) return null;
  const waiting =
    status.pending > 0
      ? t("{n} changes waiting to be sent", { n: number(status.pending) })
      : t("nothing waiting to be sent");
  if (activity?.running) {
    const p = percent(activity);
    const big = activity.head - activity.cursor > 1000 || activity.pulled > 1000;
    return {
      text: p !== null && big ? t("Syncing… {p}%", { p }) : t("Syncing…"),
      tone: "busy",
      detail:
        p !== null
          ? t("Received {n} changes so far ({p}%).", { n: number(activity.pulled), p })
          : t("Sending and receiving changes."),
    };
  }
  if (status.safety_conflicts > 0) {
    return {
      text:
        status.safety_conflicts === 1
          ? t("1 conflict to check")
          : t("{n} conflicts to check", { n: status.safety_conflicts }),
      tone: "danger",
      detail: t(
        "Two desktops changed a date of birth, sex, identifier or clinical record at the same time; a clinician must choose the right value.",
      ),
    };
  }
  if (status.last_error) {
    const { message } = errorText(status.last_error);
    const since = status.last_ok ? t("Last synced {when}.", { when: ago(status.last_ok, now) }) : t("Not synced yet.");
    return {
      text: t("Not syncing"),
      tone: "warn",
      detail: `${message} ${since} ${t("Work goes on; changes are kept on this computer and sent later")} (${waiting}).`,
    };
  }
  const problems = status.problems ?? [];
  const serious = problems.filter((p) => p.serious);
  if (serious.length > 0) {
    return { text: t("Sync needs attention"), tone: "danger", detail: serious.map((p) => p.message).join(" ") };
  }
  if (!status.last_ok)
    return { text: t("Not synced yet"), tone: "busy", detail: t("The first sync starts within a minute.") };
  const when = ago(status.last_ok, now);
  const text =
    status.conflicts > 0
      ? t("Synced {when} · {n} to review", { when, n: status.conflicts })
      : problems.length > 0
        ? t("Synced {when} · needs attention", { when })
        : t("Synced {when}", { when });
  const notes = problems.map((p) => ` ${p.message}`).join("");
  const plain = status.insecure
    ? ` ${t("The link to the sync server is plain http, as an admin allowed on the clinic's network: changes stay sealed, but this desktop's sync token crosses the network unencrypted.")}`
    : "";
  return {
    text: status.insecure ? `${text} · ${t("plain http")}` : text,
    tone: status.conflicts > 0 || problems.length > 0 || status.insecure ? "warn" : "ok",
    detail: `${t("Synced {when}", { when })}; ${waiting}.${notes}${plain}`,
  };
}
