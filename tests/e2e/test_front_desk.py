"""The front desk's morning: register (and meet the duplicate warning), book, check in, take a
payment and print the invoice; and the chart stays closed to the receptionist."""

from selenium.webdriver.common.by import By

from helpers import (
    click, click_text, ctrl, fill, find, issue_invoice, pdf_text, preview_ready, register, text_appears, unlock_and_sign_in, wait,
)


def test_receptionist_registers_books_checks_in_takes_payment_and_prints(window, clinic_copy):
    w = window(clinic_copy)
    d = w.d
    find(d, "#passphrase")
    w.shot("unlock")
    unlock_and_sign_in(d, "rosa", "rosa demo password")
    w.shot("schedule")

    # Ctrl+K from anywhere, then register from the search.
    ctrl(d, "k")
    fill(d, "patient_query", "Marta Quintana")
    text_appears(d, ".palette", "No patient matches")
    w.shot("search-no-match")
    click(d, "#register_from_search")
    assert find(d, "#family_name").get_attribute("value") == "Quintana"

    # Bad input is named beside its field.
    fill(d, "birth_date", "31/02/1980")
    fill(d, "phone", "612 345 678")
    click(d, "#save_patient")
    find(d, "#birth_date-error")
    w.shot("register-bad-date")
    fill(d, "birth_date", "1980-03-14")
    click(d, "#save_patient")
    find(d, ".banner")
    text_appears(d, ".banner", "Marta Quintana")
    w.shot("registered")

    # Registering her again: the duplicate warning, and the existing record instead.
    register(d, "Marta", "Quintana", "14/03/1980", "612345678")
    warning = find(d, "#duplicate_warning")
    assert "Marta Quintana" in warning.text
    w.shot("duplicate-warning")
    click_text(d, "Open this record")
    mrn = find(d, ".banner .mrn").text

    # The clinical tabs are not there for the front desk.
    tabs = [t.text for t in d.find_elements(By.CSS_SELECTOR, "[role=tab]")]
    assert tabs == ["Prescriptions", "Billing", "Details"], tabs
    w.shot("receptionist-chart-tabs")

    # Book her today with the first clinician, then check her in.
    click(d, "#nav_schedule")
    slot = find(d, '.slot[data-time="12:00"]')
    slot.click()
    fill(d, "book_patient", mrn)
    click(d, ".hits button")
    w.shot("booking")
    click(d, "#confirm_booking")
    # Past slots and hours clash on some days; the clash is shown and booked over on purpose.
    try:
        find(d, "#book_conflicts", 3)
        w.shot("booking-conflicts")
        click_text(d, "Book it anyway")
    except Exception:
        pass
    appt = wait(d).until(lambda d: [a for a in d.find_elements(By.CSS_SELECTOR, ".appt") if "Marta Quintana" in a.text])[0]
    appt.find_element(By.CSS_SELECTOR, ".check-in").click()
    text_appears(d, "#waiting_room", "Marta Quintana")
    w.shot("checked-in")

    # An invoice, issued, paid in cash with change, and printed.
    d.find_element(By.XPATH, "//aside//button[normalize-space(.)='Marta Quintana']").click()
    click(d, "#tab_billing")
    issue_invoice(d, "CONS")
    fill(d, "pay_amount", "100")
    click(d, "#take_payment")
    change = find(d, "#change_due").text
    assert "Change" in change
    w.shot("paid-with-change")
    click(d, "#print_invoice")
    title = preview_ready(d)
    w.shot("invoice-preview")
    number = title.split(": ")[-1]
    text = pdf_text(w.pdf(1))
    assert number in text and "Marta Quintana" in text, text

    # No time suits her yet: the waitlist instead of a booking.
    click_text(d, "Close")
    click(d, "#nav_schedule")
    find(d, '.slot[data-time="13:00"]').click()
    fill(d, "book_patient", mrn)
    click(d, ".hits button")
    click_text(d, "Put on the waitlist instead")
    text_appears(d, "#waitlist", "Marta Quintana")
    w.shot("waitlist")
