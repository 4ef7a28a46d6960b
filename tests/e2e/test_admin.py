"""The administrator sets the clinic up: a wrong time zone is named beside its field, the
invoice settings are saved, a logo that is not an image is refused, a real one is printed on the
day's close-out."""

import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

from selenium.webdriver.remote.file_detector import UselessFileDetector

from helpers import click, fill, find, preview_ready, text_appears, unlock_and_sign_in


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
