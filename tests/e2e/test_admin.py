"""The administrator sets the clinic up: a wrong time zone is named beside its field, the
invoice settings are saved, a logo that is not an image is refused, a real one is printed on the
day's close-out. And corrects invoices: a refund, a credit note, a void, each with its reason."""

import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

from selenium.webdriver.remote.file_detector import UselessFileDetector

from helpers import click, fill, find, gone, issue_invoice, open_patient, preview_ready, register, sign_in, text_appears, unlock_and_sign_in


def png(width: int, height: int, rgb=(15, 118, 110)) -> bytes:
    """A plain-colour PNG, written by hand so the test needs no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def test_the_admin_sets_the_clinic_letterhead_logo_and_invoice_settings(window, clinic_copy):
    w = window(clinic_copy)
    d = w.d
    find(d, "#passphrase")
    unlock_and_sign_in(d, "admin", "demo admin password")
    click(d, "#nav_admin")
    find(d, "#clinic_settings")

    # A time zone that does not exist is refused beside its field; nothing else changes.
    fill(d, "clinic_timezone", "Europe/Atlantis")
    click(d, "#save_clinic")
    err = find(d, "#clinic_timezone-error").text
    assert "Europe/Atlantis" in err or "time zone" in err, err
    d.execute_script("document.getElementById('clinic_settings').scrollIntoView()")
    w.shot("clinic-bad-timezone")
    fill(d, "clinic_timezone", "Europe/Madrid")
    click(d, "#save_clinic")
    text_appears(d, ".notice", "Saved.")

    fill(d, "clinic_tax_id", "B-12345678")
    fill(d, "clinic_invoice_footer", "Pay within 30 days. IBAN ES00 0000 0000 0000.")
    click(d, "#save_billing_settings")
    text_appears(d, ".notice", "Saved.")

    # The driver runs on this machine: file inputs take a local path as it is, with no upload.
    d.file_detector = UselessFileDetector()
    with tempfile.TemporaryDirectory() as tmp:
        # Not an image: refused, and the reason is beside the file input.
        bad = Path(tmp, "logo.png")
        bad.write_bytes(b"this is not a picture")
        find(d, "#logo_file").send_keys(str(bad))
        err = find(d, "#logo_file-error").text
        assert err, "no reason shown for a file that is not an image"
        w.shot("logo-refused")

        good = Path(tmp, "clinic-logo.png")
        good.write_bytes(png(240, 80))
        find(d, "#logo_file").send_keys(str(good))
        text_appears(d, "#logo_state", "A logo prints")
        w.shot("logo-set")

    # The day's close-out prints with the letterhead, and the logo is an image in the PDF.
    click(d, "#nav_billing")
    click(d, "#print_closeout")
    preview_ready(d)
    w.shot("closeout-with-logo")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(w.pdf(1))
        f.flush()
        images = subprocess.run(["pdfimages", "-list", f.name], capture_output=True, text=True, check=True).stdout
    rows = [line for line in images.splitlines()[2:] if line.strip()]
    assert any(" 240 " in r and " 80 " in r for r in rows), images


def choose_invoice(d, status):
    """Picks the patient's invoice whose state reads `status` (paid, issued…)."""
    click(d, f"//aside//li/button[.//span[contains(@class,'pill') and normalize-space(.)='{status}']]", by_xpath=True)


def test_the_admin_refunds_credits_and_voids_invoices(window, clinic_copy):
    w = window(clinic_copy)
    d = w.d
    find(d, "#passphrase")

    # The front desk issues two invoices: one paid by card, one by mistake and never paid.
    unlock_and_sign_in(d, "rosa", "rosa demo password")
    register(d, "Jorge", "Benítez", "1968-09-30", "655 444 333")
    find(d, ".banner")
    click(d, "#tab_billing")
    issue_invoice(d, "CONS")
    fill(d, "pay_method", "card")
    click(d, "#take_payment")
    text_appears(d, "#invoice_editor h2", "paid")
    issue_invoice(d, "CONS")
    assert not d.find_elements("css selector", "#refund_invoice, #void_invoice, #credit_invoice")
    click(d, "#sign_out")

    # The administrator corrects them.
    sign_in(d, "admin", "demo admin password")
    open_patient(d, "Jorge Benítez")
    click(d, "#tab_billing")

    choose_invoice(d, "paid")
    click(d, "#refund_invoice")
    fill(d, "fix_amount", "10")
    click(d, "#confirm_correction")
    find(d, "#fix_reason-error")  # a refund needs its reason
    w.shot("refund-needs-reason")
    fill(d, "fix_reason", "Charged twice for the dressing")
    click(d, "#confirm_correction")
    text_appears(d, ".notice", "Refund")
    gone(d, "#correction_form")

    # A credit note for more than is left is refused beside the amount; empty means all of it.
    click(d, "#credit_invoice")
    fill(d, "fix_amount", "100000")
    fill(d, "fix_reason", "Consultation not held")
    click(d, "#confirm_correction")
    find(d, "#fix_amount-error")
    w.shot("credit-note-too-much")
    fill(d, "fix_amount", "")
    click(d, "#confirm_correction")
    text_appears(d, ".notice", "Credit note")
    text_appears(d, "#invoice_editor", "Consultation not held")
    w.shot("credit-note-issued")

    choose_invoice(d, "issued")
    click(d, "#void_invoice")
    fill(d, "fix_reason", "Issued to the wrong patient")
    click(d, "#confirm_correction")
    text_appears(d, "#void_notice", "Issued to the wrong patient")
    w.shot("invoice-void")
