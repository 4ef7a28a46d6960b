// Moving an appointment, shared by dragging on the calendar and the appointment dialog's form:
// a clash comes back to be shown beside where the move was asked for (and made on purpose if
// the desk says so); any other failure is thrown for the caller to show.
import { api, isApiError } from "../../lib/backend";
import { notify } from "../../lib/app.svelte";
import { dayTitle } from "../../lib/format";
import { t } from "../../lib/i18n";
import { message } from "../../lib/errors";

export interface Clash {
  id: string;
  at: string;
  provider: string | null;
  room: string | null;
  text: string;
}

/** Moves appointment `id`; `null` when it moved, the clash when another booking is in the way. */
export async function move(
  id: string,
  at: string,
  provider: string | null,
  room: string | null,
  override = false,
): Promise<Clash | null> {
  try {
    await api.appointmentMove(id, at, provider, room, "one", override);
    notify(t("Moved to {time}.", { time: `${dayTitle(at.slice(0, 10))} ${at.slice(11)}` }));
    return null;
  } catch (e) {
    if (isApiError(e) && e.code === "conflicts") return { id, at, provider, room, text: message(e) };
    throw e;
  }
}
