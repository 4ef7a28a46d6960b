// The phones an edit of a patient sends back. The details form shows only the first phone; an
// edit replaces the whole record, so the others go back as they were, and the first keeps its
// kind unless the person typed one (`work: 915 550 987`).
import type { Phone } from "./backend";

/** `kind:number` entries as tend-core reads them: the typed first phone, then the rest. */
export function phonesToSave(typed: string, existing: Phone[]): string[] {
  const [first, ...others] = existing;
  const number = typed.trim();
  const kept = others.map((p) => `${p.kind}:${p.number}`);
  if (!number) return kept;
  // A kind typed by the person wins; tend-core names a kind it does not know beside the field.
  const typedKind = /^[a-z]+\s*:/i.test(number);
  return [typedKind ? number : `${first?.kind ?? "mobile"}:${number}`, ...kept];
}
