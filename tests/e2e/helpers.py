"""Small moves the scenarios share: waiting, typing into labelled fields, reading PDFs back."""

import subprocess
import tempfile

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def wait(d, seconds=15):
    return WebDriverWait(d, seconds, poll_frequency=0.1)


def find(d, css, seconds=15):
    return wait(d, seconds).until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))


def gone(d, css, seconds=15):
    wait(d, seconds).until(EC.invisibility_of_element_located((By.CSS_SELECTOR, css)))


def text_appears(d, css, text, seconds=15):
    wait(d, seconds).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))


def click(d, css, seconds=15, by_xpath=False):
    el = wait(d, seconds).until(EC.element_to_be_clickable((By.XPATH if by_xpath else By.CSS_SELECTOR, css)))
    el.click()
    return el


def click_text(d, text, tag="button", seconds=15):
    xpath = f"//{tag}[normalize-space(.)={xpath_literal(text)}]"
    el = wait(d, seconds).until(EC.element_to_be_clickable((By.XPATH, xpath)))
    el.click()
    return el


def xpath_literal(s):
    if "'" not in s:
        return f"'{s}'"
    return "concat('" + "', \"'\", '".join(s.split("'")) + "')"


def fill(d, field_id, value):
    el = find(d, f"#{field_id}")
    if el.tag_name == "select":
        from selenium.webdriver.support.ui import Select

        Select(el).select_by_value(value)
    elif value:
        el.clear()
        el.send_keys(value)
    else:
        # Emptied as a person would, so the page sees the input event.
        el.send_keys(Keys.CONTROL, "a")
        el.send_keys(Keys.BACKSPACE)
    return el


def keys(d, *k):
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(d)
    for key in k:
        chain.send_keys(key)
    chain.perform()


def ctrl(d, letter):
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(d).key_down(Keys.CONTROL).send_keys(letter).key_up(Keys.CONTROL).perform()


def pdf_text(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        return subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True, check=True).stdout


def preview_ready(d):
    """Waits for the print preview to draw its pages; returns the preview's heading."""
    find(d, '.print-pages[data-state="ready"] canvas', 30)
    return find(d, "#preview-title").text


def register(d, given, family, birth_date, phone):
    """Fills the registration form from the menu and saves; the caller waits for what follows
    (the chart, or the duplicate warning)."""
    click(d, "#nav_register")
    fill(d, "given_name", given)
    fill(d, "family_name", family)
    fill(d, "birth_date", birth_date)
    fill(d, "phone", phone)
    click(d, "#save_patient")


def issue_invoice(d, fee_code):
    """On a chart's Billing tab: a new invoice with one line from the fee schedule, issued."""
    click(d, "#new_invoice")
    fill(d, "line_code", fee_code)
    click(d, "#add_line")
    click(d, "#issue_invoice")
    text_appears(d, "#invoice_editor h2", "Invoice")


def open_patient(d, name):
    """Ctrl+K, the name, Enter: the first match's chart."""
    ctrl(d, "k")
    fill(d, "patient_query", name)
    text_appears(d, "#patient_hits", name)
    find(d, "#patient_query").send_keys(Keys.ENTER)
    find(d, ".banner")


def sign_in(d, username, password):
    find(d, "#username")
    fill(d, "username", username)
    fill(d, "password", password)
    click(d, "form button[type=submit]")
    find(d, "#open_search")


def unlock_and_sign_in(d, username, password, passphrase="demo clinic passphrase"):
    fill(d, "passphrase", passphrase)
    click(d, "form button[type=submit]")
    find(d, "#username")
    fill(d, "username", username)
    fill(d, "password", password)
    click(d, "form button[type=submit]")
    find(d, "#open_search")
