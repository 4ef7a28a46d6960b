"""Backups as an administrator meets them: the red badge while there is no good backup, a
folder chosen (one inside the clinic's own folder refused beside its field), a backup now that
is read back and checked, the drill that says what a backup holds, and restores: over the
clinic from Administration (what was entered since goes, everyone signs in again) and onto a
new computer from the first-run screen."""

import os
import subprocess
from pathlib import Path

from selenium.webdriver.remote.file_detector import UselessFileDetector

from conftest import CLI, DEMO_PASSPHRASE

from helpers import click, fill, find, gone, register, sign_in, text_appears, unlock_and_sign_in


def backup_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.tendbackup"))


def test_an_admin_sets_up_backups_checks_one_and_restores_it(window, clinic_copy, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    w = window(clinic_copy)
    d = w.d
    # Paths are typed as paths, not uploaded as files.
    d.file_detector = UselessFileDetector()
    find(d, "#passphrase")
    unlock_and_sign_in(d, "admin", "demo admin password")

    # No good backup yet: admins see the red badge, which leads to the backups.
    text_appears(d, "#backup_badge", "Backup overdue")
    w.shot("badge-overdue")
    click(d, "#backup_badge")
    find(d, "#backups")
    text_appears(d, "#backup_overdue_text", "no good backup yet")

    # A folder inside the clinic's own folder is refused beside the field.
    fill(d, "backup_folder", str(clinic_copy / "backups"))
    click(d, "#backup_folder_add")
    err = find(d, "#backup_folder-error").text
    assert "inside the clinic's own data folder" in err, err
    d.execute_script("document.getElementById('backups').scrollIntoView()")
    w.shot("folder-refused")

    fill(d, "backup_folder", str(usb))
    click(d, "#backup_folder_add")
    text_appears(d, "#backup_folders", str(usb))
    text_appears(d, "#backup_folders", "due now")

    # A time that is not a time is named beside its field.
    fill(d, "backup_at", "25:00")
    click(d, "#backup_schedule_save")
    err = find(d, "#backup_at-error").text
    assert "time of day" in err, err
    fill(d, "backup_at", "18:30")
    click(d, "#backup_schedule_save")
    text_appears(d, ".notice", "Backup schedule saved.")

    click(d, "#backup_now")
    text_appears(d, "#backup_ran", "read back and checked", 60)
    text_appears(d, "#backup_folders", "verified")
    gone(d, "#backup_badge")
    files = backup_files(usb)
    assert len(files) == 1, files
    assert files[0].stat().st_mode & 0o777 == 0o600
    d.execute_script("document.getElementById('backups').scrollIntoView()")
    w.shot("backed-up")

    # A patient registered after the backup (by the receptionist).
    click(d, "#sign_out")
    sign_in(d, "rosa", "rosa demo password")
    register(d, "Después", "Delacopia", "1990-01-01", "600 123 456")
    find(d, ".banner")
    click(d, "#sign_out")
    sign_in(d, "admin", "demo admin password")
    click(d, "#nav_admin")

    # The drill: what the backup holds, before anything changes.
    fill(d, "restore_path", str(files[0]))
    click(d, "#restore_check")
    text_appears(d, "#restore_checked", "A good backup of", 60)
    checked = find(d, "#restore_checked").text
    assert "Every check passed" in checked, checked
    assert "patients" in checked and "invoices" in checked, checked
    d.execute_script("document.getElementById('restore_checked').scrollIntoView()")
    w.shot("backup-checked")

    click(d, "#restore_start")
    text_appears(d, "#restore_confirm_text", "go back to")
    w.shot("restore-confirm")
    click(d, "#restore_confirm")
    # Everyone signs in again; the patient registered after the backup is not there.
    find(d, "#username", 60)
    w.shot("restored-sign-in")
    sign_in(d, "rosa", "rosa demo password")
    find(d, "#open_search").click()
    fill(d, "patient_query", "Delacopia")
    text_appears(d, ".palette .empty", "No patient matches")
    w.shot("restored-patient-gone")


def test_a_new_computer_is_set_up_from_a_backup_on_the_first_run_screen(window, clinic_copy, tmp_path):

    backup = tmp_path / "friday.tendbackup"
    subprocess.run(
        [CLI, "--data-dir", str(clinic_copy), "--user", "admin", "backup", str(backup)],
        env=dict(os.environ, TEND_PASSPHRASE=DEMO_PASSPHRASE, TEND_PASSWORD="demo admin password", TEND_KEYRING="off"),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    new = tmp_path / "new-computer"
    w = window(new)
    d = w.d
    d.file_detector = UselessFileDetector()
    click(d, "#choose_restore")
    fill(d, "restore_path", str(backup))
    fill(d, "restore_secret", "not the passphrase")
    click(d, "#restore_check")
    err = find(d, "#restore_secret-error", 60).text
    assert "not right" in err, err
    w.shot("first-run-wrong-passphrase")

    fill(d, "restore_secret", DEMO_PASSPHRASE)
    click(d, "#restore_check")
    text_appears(d, "#restore_checked", "A good backup of", 60)
    w.shot("first-run-checked")
    click(d, "#restore_start")
    click(d, "#restore_confirm")
    find(d, "#username", 60)
    w.shot("first-run-restored")
    sign_in(d, "admin", "demo admin password")
    assert (new / "tend.db").exists()
