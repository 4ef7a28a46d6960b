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
    return { fields: { [field]: e.message }, form: "" };
  }
  return { fields: {}, form: e.message };
}

export function message(e: unknown): string {
  return isApiError(e) ? e.message : String(e);
}
