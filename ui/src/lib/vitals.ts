// Vital signs as a clinician reads them: blood pressure as one "150/95" reading, each other
// measure with its name, and the worst flag of the pair kept.
import type { FlagLevel, MeasureDto } from "./backend";
import { t } from "./i18n";

export interface Reading {
  label: string;
  value: string;
  flag: FlagLevel | null;
}

const names: Record<string, string> = {
  pulse: "Pulse",
  temperature: "Temperature",
  respiratory_rate: "Respiratory rate",
  spo2: "SpO₂",
  weight: "Weight",
  height: "Height",
  head_circumference: "Head circumference",
  bmi: "BMI",
};
const rank = { low: 1, high: 1, critical: 2 } as const;

export function readings(measures: MeasureDto[]): Reading[] {
  const out: Reading[] = [];
  const sys = measures.find((m) => m.measure === "systolic");
  const dia = measures.find((m) => m.measure === "diastolic");
  if (sys && dia) {
    const flags = [sys.flag, dia.flag].filter(Boolean) as FlagLevel[];
    const flag = flags.sort((a, b) => rank[b] - rank[a])[0] ?? null;
    out.push({ label: t("BP"), value: `${sys.canonical}/${dia.canonical} mmHg`, flag });
  }
  for (const m of measures) {
    if (m.measure === "systolic" || m.measure === "diastolic") continue;
    out.push({ label: t(names[m.measure] ?? m.measure), value: m.shown, flag: m.flag ?? null });
  }
  return out;
}
