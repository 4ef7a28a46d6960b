//! Prescriptions printed to real PDFs and read back with poppler (`pdftotext`, `pdfinfo`,
//! `pdffonts`), as a pharmacist's screen or a printer would see them.
//!
//! `TEND_KEEP_PDF=DIR` keeps the PDFs there, to render them with `pdftoppm -png` and look.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use chrono::NaiveDate;
use tend_domain::clinic::Paper;
use tend_print::{
    AllergiesView, LetterheadView, PatientView, PrescriptionView, PrintError, RxItemView,
    check_logo, prescription,
};

const LOGO: &[u8] = include_bytes!("fixtures/logo.png");

fn item(title: &str, directions: &str, quantity: &str, note: Option<&str>) -> RxItemView {
    RxItemView {
        title: title.to_owned(),
        directions: directions.to_owned(),
        quantity: quantity.to_owned(),
        refills: "No refills".to_owned(),
        instructions: note.map(str::to_owned),
    }
}

fn view(paper: Paper, patient: &str, items: Vec<RxItemView>) -> PrescriptionView {
    PrescriptionView {
        letterhead: LetterheadView {
            name: "Clínica São João & Ærø Family Practice".to_owned(),
            address: vec![
                "Calle Mayor 12, 2º izq.".to_owned(),
                "28013 Madrid".to_owned(),
            ],
            phone: "+34 910 123 456".to_owned(),
            registration: "CIF B-12345678".to_owned(),
            logo: Some(LOGO.to_vec()),
            paper,
        },
        number: "K7-RX-000045".to_owned(),
        locale: tend_domain::locale::Locale::EnGb,
        date: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        patient: PatientView {
            name: patient.to_owned(),
            mrn: "K7-000123".to_owned(),
            birth_date: NaiveDate::from_ymd_opt(1961, 3, 4),
            estimated_age: None,
            sex: "female".to_owned(),
            allergies: AllergiesView::Current(vec![
                "penicillin (severe: anaphylaxis)".to_owned(),
                "latex (mild)".to_owned(),
            ]),
        },
        items,
        prescriber: "Dra. Ana Núñez Ibáñez".to_owned(),
        licence: "MD-28/12345".to_owned(),
        signed_at: "24 November 2026 at 10:15".to_owned(),
    }
}

fn five_items() -> Vec<RxItemView> {
    vec![
        item(
            "amoxicillin 500 mg capsule",
            "Take 1 capsule by mouth three times a day for 7 days.",
            "21 (twenty-one) capsules",
            Some("Finish the course even if you feel better."),
        ),
        item(
            "ibuprofen 400 mg tablet",
            "Take 1 tablet by mouth every 8 hours when needed for 5 days.",
            "15 (fifteen) tablets",
            Some("Take with food."),
        ),
        item(
            "salbutamol 100 micrograms/dose inhaler",
            "Inhale 2 puffs by inhalation every 4 hours when needed.",
            "1 (one) inhaler",
            None,
        ),
        item(
            "omeprazole 20 mg capsule",
            "Take 1 capsule by mouth once a day for 4 weeks.",
            "28 (twenty-eight) capsules",
            None,
        ),
        item(
            "paracetamol 120 mg/5 mL oral solution",
            "Take 5 mL by mouth every 6 hours when needed for 3 days.",
            "1 (one) bottle",
            None,
        ),
    ]
}

