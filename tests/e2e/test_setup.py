"""First run: the set-up wizard, ending with the recovery sheet printed or saved."""

from helpers import click, click_text, fill, find, pdf_text, preview_ready, text_appears


def test_first_run_sets_up_the_clinic_and_prints_the_recovery_sheet(window, tmp_path):
    w = window(tmp_path / "new-clinic")
    d = w.d
    # The first screen asks whether this is a new clinic or a desktop joining one.
    find(d, "#choose_join")
    w.shot("first-run-choice")
    click(d, "#choose_new")
    find(d, "#clinic_name")
    w.shot("wizard-clinic")

    # A missing name is pointed out beside the field, not after a round trip.
    click_text(d, "Next")
    text_appears(d, "#clinic_name-error", "name is needed")
    fill(d, "clinic_name", "Clínica Sol")
    fill(d, "timezone", "Europe/Madrid")
    fill(d, "currency", "EUR")
    click_text(d, "Next")

    fill(d, "admin_display_name", "Dr. Zoë Ørsted")
    fill(d, "admin_username", "zoe")
    fill(d, "admin_password", "a long admin password")
    fill(d, "admin_password_again", "a long admin password")
    w.shot("wizard-admin")
    click_text(d, "Next")

    # Too short a passphrase comes back from tend-core and lands beside its field.
    fill(d, "passphrase", "short")
    fill(d, "passphrase_again", "short")
    click_text(d, "Create the clinic")
    find(d, "#passphrase-error")
    w.shot("wizard-passphrase-refused")
    fill(d, "passphrase", "sun over the clinic roof")
    fill(d, "passphrase_again", "sun over the clinic roof")
    click_text(d, "Create the clinic")

    title = preview_ready(d)
    assert "Recovery sheet" in title
    w.shot("recovery-sheet-preview")
    text = pdf_text(w.pdf(1))
    assert "Recovery sheet" in text and "Clínica Sol" in text and "tend passphrase reset" in text
    click_text(d, "Close")

    # The desk opens only once the person says the sheet is printed or saved.
    assert not find(d, "#finish_setup").is_enabled()
    click(d, "#sheet_done")
    click(d, "#finish_setup")
    find(d, "#open_search")
    text_appears(d, ".bar .who", "Dr. Zoë Ørsted")
    w.shot("first-desk")
