import { describe, expect, it } from "vitest";
import { formErrors } from "./errors";

describe("errors beside their field", () => {
  it("puts a field's error beside it and the rest on the form", () => {
    const e = { code: "validation", message: "birth date: is in the future", field: "birth_date" };
    expect(formErrors(e).fields).toEqual({ birth_date: "birth date: is in the future" });
    expect(formErrors(e, { birth_date: "dob" }).fields).toEqual({ dob: "birth date: is in the future" });
    expect(formErrors(e, {}, ["given_name"]).form).toBe("birth date: is in the future");
    expect(formErrors({ code: "forbidden", message: "no" }).form).toBe("no");
  });
});
