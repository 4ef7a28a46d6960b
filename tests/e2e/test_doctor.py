"""The doctor's visit: vitals and an allergy, a signed note, and a prescription that needs an
override reason for an interaction, printed."""

from selenium.webdriver.common.by import By

from helpers import click, click_text, fill, find, gone, pdf_text, preview_ready, register, text_appears, unlock_and_sign_in


def test_doctor_records_signs_and_prescribes_with_an_override(window, clinic_copy):
    w = window(clinic_copy)
    d = w.d
    find(d, "#passphrase")
    unlock_and_sign_in(d, "ana", "ana demo password")

    # A new patient: allergies not yet asked, shown in warning colours.
    register(d, "Tomás", "Ibarra", "1951-06-02", "699 111 222")
    text_appears(d, "#banner_allergies", "Allergies not recorded")
    w.shot("chart-allergies-not-recorded")

    click(d, "#tab_vitals")
    fill(d, "blood_pressure", "150/95")
    fill(d, "pulse", "78")
    fill(d, "weight", "82.5")
    click(d, "#save_vitals")
    text_appears(d, "table", "BP 150/95 mmHg")
    fill(d, "blood_pressure", "high")
    click(d, "#save_vitals")
    find(d, "#blood_pressure-error")
    w.shot("vitals-with-error")

    click(d, "#tab_allergies")
    fill(d, "substance", "Penicillin")
    fill(d, "reaction", "hives")
    fill(d, "severity", "severe")
    click(d, "#save_allergy")
    text_appears(d, "#banner_allergies", "Penicillin")
    w.shot("allergy-in-banner")

    click(d, "#tab_medications")
    fill(d, "drug", "warfarin")
    fill(d, "dose", "5 mg")
    fill(d, "frequency", "once a day")
    click_text(d, "Record medication")
    text_appears(d, ".card", "warfarin")

    click(d, "#tab_visits")
    fill(d, "visit_reason", "Blood pressure review")
    click(d, "#start_visit")
    fill(d, "note_subjective", "Headaches in the morning for two weeks.")
    fill(d, "note_assessment", "Hypertension, not controlled.")
    fill(d, "note_plan", "Start treatment; review in four weeks.")
    click(d, "#save_note")
    w.shot("note-draft")
    click(d, "#sign_note")
    click(d, "#confirm_sign")
    text_appears(d, "#signed_line", "Signed by")
    w.shot("note-signed")

    # The summary now shows the problem list's neighbours: medications, the visit, the vitals.
    click(d, "#tab_summary")
    text_appears(d, "#panel", "warfarin")
    text_appears(d, "#panel", "Blood pressure review")
    w.shot("chart-summary")

    # Ibuprofen with warfarin: a warning with its severity, a reason, then signed and printed.
    click(d, "#tab_prescriptions")
    click(d, "#new_rx")
    fill(d, "rx_drug_0", "ibuprofen")
    fill(d, "rx_strength_0", "400 mg")
    fill(d, "rx_form_0", "tablet")
    fill(d, "rx_dose_0", "1 tablet")
    fill(d, "rx_route_0", "oral")
    fill(d, "rx_frequency_0", "three times a day")
    fill(d, "rx_duration_0", "5 days")
    click(d, "#check_rx")
    warnings = find(d, "#rx_warnings")
    text_appears(d, "#rx_warnings", "warfarin")
    w.shot("rx-interaction-warning")
    click(d, "#sign_rx")
    find(d, ".form-error")
    w.shot("rx-needs-reason")
    for field in d.find_elements(By.CSS_SELECTOR, "#rx_warnings input[id^=reason_]"):
        field.send_keys("Short course; INR checked on Friday")
    click(d, "#sign_rx")
    title = preview_ready(d)
    assert "rx" in title.lower() or "prescription" in title.lower(), title
    w.shot("rx-preview")
    text = pdf_text(w.pdf(1))
    assert "Ibuprofen" in text or "ibuprofen" in text, text
    assert "Tomás Ibarra" in text and "Penicillin" in text, text
    assert warnings is not None

    # Strengths as hurried people type them: printed in safe notation; a strength the drug does
    # not come in is refused beside its item, until the doctor adds it to the drug.
    click_text(d, "Close")
    click(d, "#new_rx")
    fill(d, "rx_drug_0", "digoxin")
    text_appears(d, "#rx_strength_0-hint", "62.5 mcg, 125 mcg, 250 mcg")
    fill(d, "rx_strength_0", ".25 mg")
    fill(d, "rx_dose_0", "1.0 tab")
    fill(d, "rx_frequency_0", "QD")
    fill(d, "rx_duration_0", "30")
    click_text(d, "Add another drug")
    fill(d, "rx_drug_1", "warfarin")
    text_appears(d, "#rx_strength_1-hint", "7.5 mg")
    fill(d, "rx_strength_1", "7 mg")
    fill(d, "rx_dose_1", "1 tablet")
    fill(d, "rx_frequency_1", "QOD")
    fill(d, "rx_duration_1", "30")
    click(d, "#check_rx")
    text_appears(d, "#rx_strength_1-error", "7 mg is not one of them")
    w.shot("rx-strength-not-known")
    click(d, "#add_strength_1")
    gone(d, "#rx_strength_1-error")
    click(d, "#check_rx")
    find(d, "#rx_warnings")
    for field in d.find_elements(By.CSS_SELECTOR, "#rx_warnings input[id^=reason_]"):
        field.send_keys("Reviewed with the patient")
    click(d, "#sign_rx")
    preview_ready(d)
    w.shot("rx-safe-notation-preview")
    text = pdf_text(w.pdf(2))
    for wanted in ("digoxin 250 mcg tablet", "warfarin 7 mg tablet", "once a day", "every other day"):
        assert wanted in text, (wanted, text)
    for banned in ("QD", "QOD", ".25", "1.0"):
        assert banned not in text, (banned, text)
