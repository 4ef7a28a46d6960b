// Turns a thrown ApiError into what forms show: the message beside its field when it names one,
// otherwise at the top of the form.
import { isApiError } from "./backend";
import { t } from "./i18n";

export interface FormErrors {
  fields: Record<string, string>;
  form: string;
}

export function noErrors(): FormErrors {
  return { fields: {}, form: "" };
}

/** `fieldMap` renames core's field names to the form's input ids where they differ. */
export function formErrors(e: unknown, fieldMap: Record<string, string> = {}, known: string[] = []): FormErrors {
  if (!isApiError(e)) return { fields: {}, form: t("Something went wrong: {what}", { what: String(e) }) };
  const field = e.field ? (fieldMap[e.field] ?? e.field) : "";
  if (field && (known.length === 0 || known.includes(field))) {
    return { fields: { [field]: besideField(e.message, e.field ?? "") }, form: "" };
  }
  return { fields: {}, form: e.message };
}

/** Core writes "birth date: is in the future"; beside the field, its label already says which. */
function besideField(text: string, field: string): string {
  const prefix = `${field.replaceAll("_", " ")}: `;
  if (!text.toLowerCase().startsWith(prefix)) return text;
  const rest = text.slice(prefix.length);
  return rest.charAt(0).toUpperCase() + rest.slice(1);
}

/**
 * The error of one item's field on a form with several items (a prescription's drugs): core
 * writes "item 2: …" for the second; an error that names no item belongs to the first.
 */
export function itemError(errors: FormErrors, field: string, index: number): string {
  const text = errors.fields[field] ?? "";
  const named = /^item (\d+): /i.exec(text);
  if (!named) return index === 0 ? text : "";
  if (Number(named[1]) !== index + 1) return "";
  const rest = text.slice(named[0].length);
  return rest.charAt(0).toUpperCase() + rest.slice(1);
}

export function message(e: unknown): string {
  return isApiError(e) ? e.message : String(e);
}
