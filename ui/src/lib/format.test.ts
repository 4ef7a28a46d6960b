import { describe, expect, it } from "vitest";
import { addDays, date, money, setClinicFormat, time } from "./format";
import { t, plural } from "./i18n";
import samples from "./locale-samples.json";

/** A clinic in `locale`, as the desk describes it. */
function clinic(locale: string) {
  const about = samples.locales.find((l) => l.locale === locale)!;
  return { locale, timezone: "UTC", currency: "EUR", groups_four_digits: about.groups_four_digits };
}

describe("the clinic's formats", () => {
  it("writes money, dates and times the clinic's way", () => {
    setClinicFormat({ ...clinic("es-ES"), timezone: "Europe/Madrid" });
    expect(money("1234.5")).toBe("1234,50\u00a0€");
    expect(money("12345.5")).toBe("12.345,50\u00a0€");
    expect(date("2026-11-24")).toBe("24 de noviembre de 2026");
    expect(time("2026-11-24T08:30:00Z")).toBe("9:30");
    setClinicFormat({ ...clinic("en-US"), timezone: "America/New_York", currency: "USD" });
    expect(money("1234.5")).toBe("$1,234.50");
    expect(time("2026-11-24T14:30:00Z")).toMatch(/^9:30\sAM$/);
  });

  it("prints money as the paper prints it, in every locale", () => {
    expect(samples.money.length).toBeGreaterThan(60);
    for (const s of samples.money) {
      setClinicFormat({ ...clinic(s.locale), currency: s.currency });
      expect({ ...s, text: money(s.amount) }).toEqual(s);
    }
  });

  it("prints dates as the paper prints them, in every locale", () => {
    expect(samples.dates.length).toBe(40);
    for (const s of samples.dates) {
      setClinicFormat(clinic(s.locale));
      expect({ ...s, text: date(s.date) }).toEqual(s);
    }
  });

  it("adds days across months and years", () => {
    expect(addDays("2026-12-30", 3)).toBe("2027-01-02");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
  });

  it("fills in placeholders and plurals", () => {
    expect(t("Welcome, {name}", { name: "Rosa" })).toBe("Welcome, Rosa");
    expect(plural(1, "{n} patient", "{n} patients")).toBe("1 patient");
    expect(plural(3, "{n} patient", "{n} patients")).toBe("3 patients");
  });
});
