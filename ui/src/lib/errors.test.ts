import { describe, expect, it } from "vitest";
import { formErrors, itemError } from "./errors";

describe("errors beside their field", () => {
  it("puts a field's error beside it and the rest on the form", () => {
    const e = { code: "validation", message: "birth date: is in the future", field: "birth_date" };
    // Beside the field its label names it, so the message drops the name.
    expect(formErrors(e).fields).toEqual({ birth_date: "Is in the future" });
    expect(formErrors(e, { birth_date: "dob" }).fields).toEqual({ dob: "Is in the future" });
    const tz = { code: "validation", message: 'timezone: "Mars/Base" is not a time zone', field: "timezone" };
    expect(formErrors(tz).fields.timezone).toBe('"Mars/Base" is not a time zone');
    const other = { code: "validation", message: "the roles must include admin", field: "roles" };
    expect(formErrors(other).fields.roles).toBe("the roles must include admin");
    expect(formErrors(e, {}, ["given_name"]).form).toBe("birth date: is in the future");
    expect(formErrors({ code: "forbidden", message: "no" }).form).toBe("no");
  });
});

describe("errors of one item among several", () => {
  it("goes beside the item it names, and an error naming none beside the first", () => {
    const e = { code: "validation", message: "strength: item 2: warfarin comes in 1 mg, 2 mg", field: "strength" };
    const errors = formErrors(e);
    expect(itemError(errors, "strength", 0)).toBe("");
    expect(itemError(errors, "strength", 1)).toBe("Warfarin comes in 1 mg, 2 mg");
    expect(itemError(errors, "dose", 1)).toBe("");
    const plain = formErrors({ code: "validation", message: "dose: write an amount", field: "dose" });
    expect(itemError(plain, "dose", 0)).toBe("Write an amount");
    expect(itemError(plain, "dose", 1)).toBe("");
  });
});
