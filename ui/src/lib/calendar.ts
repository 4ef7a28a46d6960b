// The schedule's calendar, as plain data: which columns a view shows (clinicians or rooms for a
// day, the days of one clinician's or room's week), and where each appointment sits in its
// column, side by side when two overlap (a booking made over a clash).
import type { AppointmentDto, DayDto, RoomDto } from "./backend";

export type View =
  | { span: "day"; by: "clinician" }
  | { span: "day"; by: "room" }
  | { span: "week"; clinician: string }
  | { span: "week"; room: string };

export interface Column {
  key: string;
  /** The date its slots book on. */
  date: string;
  title: string;
  /** Opening hours, or "day off". */
  sub: string;
  dayOff: boolean;
  /** Booking or dropping here books with this clinician (username), when the column is one. */
  provider: string | null;
  /** … and in this room, when the column is one. */
  room: string | null;
  appointments: AppointmentDto[];
}

const live = (a: AppointmentDto) => a.status !== "cancelled";

/** The columns a view shows. `day` is the day's schedule; `week` the week's (everyone's). */
export function columns(
  view: View,
  day: DayDto | null,
  week: DayDto[],
  rooms: RoomDto[],
  dayTitle: (d: string) => string,
  noRoom: string,
): Column[] {
  if (view.span === "day") {
    if (!day) return [];
    if (view.by === "clinician") {
      return day.providers.map((p) => ({
        key: p.provider_id,
        date: day.date,
        title: p.provider,
        sub: p.hours.join(", "),
        dayOff: p.day_off,
        provider: p.username,
        room: null,
        appointments: p.appointments.filter(live),
      }));
    }
    const all = day.providers.flatMap((p) => p.appointments.filter(live));
    const cols: Column[] = rooms.map((r) => ({
      key: r.id,
      date: day.date,
      title: r.name,
      sub: r.hours,
      dayOff: false,
      provider: null,
      room: r.name,
      appointments: all.filter((a) => a.room === r.name),
    }));
    const roomless = all.filter((a) => !a.room || !rooms.some((r) => r.name === a.room));
    if (roomless.length) {
      cols.push({
        key: "no-room",
        date: day.date,
        title: noRoom,
        sub: "",
        dayOff: false,
        provider: null,
        room: null,
        appointments: roomless,
      });
    }
    return cols;
  }
  return week.map((d) => {
    const all = d.providers.flatMap((p) => p.appointments.filter(live));
    if ("clinician" in view) {
      const p = d.providers.find((x) => x.username === view.clinician);
      return {
        key: d.date,
        date: d.date,
        title: dayTitle(d.date),
        sub: p ? p.hours.join(", ") : "",
        dayOff: p?.day_off ?? false,
        provider: view.clinician,
        room: null,
        appointments: p ? p.appointments.filter(live) : [],
      };
    }
    return {
      key: d.date,
      date: d.date,
      title: dayTitle(d.date),
      sub: "",
      dayOff: false,
      provider: null,
      room: view.room,
      appointments: all.filter((a) => a.room === view.room),
    };
  });
}

/** Minutes since midnight of a local `YYYY-MM-DD HH:MM` (or ISO-like) time. */
export function minutes(local: string): number {
  const [h, m] = local.slice(11, 16).split(":").map(Number);
  return h * 60 + m;
}

export function hhmm(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

export interface Placed {
  appointment: AppointmentDto;
  start: number;
  end: number;
  /** Which of `lanes` side-by-side lanes it takes. */
  lane: number;
  lanes: number;
}

/** Lays out a column's appointments: each overlapping group shares the width in lanes. */
export function place(appointments: AppointmentDto[]): Placed[] {
  const sorted = appointments
    .map((a) => ({
      appointment: a,
      start: minutes(a.local_start),
      end: Math.max(minutes(a.local_end), minutes(a.local_start) + 5),
      lane: 0,
      lanes: 1,
    }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Placed[] = [];
  let group: Placed[] = [];
  let groupEnd = -1;
  const close = () => {
    const lanes = Math.max(1, ...group.map((g) => g.lane + 1));
    for (const g of group) g.lanes = lanes;
    out.push(...group);
    group = [];
  };
  for (const p of sorted) {
    if (group.length && p.start >= groupEnd) close();
    const busy = new Set(group.filter((g) => g.end > p.start).map((g) => g.lane));
    let lane = 0;
    while (busy.has(lane)) lane++;
    p.lane = lane;
    group.push(p);
    groupEnd = Math.max(groupEnd, p.end);
  }
  if (group.length) close();
  return out;
}
