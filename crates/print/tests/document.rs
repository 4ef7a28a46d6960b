//! Business documents (the layout invoices, receipts, statements and close-outs share) printed
//! to real PDFs and read back with poppler: tables flow across pages with the letterhead and
//! the header row repeated, summaries stay whole, every page says what it belongs to.

#![allow(clippy::unwrap_used)]

use std::process::Command;

use tend_domain::clinic::Paper;
use tend_print::{
    Block, Column, DocumentView, LetterheadView, Section, SummaryRow, TableView, document,
};

fn view(paper: Paper, rows: usize) -> DocumentView {
    DocumentView {
        letterhead: LetterheadView {
            name: "Clínica Sol".into(),
            address: vec!["Calle Mayor 12".into(), "28013 Madrid".into()],
            phone: "+34 910 123 456".into(),
            registration: "CIF B-12345678".into(),
            logo: None,
            paper,
        },
        title: "Invoice".into(),
        reference: vec!["No. K7-2026-000045".into(), "Date 24/11/2026".into()],
        blocks: vec![
            Block {
                label: "Bill to".into(),
                lines: vec!["Zoë Ørsted-Nguyễn".into(), "Record K7-000123".into()],
            },
            Block {
                label: "Details".into(),
                lines: vec!["Issued 24/11/2026".into()],
            },
        ],
        stamp: Some("PAID".into()),
        sections: vec![
            Section::Table(TableView {
                columns: vec![
                    Column::left("Code", 1.0),
                    Column::text("Description", 1.0),
                    Column::right("Qty", 1.0),
                    Column::right("Amount", 1.0),
                ],
                rows: (1..=rows)
                    .map(|i| {
                        vec![
                            format!("C{i:03}"),
                            format!("Service number {i}, with a description long enough to wrap onto a second line on narrow paper"),
                            "1".into(),
                            format!("{i},00 €"),
                        ]
                    })
                    .collect(),
                total: None,
                empty: "No lines.".into(),
            }),
            Section::Summary(vec![
                SummaryRow::new("Subtotal", "1.234,00 €"),
                SummaryRow::strong("Total", "1.234,00 €"),
            ]),
            Section::SmallPrint("Pay within 30 days.".into()),
        ],
        footer: "Invoice K7-2026-000045".into(),
    }
}

fn pdftotext(bytes: &[u8], args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext")
        .args(args)
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/setup.sh)");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_long_table_flows_across_pages_with_its_header_and_the_letterhead_repeated() {
    for paper in [Paper::A4, Paper::Letter, Paper::A5] {
        let pdf = document(&view(paper, 60)).unwrap();
        assert!(pdf.pages >= 2, "{paper:?}: {} pages", pdf.pages);
        for page in 1..=pdf.pages {
            let p = page.to_string();
            let text = pdftotext(&pdf.bytes, &["-layout", "-f", &p, "-l", &p]);
            for wanted in [
                "Clínica Sol",
                "No. K7-2026-000045",
                "Invoice K7-2026-000045",
            ] {
                assert!(
                    text.contains(wanted),
                    "{paper:?} page {page}: {wanted:?} in {text}"
                );
            }
            assert!(
                text.contains(&format!("Page {page} of {}", pdf.pages))
                    || text.contains(&format!("page {page} of {}", pdf.pages)),
                "{text}"
            );
            // A page that carries rows carries the header row above them.
            if page > 1 && text.contains("Service number") {
                assert!(text.contains("Code Description Qty Amount"), "{text}");
            }
        }
        let all = pdftotext(&pdf.bytes, &["-layout"]);
        // Every row is there once, in order, and the summary after the last.
        let mut at = 0;
        for i in 1..=60 {
            let row = format!("C{i:03}");
            let found = all[at..]
                .find(&row)
                .unwrap_or_else(|| panic!("{row} missing"));
            at += found;
        }
        assert!(all[at..].contains("Total 1.234,00 €"), "{paper:?}");
        assert!(all.contains("Zoë Ørsted-Nguyễn"));
        assert!(all.contains("PAID"));
    }
}

#[test]
fn an_empty_table_says_so() {
    let pdf = document(&view(Paper::A4, 0)).unwrap();
    assert_eq!(pdf.pages, 1);
    assert!(pdftotext(&pdf.bytes, &[]).contains("No lines."));
}
