// Turns a thrown ApiError into what forms show: the message beside its field when it names one,
// otherwise at the top of the form. The words are core's template in the person's language with
// core's values filled in; nothing here reads a field, a name or a time out of a sentence.
import { isApiError, type ApiError } from "./backend";
import { t } from "./i18n";

export interface FormErrors {
  fields: Record<string, string>;
  form: string;
  /** On a form of several items (a prescription's drugs): the one the field error concerns, from 1. */
  item?: number;
}

export function noErrors(): FormErrors {
  return { fields: {}, form: "" };
}

/**
 * `fieldMap` renames core's field names to the form's input ids where they differ. Beside its
 * field an error shows core's `reason` (the message without the field's name, which the label
 * already says); elsewhere, the whole message.
 */
export function formErrors(e: unknown, fieldMap: Record<string, string> = {}, known: string[] = []): FormErrors {
  if (!isApiError(e)) return { fields: {}, form: t("Something went wrong: {what}", { what: String(e) }) };
  const field = e.field ? (fieldMap[e.field] ?? e.field) : "";
  if (field && (known.length === 0 || known.includes(field))) {
    return { fields: { [field]: capitalised(reason(e) ?? said(e)) }, form: "", item: e.item };
  }
  return { fields: {}, form: said(e) };
}

/** The error's message in the person's language. */
function said(e: ApiError): string {
  return e.template ? t(e.template, e.params ?? {}) : e.message;
}

/** The words that go beside the field, in the person's language. */
function reason(e: ApiError): string | undefined {
  return e.reason_template ? t(e.reason_template, e.params ?? {}) : e.reason;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The error of one item's field on a form with several items (a prescription's drugs): beside
 * the item core names; an error that names no item belongs to the first.
 */
export function itemError(errors: FormErrors, field: string, index: number): string {
  const text = errors.fields[field] ?? "";
  return (errors.item ?? 1) === index + 1 ? text : "";
}

export function message(e: unknown): string {
  return isApiError(e) ? said(e) : String(e);
}
