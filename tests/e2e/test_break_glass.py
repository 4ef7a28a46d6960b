"""Break-glass in the window: a receptionist, who cannot read clinical charts, opens one in an
emergency after giving a reason; the chart shows for half an hour with a red notice, and the
administrator finds the opening, flagged, in the audit viewer with who, whom, when and why."""

from helpers import click, fill, find, open_patient, register, sign_in, text_appears, unlock_and_sign_in


def test_a_receptionist_breaks_the_glass_and_the_admin_reviews_it(window, clinic_copy):
    w = window(clinic_copy)
    d = w.d
    find(d, "#passphrase")
    unlock_and_sign_in(d, "rosa", "rosa demo password")
    register(d, "Ernesto", "Urgencias", "1948-02-29", "600 999 000")
    find(d, ".banner")
    assert not d.find_elements("css selector", "#tab_summary"), "no chart for the front desk"

    click(d, "#break_glass")
    fill(d, "glass_reason", "urgent")
    click(d, "#glass_confirm")
    err = find(d, "#glass_reason-error").text
    assert "say why" in err.lower(), err
    w.shot("glass-needs-a-reason")
    fill(d, "glass_reason", "Collapsed in the waiting room; the ambulance crew asks for his allergies")
    click(d, "#glass_confirm")
    text_appears(d, "#glass_open", "Emergency access to this chart until")
    find(d, "#tab_summary")
    w.shot("glass-open")
    click(d, "#sign_out")

    sign_in(d, "admin", "demo admin password")
    click(d, "#nav_admin")
    click(d, "#glass_review")
    text_appears(d, "#glass_rows", "Ernesto Urgencias")
    row = find(d, "#glass_rows tbody tr").text
    assert "Rosa" in row and "ambulance" in row, row
    fill(d, "audit_action", "chart.break_glass")
    click(d, "#audit_search")
    text_appears(d, "#audit_rows", "break-glass")
    d.execute_script("document.getElementById('glass_rows').scrollIntoView()")
    w.shot("glass-reviewed")
