import { describe, expect, it } from "vitest";
import { formErrors, itemError } from "./errors";

describe("errors beside their field", () => {
  it("puts a field's error beside it, without the field's name, and the rest on the form", () => {
    const e = {
      code: "validation",
      message: "birth date: is in the future",
      field: "birth_date",
      reason: "is in the future",
    };
    // Beside the field its label names it, so core's reason goes there, not the message.
    expect(formErrors(e).fields).toEqual({ birth_date: "Is in the future" });
    expect(formErrors(e, { birth_date: "dob" }).fields).toEqual({ dob: "Is in the future" });
    const tz = {
      code: "validation",
      message: 'timezone: "Mars/Base" is not a time zone',
      field: "timezone",
      reason: '"Mars/Base" is not a time zone',
    };
    expect(formErrors(tz).fields.timezone).toBe('"Mars/Base" is not a time zone');
    // A refusal about a field carries no separate reason: its message goes beside it.
    const other = { code: "refused", message: "the roles must include admin", field: "roles" };
    expect(formErrors(other).fields.roles).toBe("The roles must include admin");
    expect(formErrors(e, {}, ["given_name"]).form).toBe("birth date: is in the future");
    expect(formErrors({ code: "forbidden", message: "no" }).form).toBe("no");
  });

  it("never reads the field out of the message", () => {
    // A message that happens to start like a field's name is left whole.
    const e = { code: "refused", message: "birth date: cannot change after signing", field: "birth_date" };
    expect(formErrors(e).fields.birth_date).toBe("Birth date: cannot change after signing");
  });
});

describe("errors of one item among several", () => {
  it("goes beside the item core names, and an error naming none beside the first", () => {
    const e = {
      code: "validation",
      message: "strength: item 2: warfarin comes in 1 mg, 2 mg",
      field: "strength",
      reason: "warfarin comes in 1 mg, 2 mg",
      item: 2,
    };
    const errors = formErrors(e);
    expect(itemError(errors, "strength", 0)).toBe("");
    expect(itemError(errors, "strength", 1)).toBe("Warfarin comes in 1 mg, 2 mg");
    expect(itemError(errors, "dose", 1)).toBe("");
    const plain = formErrors({
      code: "validation",
      message: "dose: write an amount",
      field: "dose",
      reason: "write an amount",
    });
    expect(itemError(plain, "dose", 0)).toBe("Write an amount");
    expect(itemError(plain, "dose", 1)).toBe("");
  });
});
