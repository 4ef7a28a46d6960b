"""The receptionist runs the calendar: books from the toolbar by typing, moves the appointment by
keyboard in its dialog and by dragging it, looks at the day by room and at a clinician's week,
and cancels with a reason."""

from selenium.webdriver.common.keys import Keys

from helpers import click, fill, find, gone, register, text_appears, unlock_and_sign_in, wait

# Drag and drop as the browser delivers it to the page: dragstart on the appointment, then
# dragover and drop on the slot, sharing one DataTransfer. WebDriver's pointer actions do not
# start HTML drag and drop in WebKit, so the events are dispatched; the handlers are the app's.
DRAG = """
const [source, target] = arguments;
const data = new DataTransfer();
source.dispatchEvent(new DragEvent('dragstart', { bubbles: true, cancelable: true, dataTransfer: data }));
target.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: data }));
target.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data }));
"""


def appointment_of(d, name):
    return wait(d).until(lambda d: [a for a in d.find_elements("css selector", ".appt") if name in a.text])[0]


def starts_at(d, appt_id, hhmm):
    """Waits until the appointment shows at `hhmm` (its label starts with its time)."""
    wait(d).until(lambda d: (d.find_element("id", appt_id).get_attribute("aria-label") or "").startswith(hhmm))


def override_clash(d, css, button_text):
    """Past hours and opening hours clash on some days: the clash is shown, then booked over."""
    try:
        find(d, css, 3)
    except Exception:
        return False
    d.find_element("xpath", f"//*[@id='{css[1:]}']//button[normalize-space(.)='{button_text}']").click()
    return True


def test_receptionist_books_moves_by_keyboard_and_drag_views_rooms_and_weeks_and_cancels(window, clinic_copy):
    w = window(clinic_copy)
    d = w.d
    find(d, "#passphrase")
    unlock_and_sign_in(d, "rosa", "rosa demo password")

    register(d, "Elena", "Sastre", "1979-03-14", "611 222 333")
    mrn = find(d, ".banner .mrn").text

    # Book from the toolbar, by typing: patient, clinician, time.
    click(d, "#nav_schedule")
    click(d, "#book_button")
    fill(d, "book_patient", mrn)
    click(d, ".hits button")
    today = find(d, "#book_at").get_attribute("value")
    assert len(today) == 10, today
    provider = find(d, "#book_provider").get_attribute("value")
    fill(d, "book_at", f"{today} 17:00")
    w.shot("book-from-toolbar")
    click(d, "#confirm_booking")
    override_clash(d, "#book_conflicts", "Book it anyway")
    appt = appointment_of(d, "Elena Sastre")
    appt_id = appt.get_attribute("id")
    starts_at(d, appt_id, "17:00")

    # Move it by keyboard: focus, Enter, Move…, a new time, Enter.
    d.execute_script("arguments[0].focus()", appt)
    appt.send_keys(Keys.ENTER)
    find(d, "#appointment_dialog")
    click(d, "#move_appointment")
    field = fill(d, "move_at", f"{today} 17:30")
    w.shot("move-dialog")
    field.send_keys(Keys.ENTER)
    if override_clash(d, "#move_clash", "Move it there anyway"):
        w.shot("move-clash")
    gone(d, "#appointment_dialog")
    starts_at(d, appt_id, "17:30")

    # Drag it to 18:00 in the same clinician's column.
    slot = find(d, f'.slot[data-provider="{provider}"][data-time="18:00"]')
    d.execute_script(DRAG, d.find_element("id", appt_id), slot)
    override_clash(d, "#move_clash", "Move it there anyway")
    starts_at(d, appt_id, "18:00")
    w.shot("moved-by-drag")

    # The same day by room: one column per room.
    click(d, "#by_room")
    wait(d).until(lambda d: d.find_elements("css selector", '.col[data-column="Consulting room 1"]'))
    assert d.find_elements("css selector", '.col[data-column="Treatment room"]')
    w.shot("day-by-room")

    # The clinician's week: seven days, with the appointment on today's.
    click(d, "#week_view")
    wait(d).until(lambda d: len(d.find_elements("css selector", "#calendar .col")) == 7)
    text_appears(d, "#calendar .col.today", "Elena Sastre")
    w.shot("week")

    # Back to the day; cancel with a reason, and it leaves the calendar.
    click(d, "#day_view")
    click(d, "#by_clinician")
    appointment_of(d, "Elena Sastre").click()
    click(d, "#cancel_appointment")
    fill(d, "cancel_reason", "Patient phoned to cancel")
    w.shot("cancel-dialog")
    click(d, "#confirm_cancel")
    gone(d, "#appointment_dialog")
    wait(d).until(lambda d: not d.find_elements("id", appt_id))
