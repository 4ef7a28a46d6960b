import { describe, expect, it } from "vitest";
import { columns, place } from "./calendar";
import type { AppointmentDto, DayDto, RoomDto } from "./backend";

const appt = (id: string, start: string, end: string, extra: Partial<AppointmentDto> = {}): AppointmentDto => ({
  id,
  patient_mrn: "M1",
  patient_name: "Ana",
  provider_id: "p1",
  provider: "Dr. Ruiz",
  type_name: "Visit",
  colour: "#0f766e",
  starts_at: "",
  ends_at: "",
  local_start: `2026-11-24 ${start}`,
  local_end: `2026-11-24 ${end}`,
  status: "booked",
  patient_phone: null,
  room: null,
  series_id: null,
  note: null,
  cancel_reason: null,
  overrides: [],
  checked_in_at: null,
  ...extra,
});

const day = (date: string, appointments: AppointmentDto[]): DayDto => ({
  date,
  timezone: "Europe/Madrid",
  providers: [
    {
      provider_id: "p1",
      provider: "Dr. Ruiz",
      username: "ana",
      hours: ["09:00–14:00"],
      breaks: [],
      day_off: false,
      appointments,
    },
    {
      provider_id: "p2",
      provider: "Dr. Vega",
      username: "luis",
      hours: [],
      breaks: [],
      day_off: true,
      appointments: [],
    },
  ],
});
const rooms: RoomDto[] = [
  { id: "r1", name: "Room 1", hours: "08:00–20:00", breaks: "" },
  { id: "r2", name: "Room 2", hours: "", breaks: "" },
];
const title = (d: string) => `t${d.slice(8)}`;

describe("the calendar's columns", () => {
  const d = day("2026-11-24", [
    appt("a", "09:00", "09:20", { room: "Room 2" }),
    appt("b", "10:00", "10:20"),
    appt("c", "11:00", "11:20", { status: "cancelled", room: "Room 1" }),
  ]);

  it("shows one column per clinician, without cancelled appointments", () => {
    const cols = columns({ span: "day", by: "clinician" }, d, [], rooms, title, "No room");
    expect(cols.map((c) => [c.title, c.provider, c.dayOff, c.appointments.map((a) => a.id)])).toEqual([
      ["Dr. Ruiz", "ana", false, ["a", "b"]],
      ["Dr. Vega", "luis", true, []],
    ]);
  });

  it("shows one column per room, and the appointments without one apart", () => {
    const cols = columns({ span: "day", by: "room" }, d, [], rooms, title, "No room");
    expect(cols.map((c) => [c.title, c.room, c.provider, c.appointments.map((a) => a.id)])).toEqual([
      ["Room 1", "Room 1", null, []],
      ["Room 2", "Room 2", null, ["a"]],
      ["No room", null, null, ["b"]],
    ]);
  });

  it("shows one clinician's or one room's week, a column a day", () => {
    const week = [d, day("2026-11-25", [appt("e", "12:00", "12:30", { room: "Room 1" })])];
    const mine = columns({ span: "week", clinician: "ana" }, null, week, rooms, title, "No room");
    expect(mine.map((c) => [c.title, c.date, c.provider, c.appointments.map((a) => a.id)])).toEqual([
      ["t24", "2026-11-24", "ana", ["a", "b"]],
      ["t25", "2026-11-25", "ana", ["e"]],
    ]);
    const room = columns({ span: "week", room: "Room 1" }, null, week, rooms, title, "No room");
    expect(room.map((c) => [c.room, c.provider, c.appointments.map((a) => a.id)])).toEqual([
      ["Room 1", null, []],
      ["Room 1", null, ["e"]],
    ]);
  });
});

describe("placing appointments in a column", () => {
  it("puts overlapping ones side by side and the rest full width", () => {
    const placed = place([
      appt("late", "11:00", "11:30"),
      appt("x", "09:00", "09:30"),
      appt("y", "09:15", "09:45"),
      appt("z", "09:30", "10:00"),
    ]);
    const lanes = Object.fromEntries(placed.map((p) => [p.appointment.id, [p.lane, p.lanes]]));
    // x and y overlap; z starts as x ends, so it takes x's lane; late stands alone.
    expect(lanes).toEqual({ x: [0, 2], y: [1, 2], z: [0, 2], late: [0, 1] });
  });
});
