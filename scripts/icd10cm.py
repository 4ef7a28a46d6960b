#!/usr/bin/env python3
"""Builds assets/icd10cm/icd10cm-2026.tsv.gz from the ICD-10-CM April 2026 release as packaged in
PyPI's `simple-icd-10-cm` wheel (the CDC/NCHS tabular list, public domain; the package is MIT).

One line per category and code: CODE<TAB>BILLABLE(0/1)<TAB>DESCRIPTION<TAB>SEARCH TERMS
(the category's "includes" notes and inclusion terms, joined with " | "). Chapters and blocks (A00-A09) are left out: they cannot be recorded.

Run from the repository root: python3 scripts/icd10cm.py
The output is committed; this script is how it was made and how to make the next release's.
"""
import gzip
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

VERSION = "1.5.0"
WHEEL = f"simple_icd_10_cm-{VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "6d461d71dc26aedc530ae65f02cfb578a154e49507c32e8241e75f701d4b7e42"
OUT = "assets/icd10cm/icd10cm-2026.tsv.gz"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             f"simple-icd-10-cm=={VERSION}", "-d", tmp],
            check=True,
        )
        wheel = os.path.join(tmp, WHEEL)
        digest = hashlib.sha256(open(wheel, "rb").read()).hexdigest()
        if digest != WHEEL_SHA256:
            raise SystemExit(f"{WHEEL} has sha256 {digest}, expected {WHEEL_SHA256}")
        with zipfile.ZipFile(wheel) as z:
            z.extractall(tmp)
        sys.path.insert(0, tmp)
        import simple_icd_10_cm as cm  # noqa: E402

        rows = []
        for code in cm.get_all_codes(with_dots=True):
            if cm.is_chapter_or_block(code):
                continue
            desc = " ".join(cm.get_description(code).split())
            # "Includes" notes and inclusion terms: the words people search with
            # ("high blood pressure" finds I10).
            terms = [" ".join(t.split()) for t in cm.get_includes(code) + cm.get_inclusion_term(code)]
            terms = [t for t in terms if t and t != desc]
            billable = "1" if cm.is_leaf(code) else "0"
            for field in [code, desc, *terms]:
                if "\t" in field or "\n" in field:
                    raise SystemExit(f"unexpected tab or newline in {code}")
            rows.append(f"{code}\t{billable}\t{desc}\t{' | '.join(terms)}")

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    data = ("\n".join(rows) + "\n").encode("utf-8")
    # mtime=0 keeps the file byte-identical between runs.
    with open(OUT, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as gz:
            gz.write(data)
    billable = sum(1 for r in rows if r.split("\t")[1] == "1")
    print(f"{OUT}: {len(rows)} codes ({billable} billable), {os.path.getsize(OUT)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
