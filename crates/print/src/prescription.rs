//! The printed prescription. Every page carries the letterhead, the prescription number, the
//! patient (name, birth date and age, allergies) and "page i of n", so a page that comes loose
//! still says whose it is. Items are numbered and written out in words; the last page ends with
//! the item count ("Nothing follows") and the prescriber's signature block, which never stands
//! alone on a page: the last item always goes with it.

use chrono::NaiveDate;
use tend_domain::clinic::Paper;
use tend_domain::locale::Locale;
use tend_domain::patients::age_on;
use tend_domain::prescriptions::sig::words;

use crate::PrintError;
use crate::canvas::{Canvas, Style};
use crate::letterhead::{self, LetterheadView, Logo};
use crate::words::age_words;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrescriptionView {
    pub letterhead: LetterheadView,
    /// `K7-RX-000045`.
    pub number: String,
    /// How the clinic writes dates.
    pub locale: Locale,
    /// The day it was signed, in the clinic's time zone.
    pub date: NaiveDate,
    pub patient: PatientView,
    pub items: Vec<RxItemView>,
    pub prescriber: String,
    pub licence: String,
    /// `24 November 2026 at 10:15`: when it was signed, in the clinic's time zone.
    pub signed_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientView {
    pub name: String,
    pub mrn: String,
    pub birth_date: Option<NaiveDate>,
    /// For a patient with no known birth date: `about 40 years`.
    pub estimated_age: Option<String>,
    pub sex: String,
    pub allergies: AllergiesView,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllergiesView {
    /// Nobody has asked: printed as a warning for the pharmacist.
    NotRecorded,
    NoneKnown,
    /// The current allergies, each as printed (`penicillin (severe: anaphylaxis)`).
    Current(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RxItemView {
    /// `amoxicillin 500 mg capsule`.
    pub title: String,
    /// `Take 1 capsule by mouth three times a day for 7 days.`
    pub directions: String,
    /// `21 (twenty-one) capsules`.
    pub quantity: String,
    /// `No refills`.
    pub refills: String,
    pub instructions: Option<String>,
}

struct Styles {
    body: Style,
    label: Style,
    small: Style,
    strong: Style,
    item: Style,
}

impl Styles {
    fn for_paper(paper: Paper) -> Self {
        let (body, item) = if paper == Paper::A5 {
            (9.0, 10.0)
        } else {
            (10.0, 11.0)
        };
        Styles {
            body: Style::regular(body),
            label: Style::regular(body - 1.0).grey(),
            small: Style::regular(body - 2.0).grey(),
            strong: Style::bold(body),
            item: Style::bold(item),
        }
    }
}

/// Space kept at the foot of every page for "page i of n".
const FOOTER: f32 = 9.0;
/// The indent of an item's text, after its number.
const GUTTER: f32 = 8.0;

/// The prescription as PDF bytes.
pub fn prescription(v: &PrescriptionView) -> Result<crate::Pdf, PrintError> {
    let paper = v.letterhead.paper;
    let mut c = Canvas::new(&format!("Prescription {}", v.number), paper)?;
    let logo = Logo::add(&mut c, v.letterhead.logo.as_deref())?;
    let s = Styles::for_paper(paper);
    let bottom = c.height - c.margin - FOOTER;

    header(&mut c, v, logo.as_ref(), &s);
    let body_height = bottom - c.y;
    let width = c.text_width() - GUTTER;
    let closing = closing_height(&c, v, &s);
    let count = v.items.len();
    for (i, item) in v.items.iter().enumerate() {
        let lines = item_lines(item, &s);
        let height: f32 = lines
            .iter()
            .map(|(style, text)| c.paragraph_height(width, *style, text))
            .sum::<f32>()
            + 3.0;
        // The last item takes the closing and signature with it.
        let needed = if i + 1 == count {
            height + closing
        } else {
            height
        };
        if c.y + needed > bottom && needed <= body_height {
            continued(&mut c, v, logo.as_ref(), &s);
        }
        let number = format!("{}.", i + 1);
        let y = c.y;
        c.text_at(c.margin, y, s.item, &number);
        for (style, text) in &lines {
            for line in c.wrap(*style, text, width) {
                // Only an item longer than a whole page is split between pages.
                if c.y + style.line_height() > bottom {
                    continued(&mut c, v, logo.as_ref(), &s);
                }
                let y = c.y;
                c.text_at(c.margin + GUTTER, y, *style, &line);
                c.y += style.line_height();
            }
        }
        c.y += 3.0;
    }
    if c.y + closing > bottom {
        continued(&mut c, v, logo.as_ref(), &s);
    }
    closing_block(&mut c, v, &s);
    footers(&mut c, v, &s);
    Ok(c.finish())
}

fn item_lines(item: &RxItemView, s: &Styles) -> Vec<(Style, String)> {
    let mut lines = vec![
        (s.item, item.title.clone()),
        (s.body, item.directions.clone()),
        (
            s.body,
            format!("Quantity: {}   ·   {}", item.quantity, item.refills),
        ),
    ];
    if let Some(note) = item
        .instructions
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        lines.push((s.body, format!("Note for the patient: {}", note.trim())));
    }
    lines
}

fn header(c: &mut Canvas, v: &PrescriptionView, logo: Option<&Logo>, s: &Styles) {
    letterhead::draw(
        c,
        &v.letterhead,
        logo,
        "Prescription",
        &[format!("No. {}", v.number), v.locale.date(v.date)],
    );
    let p = &v.patient;
    let (left, right) = (c.margin, c.width - c.margin);
    let y = c.y;
    c.text_at(left, y, s.label, "Patient");
    c.text_right(right, y, s.label, &format!("Record {}", p.mrn));
    c.y += s.label.line_height();
    c.paragraph(left, c.text_width(), s.item, &p.name);
    let born = match (p.birth_date, &p.estimated_age) {
        (Some(dob), _) => format!(
            "Born {} ({})",
            v.locale.date(dob),
            age_words(age_on(dob, v.date))
        ),
        (None, Some(est)) => format!("Age {est} (birth date not known)"),
        (None, None) => "Birth date not known".to_owned(),
    };
    let sex = if p.sex.is_empty() || p.sex == "unknown" {
        String::new()
    } else {
        format!("   ·   Sex: {}", p.sex)
    };
    c.paragraph(left, c.text_width(), s.body, &format!("{born}{sex}"));
    let (style, allergies) = match &p.allergies {
        AllergiesView::NotRecorded => (
            s.strong,
            "Allergies: NOT RECORDED. Ask the patient before dispensing.".to_owned(),
        ),
        AllergiesView::NoneKnown => (s.body, "Allergies: none known".to_owned()),
        AllergiesView::Current(list) if list.is_empty() => {
            (s.body, "Allergies: none current".to_owned())
        }
        AllergiesView::Current(list) => (s.strong, format!("Allergies: {}", list.join("; "))),
    };
    c.paragraph(left, c.text_width(), style, &allergies);
    c.y += 1.5;
    c.rule(c.y, 0.5, 0.5);
    c.y += 4.0;
}

/// A new page, with the header repeated.
fn continued(c: &mut Canvas, v: &PrescriptionView, logo: Option<&Logo>, s: &Styles) {
    c.new_page();
    header(c, v, logo, s);
}

fn closing_height(c: &Canvas, v: &PrescriptionView, s: &Styles) -> f32 {
    s.body.line_height()
        + 16.0
        + s.strong.line_height()
        + s.body.line_height()
        + c.paragraph_height(c.text_width(), s.small, &signed_line(v))
        + 2.0
}

fn signed_line(v: &PrescriptionView) -> String {
    format!("Signed electronically in Tend on {}.", v.signed_at)
}

fn closing_block(c: &mut Canvas, v: &PrescriptionView, s: &Styles) {
    let n = v.items.len();
    let total = if n == 1 {
        "1 (one) item. Nothing follows.".to_owned()
    } else {
        format!("{n} ({}) items. Nothing follows.", words(n as u64))
    };
    let y = c.y;
    c.text_at(c.margin, y, s.strong, &total);
    c.y += s.body.line_height() + 14.0;
    let line_w = (c.text_width() * 0.55).min(80.0);
    c.line(c.margin, c.margin + line_w, c.y, 0.6, 0.0);
    c.y += 2.0;
    let y = c.y;
    c.text_at(c.margin, y, s.strong, &v.prescriber);
    c.y += s.strong.line_height();
    let y = c.y;
    c.text_at(c.margin, y, s.body, &format!("Licence no. {}", v.licence));
    c.y += s.body.line_height();
    c.paragraph(c.margin, c.text_width(), s.small, &signed_line(v));
}

/// "Prescription K7-RX-000045 · page 1 of 2" at the foot of every page, and "continued" on
/// every page but the last.
fn footers(c: &mut Canvas, v: &PrescriptionView, s: &Styles) {
    crate::canvas::page_footers(c, s.small, &format!("Prescription {}", v.number));
}
