import { describe, expect, it } from "vitest";
import { formErrors, itemError, message } from "./errors";
import { addCatalog, setLanguage } from "./i18n";

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
    const other = { code: "last_administrator", message: "the roles must include admin", field: "roles" };
    expect(formErrors(other).fields.roles).toBe("The roles must include admin");
    expect(formErrors(e, {}, ["given_name"]).form).toBe("birth date: is in the future");
    expect(formErrors({ code: "forbidden", message: "no" }).form).toBe("no");
  });

  it("never reads the field out of the message", () => {
    // A message that happens to start like a field's name is left whole.
    const e = { code: "unresolved_conflict", message: "birth date: cannot change after signing", field: "birth_date" };
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

describe("errors in the person's language", () => {
  it("fills the translation of core's template with core's values, beside the field and on the form", () => {
    addCatalog("xx", {
      "there is no patient {mrn}": "kein Patient {mrn}",
      "{field}: must be at most {max_chars} characters": "{field}: höchstens {max_chars} Zeichen",
      "must be at most {max_chars} characters": "höchstens {max_chars} Zeichen",
    });
    setLanguage("xx-XX");
    try {
      const refused = {
        code: "no_such_patient",
        message: "there is no patient MRN-0042",
        template: "there is no patient {mrn}",
        params: { mrn: "MRN-0042" },
        field: "mrn",
      };
      expect(formErrors(refused).fields.mrn).toBe("Kein Patient MRN-0042");
      expect(message(refused)).toBe("kein Patient MRN-0042");
      const tooLong = {
        code: "validation",
        message: "family name: must be at most 100 characters",
        template: "{field}: must be at most {max_chars} characters",
        reason: "must be at most 100 characters",
        reason_template: "must be at most {max_chars} characters",
        params: { field: "family name", max_chars: "100" },
        field: "family_name",
      };
      expect(formErrors(tooLong).fields.family_name).toBe("Höchstens 100 Zeichen");
      expect(formErrors(tooLong, {}, ["given_name"]).form).toBe("family name: höchstens 100 Zeichen");
      // Words no catalog holds yet stay in English, with the values in place.
      const other = { ...refused, template: "{mrn} was already merged into another record" };
      expect(message(other)).toBe("MRN-0042 was already merged into another record");
    } finally {
      setLanguage("en");
    }
  });
});
