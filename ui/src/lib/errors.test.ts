import { describe, expect, it } from "vitest";
import { formErrors } from "./errors";

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
