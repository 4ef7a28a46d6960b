"""The window writes money and dates as the paper does: the webview's `Intl` (its own ICU) against
what Tend's ICU4X prints on paper, for every locale (`ui/src/lib/locale-samples.json`, written by
tend-desktop's tests). `ui/src/lib/format.test.ts` checks the same samples with Node's `Intl`;
this checks the engine the desk actually runs on."""

import json
from pathlib import Path

from helpers import find

SAMPLES = json.loads((Path(__file__).parents[2] / "ui/src/lib/locale-samples.json").read_text())

# The options `ui/src/lib/format.ts` gives `Intl` for `money` and `date`.
CHECK = """
const [samples] = arguments;
const wrong = [];
const grouping = (locale) =>
  samples.locales.find((l) => l.locale === locale).groups_four_digits ? "always" : "min2";
for (const s of samples.money) {
  const options = { style: "currency", currency: s.currency, useGrouping: grouping(s.locale) };
  const text = new Intl.NumberFormat(s.locale, options).format(s.amount);
  if (text !== s.text) wrong.push({ ...s, window: text });
}
for (const s of samples.dates) {
  const [y, m, d] = s.date.split("-").map(Number);
  const text = new Intl.DateTimeFormat(s.locale, { dateStyle: "long", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
  if (text !== s.text) wrong.push({ ...s, window: text });
}
return wrong;
"""


def test_the_window_formats_as_the_paper_does(window, clinic_copy):
    w = window(clinic_copy)
    find(w.d, "#passphrase")
    wrong = w.d.execute_script(CHECK, SAMPLES)
    assert len(SAMPLES["money"]) > 60 and len(SAMPLES["dates"]) == 40
    assert wrong == [], json.dumps(wrong, ensure_ascii=False, indent=1)