struct Pdf {
    path: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl Pdf {
    fn write(name: &str, bytes: &[u8]) -> Pdf {
        let (dir, keep) = match std::env::var_os("TEND_KEEP_PDF") {
            Some(d) => (PathBuf::from(d), None),
            None => {
                let t = tempfile::tempdir().unwrap();
                (t.path().to_owned(), Some(t))
            }
        };
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        Pdf { path, _dir: keep }
    }

    fn run(&self, tool: &str, args: &[&str]) -> String {
        let out = Command::new(tool)
            .args(args)
            .arg(&self.path)
            .args(if tool == "pdftotext" { &["-"][..] } else { &[] })
            .output()
            .unwrap_or_else(|e| {
                panic!("{tool} (poppler-utils, installed by scripts/setup.sh): {e}")
            });
        assert!(
            out.status.success(),
            "{tool} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The text, with wrapped lines joined so a sentence can be searched whole.
    fn text(&self) -> String {
        flat(&self.run("pdftotext", &[]))
    }

    fn page_text(&self, page: usize) -> String {
        let p = page.to_string();
        flat(&self.run("pdftotext", &["-f", &p, "-l", &p]))
    }

    fn info(&self, key: &str) -> String {
        self.run("pdfinfo", &[])
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}:")))
            .unwrap_or_else(|| panic!("pdfinfo has no {key}"))
            .trim()
            .to_owned()
    }

    fn pages(&self) -> usize {
        self.info("Pages").parse().unwrap()
    }
}

fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn assert_has(text: &str, wanted: &[&str]) {
    for w in wanted {
        assert!(text.contains(w), "{w:?} is missing from:\n{text}");
    }
}

#[test]
fn a_prescription_on_a4_has_everything_a_pharmacist_needs() {
    let v = view(Paper::A4, "José Müller-Øster", five_items());
    let pdf = Pdf::write("a4.pdf", &prescription(&v).unwrap().bytes);
    assert_eq!(pdf.pages(), 1);
    assert!(pdf.info("Page size").contains("(A4)"));
    let text = pdf.text();
    assert_has(
        &text,
        &[
            "Clínica São João & Ærø Family Practice",
            "Calle Mayor 12, 2º izq.",
            "28013 Madrid",
            "Tel. +34 910 123 456",
            "CIF B-12345678",
            "Prescription",
            "No. K7-RX-000045",
            "24 November 2026",
            "José Müller-Øster",
            "Record K7-000123",
            "Born 4 March 1961 (65 years)",
            "Allergies: penicillin (severe: anaphylaxis); latex (mild)",
            "Dra. Ana Núñez Ibáñez",
            "Licence no. MD-28/12345",
            "5 (five) items. Nothing follows.",
            "Signed electronically in Tend on 24 November 2026 at 10:15.",
            "Page 1 of 1",
        ],
    );
    for i in &v.items {
        assert_has(&text, &[&i.title, &i.directions, &i.quantity]);
        if let Some(note) = &i.instructions {
            assert_has(&text, &[note]);
        }
    }
    // Every font is embedded (as a subset), so it prints the same on any machine.
    let fonts = pdf.run("pdffonts", &[]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "{fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert!(row.contains("DejaVu"), "{row}");
        assert_eq!(cols[cols.len() - 5], "yes", "not embedded: {row}");
        assert_eq!(cols[cols.len() - 4], "yes", "not a subset: {row}");
    }
}

#[test]
fn non_latin_names_on_a5_and_letter() {
    for (paper, size, name) in [
        (Paper::A5, "419.528 x 595.276 pts", "Nguyễn Thị Ánh"),
        (Paper::Letter, "612 x 792 pts", "Zoë Ørsted"),
        (Paper::A5, "419.528 x 595.276 pts", "Σοφία Παπαδοπούλου"),
        (Paper::Letter, "612 x 792 pts", "Дмитрий Ковалёв"),
    ] {
        let pdf = Pdf::write(
            &format!("{}-{}.pdf", paper, name.len()),
            &prescription(&view(paper, name, five_items()))
                .unwrap()
                .bytes,
        );
        assert!(pdf.info("Page size").starts_with(size), "{paper}");
        assert_has(&pdf.text(), &[name, "5 (five) items. Nothing follows."]);
    }
    // A name typed with combining accents prints as the composed letters.
    let decomposed = "Zoe\u{308} O\u{301}rsted";
    let pdf = Pdf::write(
        "decomposed.pdf",
        &prescription(&view(Paper::A4, decomposed, five_items()))
            .unwrap()
            .bytes,
    );
    assert_has(&pdf.text(), &["Zoë Órsted"]);
}

#[test]
fn a_long_prescription_continues_with_the_header_repeated() {
    let long_note = "Take this medicine with a full glass of water, sitting or standing upright, \
                     and do not lie down for at least thirty minutes afterwards; if you miss a \
                     dose take it as soon as you remember unless the next one is due, and never \
                     take two doses together. Keep it out of the reach of children.";
    let items: Vec<RxItemView> = (1..=14)
        .map(|i| {
            item(
                &format!("testdrug{i} {i}0 mg tablet"),
                "Take 1 tablet by mouth twice a day for 30 days.",
                "60 (sixty) tablets",
                Some(long_note),
            )
        })
        .collect();
    let v = view(Paper::A5, "Nguyễn Thị Ánh", items);
    let pdf = Pdf::write("long-a5.pdf", &prescription(&v).unwrap().bytes);
    let pages = pdf.pages();
    assert!(pages >= 3, "{pages} pages");
    assert_eq!(prescription(&v).unwrap().pages, pages);
    let mut seen = Vec::new();
    for page in 1..=pages {
        let text = pdf.page_text(page);
        // Whose it is, on every page.
        assert_has(
            &text,
            &[
                "Clínica São João & Ærø Family Practice",
                "No. K7-RX-000045",
                "Nguyễn Thị Ánh",
                "Allergies: penicillin",
                &format!("age {page} of {pages}"),
            ],
        );
        if page < pages {
            assert_has(&text, &["Continued on the next page"]);
            assert!(!text.contains("Nothing follows"), "page {page}");
            assert!(!text.contains("Licence no."), "page {page}");
        } else {
            assert_has(
                &text,
                &[
                    "14 (fourteen) items. Nothing follows.",
                    "Licence no. MD-28/12345",
                    // The signature never stands alone: the last item is on its page.
                    "testdrug14 140 mg tablet",
                ],
            );
        }
        for i in 1..=14 {
            if text.contains(&format!("testdrug{i} {i}0 mg tablet")) {
                seen.push(i);
            }
        }
    }
    // Every item once, in order, each whole (its note wrapped but complete).
    assert_eq!(seen, (1..=14).collect::<Vec<_>>());
    let text = pdf.text();
    assert_eq!(text.matches(long_note).count(), 14);
}

#[test]
fn an_item_longer_than_a_page_is_split_rather_than_lost() {
    let essay = "Read the leaflet. ".repeat(400);
    let v = view(
        Paper::A5,
        "Zoë Ørsted",
        vec![item(
            "methotrexate 2.5 mg tablet",
            "Take 4 tablets by mouth once a week on Mondays.",
            "16 (sixteen) tablets",
            Some(&essay),
        )],
    );
    let pdf = Pdf::write("essay.pdf", &prescription(&v).unwrap().bytes);
    assert!(pdf.pages() >= 2);
    assert_eq!(pdf.text().matches("Read the leaflet.").count(), 400);
    assert_has(&pdf.text(), &["1 (one) item. Nothing follows."]);
}

#[test]
fn allergies_not_recorded_is_printed_as_a_warning() {
    let mut v = view(Paper::A4, "Zoë Ørsted", five_items());
    v.patient.allergies = AllergiesView::NotRecorded;
    v.patient.birth_date = None;
    v.patient.estimated_age = Some("about 40 years".to_owned());
    v.letterhead.logo = None;
    let pdf = Pdf::write("no-allergies.pdf", &prescription(&v).unwrap().bytes);
    assert_has(
        &pdf.text(),
        &[
            "Allergies: NOT RECORDED. Ask the patient before dispensing.",
            "Age about 40 years (birth date not known)",
        ],
    );
    v.patient.allergies = AllergiesView::NoneKnown;
    let pdf = Pdf::write("nka.pdf", &prescription(&v).unwrap().bytes);
    assert_has(&pdf.text(), &["Allergies: none known"]);
}

#[test]
fn logos_are_checked() {
    assert_eq!(check_logo(LOGO).unwrap(), (240, 120));
    assert!(matches!(
        check_logo(b"GIF89a not really"),
        Err(PrintError::Image(_))
    ));
    let mut huge = LOGO.to_vec();
    huge.resize(600 * 1024, 0);
    assert!(matches!(check_logo(&huge), Err(PrintError::LogoTooLarge)));
    let mut v = view(Paper::A4, "Zoë Ørsted", five_items());
    v.letterhead.logo = Some(b"not an image".to_vec());
    assert!(matches!(prescription(&v), Err(PrintError::Image(_))));
    // A 48 KiB PNG of a blank 20000 × 20000 picture (400 million pixels to decode) is refused
    // from its header, when set and when printed (a logo may arrive by sync from elsewhere).
    let bomb = include_bytes!("fixtures/huge-blank.png");
    assert!(bomb.len() < 64 * 1024);
    assert!(matches!(
        check_logo(bomb),
        Err(PrintError::LogoTooManyPixels {
            width: 20000,
            height: 20000
        })
    ));
    v.letterhead.logo = Some(bomb.to_vec());
    assert!(matches!(
        prescription(&v),
        Err(PrintError::LogoTooManyPixels { .. })
    ));
}
