import { describe, expect, it } from "vitest";
import { readings } from "./vitals";

describe("vital signs as read", () => {
  it("joins blood pressure into one reading with the worse flag", () => {
    const r = readings([
      { measure: "systolic", canonical: 182, shown: "182 mmHg", flag: "critical" },
      { measure: "diastolic", canonical: 95, shown: "95 mmHg", flag: "high" },
      { measure: "pulse", canonical: 78, shown: "78 /min" },
    ]);
    expect(r).toEqual([
      { label: "BP", value: "182/95 mmHg", flag: "critical" },
      { label: "Pulse", value: "78 /min", flag: null },
    ]);
  });
});
