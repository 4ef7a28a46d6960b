import { describe, expect, it } from "vitest";
import { phonesToSave } from "./phones";

const home = { kind: "home" as const, number: "915 550 123" };
const work = { kind: "work" as const, number: "915 550 987" };

describe("the phones an edit sends back", () => {
  it("keeps the first phone's kind and every other phone", () => {
    expect(phonesToSave(" 915 550 124 ", [home, work])).toEqual(["home:915 550 124", "work:915 550 987"]);
  });

  it("lets a typed kind win, in any case and spacing", () => {
    expect(phonesToSave("Work : 600 111 222", [home])).toEqual(["Work : 600 111 222"]);
    expect(phonesToSave("cell:600 111 222", [])).toEqual(["cell:600 111 222"]);
  });

  it("is a mobile for a new patient, and empty drops only the first", () => {
    expect(phonesToSave("+34 600 111 222", [])).toEqual(["mobile:+34 600 111 222"]);
    expect(phonesToSave("   ", [home, work])).toEqual(["work:915 550 987"]);
  });

  it("passes odd text through for tend-core to refuse by name", () => {
    // Not a kind: digits and symbols before a colon stay in the number, which tend-core checks.
    expect(phonesToSave("(91) 555:12", [home])).toEqual(["home:(91) 555:12"]);
    expect(phonesToSave("<script>:1", [])).toEqual(["mobile:<script>:1"]);
  });
});
