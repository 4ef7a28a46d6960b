// Every string a person reads goes through `t`. The English text is the key (as with gettext),
// so a translation is one more catalog below: `t` looks the text up in the active language
// and fills in `{name}` placeholders.

type Catalog = Record<string, string>;

const catalogs: Record<string, Catalog> = {
  en: {},
};

let language = "en";

/** Adds (or replaces) the catalog of a language: `{ "there is no patient {mrn}": "…{mrn}…" }`. */
export function addCatalog(lang: string, catalog: Catalog) {
  catalogs[lang] = catalog;
}

/** Chooses the catalog for a locale such as `es-ES`; unknown languages fall back to English. */
export function setLanguage(locale: string) {
  const lang = locale.split("-")[0];
  language = lang in catalogs ? lang : "en";
}

export function t(text: string, vars: Record<string, string | number> = {}): string {
  const template = catalogs[language]?.[text] ?? text;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** `1 patient`, `3 patients`. */
export function plural(n: number, one: string, many: string): string {
  return t(n === 1 ? one : many, { n });
}

/** A code from tend-core (`checked_in`, `part_paid`, `bank transfer`) as words to show. */
export function word(code: string): string {
  return t(code.replaceAll("_", " "));
}
