// Dates, numbers and money written the clinic's way: its locale, time zone and currency, set
// from the desk at sign-in. `Intl` and the paper's ICU4X print from the same CLDR data;
// `format.test.ts` checks that `money` and `date` print what the paper prints
// (`locale-samples.json`, written by tend-desktop's tests).

let locale = "en-GB";
let timeZone = "UTC";
let currency = "EUR";
let grouping: "always" | "min2" = "always";

export function setClinicFormat(f: {
  locale: string;
  timezone: string;
  currency: string;
  groups_four_digits: boolean;
}) {
  locale = f.locale;
  timeZone = f.timezone;
  currency = f.currency;
  // Whether `1234` is grouped comes from the paper's CLDR, not the platform's older one.
  grouping = f.groups_four_digits ? "always" : "min2";
}

/** An amount as tend-core sends it (a decimal string) in the clinic's currency. */
export function money(amount: string | number, cur: string = currency): string {
  const n = typeof amount === "number" ? amount : Number(amount);
  if (!Number.isFinite(n)) return String(amount);
  return new Intl.NumberFormat(locale, { style: "currency", currency: cur, useGrouping: grouping }).format(n);
}

export function number(n: number, digits = 0): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits, useGrouping: grouping }).format(n);
}

/**
 * A calendar date `YYYY-MM-DD` (no time zone: it is the same day everywhere), the month in words
 * as on paper: `4 March 2026`, `4. März 2026`, never 04/03 that reads either way round.
 */
export function date(ymd: string): string {
  const [y, m, d] = ymd.split("-").map(Number);
  if (!y || !m || !d) return ymd;
  return new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** A weekday and date: `Tue 24 Nov`. */
export function dayTitle(ymd: string): string {
  const [y, m, d] = ymd.split("-").map(Number);
  return new Intl.DateTimeFormat(locale, { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** An instant, where the clinic is. */
export function dateTime(iso: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(new Date(iso));
}

export function time(iso: string): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: "short", timeZone }).format(new Date(iso));
}

/** Adds days to a `YYYY-MM-DD` date. */
export function addDays(ymd: string, days: number): string {
  const [y, m, d] = ymd.split("-").map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}

/** A file's size: `840 KB`, `12.3 MB`. */
export function bytes(n: number): string {
  if (n >= 1 << 30) return `${number(n / (1 << 30), 1)} GB`;
  if (n >= 1 << 20) return `${number(n / (1 << 20), 1)} MB`;
  if (n >= 1 << 10) return `${number(Math.round(n / (1 << 10)))} KB`;
  return `${number(n)} B`;
}
