//! Business documents: invoices, receipts, statements and the daily close-out share one layout.
//! The letterhead with the document's title and reference on the right; blocks side by side
//! (who is billed, the document's details); then sections in order: headings, tables, summaries
//! of amounts, and text. Tables flow across pages with their header row repeated, and every page
//! carries the letterhead and "page i of n", so a loose page still says what it belongs to.
//!
//! Every string arrives formatted (amounts in the clinic's locale and currency, dates in its
//! order): this module lays out, it never formats money.

use tend_domain::clinic::Paper;

use crate::PrintError;
use crate::canvas::{Canvas, Style};
use crate::letterhead::{self, LetterheadView, Logo};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentView {
    pub letterhead: LetterheadView,
    /// `Invoice`, `Receipt`, `Statement of account`, `Daily close-out`.
    pub title: String,
    /// Under the title, right-aligned: `No. K7-2026-000045`, `24/11/2026`.
    pub reference: Vec<String>,
    /// Side by side under the letterhead.
    pub blocks: Vec<Block>,
    /// A word printed large and bold before the sections: `VOID`, `PAID`.
    pub stamp: Option<String>,
    pub sections: Vec<Section>,
    /// At the foot of every page, left: `Invoice K7-2026-000045`.
    pub footer: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// `Bill to`.
    pub label: String,
    /// The first line is printed bold.
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    Heading(String),
    Table(TableView),
    Summary(Vec<SummaryRow>),
    /// A paragraph in the body size.
    Text(String),
    /// A paragraph in small grey print (terms, bank details).
    SmallPrint(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table column. Columns that do not wrap (dates, numbers, amounts, codes) are as wide as
/// their widest cell; columns that wrap (descriptions, names) share what is left by weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: String,
    /// Share of the width left for wrapping columns, relative to the other wrapping columns.
    pub weight: f32,
    pub align: Align,
    pub wraps: bool,
}

impl Eq for Column {}

impl Column {
    /// Left-aligned, kept on one line (a date, a number, a code).
    pub fn left(title: &str, weight: f32) -> Self {
        Column {
            title: title.to_owned(),
            weight,
            align: Align::Left,
            wraps: false,
        }
    }

    /// Right-aligned, kept on one line (an amount).
    pub fn right(title: &str, weight: f32) -> Self {
        Column {
            title: title.to_owned(),
            weight,
            align: Align::Right,
            wraps: false,
        }
    }

    /// Left-aligned text that wraps within the room the other columns leave.
    pub fn text(title: &str, weight: f32) -> Self {
        Column {
            title: title.to_owned(),
            weight,
            align: Align::Left,
            wraps: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableView {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    /// A last row in bold under a rule (totals).
    pub total: Option<Vec<String>>,
    /// Printed in place of rows when there are none: `No payments.`
    pub empty: String,
}

/// One line of a right-hand summary: `Subtotal   €120.00`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub label: String,
    pub value: String,
    /// Bold, under a rule: the total, the balance.
    pub strong: bool,
}

impl SummaryRow {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        SummaryRow {
            label: label.into(),
            value: value.into(),
            strong: false,
        }
    }

    pub fn strong(label: impl Into<String>, value: impl Into<String>) -> Self {
        SummaryRow {
            label: label.into(),
            value: value.into(),
            strong: true,
        }
    }
}

struct Styles {
    body: Style,
    label: Style,
    small: Style,
    strong: Style,
    heading: Style,
    stamp: Style,
}

impl Styles {
    fn for_paper(paper: Paper) -> Self {
        let body = if paper == Paper::A5 { 8.5 } else { 9.5 };
        Styles {
            body: Style::regular(body),
            label: Style::regular(body - 1.0).grey(),
            small: Style::regular(body - 1.5).grey(),
            strong: Style::bold(body),
            heading: Style::bold(body + 1.5),
            stamp: Style::bold(body + 8.0),
        }
    }
}

/// Space kept at the foot of every page for the page footer.
const FOOTER: f32 = 9.0;
/// Space between table columns.
const CELL_GAP: f32 = 2.5;
/// The narrowest a wrapping column gets before every column is sized by weight instead.
const MIN_WRAPPING: f32 = 14.0;

struct Layout<'v> {
    c: Canvas,
    v: &'v DocumentView,
    logo: Option<Logo>,
    s: Styles,
    bottom: f32,
}

/// The document as PDF bytes.
pub fn document(v: &DocumentView) -> Result<crate::Pdf, PrintError> {
    let paper = v.letterhead.paper;
    let mut c = Canvas::new(&v.footer, paper)?;
    let logo = Logo::add(&mut c, v.letterhead.logo.as_deref())?;
    let bottom = c.height - c.margin - FOOTER;
    let mut l = Layout {
        c,
        v,
        logo,
        s: Styles::for_paper(paper),
        bottom,
    };
    l.head();
    l.blocks();
    if let Some(stamp) = &v.stamp {
        let y = l.c.y;
        l.c.text_at(l.c.margin, y, l.s.stamp, stamp);
        l.c.y += l.s.stamp.line_height() + 2.0;
    }
    for (i, section) in v.sections.iter().enumerate() {
        match section {
            Section::Heading(text) => {
                // A heading never ends a page: it goes with at least two lines of what follows.
                let keep = l.s.heading.line_height() + 3.0 * l.s.body.line_height() + 4.0;
                l.room_for(keep);
                if i > 0 {
                    l.c.y += 3.0;
                }
                let y = l.c.y;
                l.c.text_at(l.c.margin, y, l.s.heading, text);
                l.c.y += l.s.heading.line_height() + 1.0;
            }
            Section::Table(t) => l.table(t),
            Section::Summary(rows) => l.summary(rows),
            Section::Text(text) => l.text(l.s.body, text),
            Section::SmallPrint(text) => l.text(l.s.small, text),
        }
    }
    l.footers();
    Ok(l.c.finish())
}

impl Layout<'_> {
    fn head(&mut self) {
        letterhead::draw(
            &mut self.c,
            &self.v.letterhead,
            self.logo.as_ref(),
            &self.v.title,
            &self.v.reference,
        );
    }

    /// A new page when `height` does not fit on this one.
    fn room_for(&mut self, height: f32) {
        if self.c.y + height > self.bottom {
            self.c.new_page();
            self.head();
        }
    }

    fn blocks(&mut self) {
        let blocks = &self.v.blocks;
        if blocks.is_empty() {
            return;
        }
        let n = blocks.len() as f32;
        let gap = 6.0;
        let width = (self.c.text_width() - gap * (n - 1.0)) / n;
        let top = self.c.y + 1.0;
        let mut lowest = top;
        for (i, block) in blocks.iter().enumerate() {
            let x = self.c.margin + i as f32 * (width + gap);
            self.c.y = top;
            let y = self.c.y;
            self.c.text_at(x, y, self.s.label, &block.label);
            self.c.y += self.s.label.line_height();
            for (j, line) in block.lines.iter().enumerate() {
                let style = if j == 0 { self.s.strong } else { self.s.body };
                self.c.paragraph(x, width, style, line);
            }
            lowest = lowest.max(self.c.y);
        }
        self.c.y = lowest + 2.0;
        self.c.rule(self.c.y, 0.5, 0.5);
        self.c.y += 4.0;
    }

    fn text(&mut self, style: Style, text: &str) {
        let width = self.c.text_width();
        for line in self.c.wrap(style, text, width) {
            self.room_for(style.line_height());
            let y = self.c.y;
            self.c.text_at(self.c.margin, y, style, &line);
            self.c.y += style.line_height();
        }
        self.c.y += 1.5;
    }

    /// Column widths: each column that does not wrap as wide as its widest cell (its title may
    /// wrap at spaces), the wrapping ones sharing the rest by weight. When the fixed columns
    /// leave too little for the wrapping ones, every column is sized by weight instead.
    fn widths(&self, t: &TableView) -> Vec<f32> {
        let usable = self.c.text_width() - CELL_GAP * (t.columns.len().saturating_sub(1)) as f32;
        let natural: Vec<f32> = t
            .columns
            .iter()
            .enumerate()
            .map(|(i, col)| {
                let title = col
                    .title
                    .split_whitespace()
                    .map(|w| self.c.measure(self.s.label, w))
                    .fold(0.0_f32, f32::max);
                t.rows
                    .iter()
                    .chain(t.total.iter())
                    .filter_map(|row| row.get(i))
                    .flat_map(|cell| cell.lines())
                    .map(|line| self.c.measure(self.s.strong, line))
                    .fold(title, f32::max)
                    + 0.5
            })
            .collect();
        let fixed: f32 = t
            .columns
            .iter()
            .zip(&natural)
            .filter(|(c, _)| !c.wraps)
            .map(|(_, w)| *w)
            .sum();
        let wrap_weight: f32 = t
            .columns
            .iter()
            .filter(|c| c.wraps)
            .map(|c| c.weight.max(0.1))
            .sum();
        let left = usable - fixed;
        let wrapping = t.columns.iter().filter(|c| c.wraps).count() as f32;
        if wrapping > 0.0 && left >= MIN_WRAPPING * wrapping {
            return t
                .columns
                .iter()
                .zip(&natural)
                .map(|(c, w)| {
                    if c.wraps {
                        left * c.weight.max(0.1) / wrap_weight
                    } else {
                        *w
                    }
                })
                .collect();
        }
        if wrapping == 0.0 && fixed <= usable {
            // Nothing wraps: the spare room goes between the columns, by weight.
            let total: f32 = t.columns.iter().map(|c| c.weight.max(0.1)).sum();
            return natural
                .iter()
                .zip(&t.columns)
                .map(|(w, c)| w + (usable - fixed) * c.weight.max(0.1) / total)
                .collect();
        }
        let total: f32 = t.columns.iter().map(|c| c.weight.max(0.1)).sum();
        t.columns
            .iter()
            .map(|c| usable * c.weight.max(0.1) / total)
            .collect()
    }

    /// Each cell wrapped to its column.
    fn wrap_row(&self, row: &[String], widths: &[f32], style: Style) -> Vec<Vec<String>> {
        widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let text = row.get(i).map(String::as_str).unwrap_or_default();
                self.c.wrap(style, text, *w)
            })
            .collect()
    }

    fn draw_row(&mut self, t: &TableView, widths: &[f32], cells: &[Vec<String>], style: Style) {
        let top = self.c.y;
        let mut x = self.c.margin;
        let mut tallest = 1;
        for (i, lines) in cells.iter().enumerate() {
            let w = widths[i];
            for (k, line) in lines.iter().enumerate() {
                let y = top + k as f32 * style.line_height();
                match t.columns[i].align {
                    Align::Left => self.c.text_at(x, y, style, line),
                    Align::Right => self.c.text_right(x + w, y, style, line),
                }
            }
            tallest = tallest.max(lines.len());
            x += w + CELL_GAP;
        }
        self.c.y = top + tallest as f32 * style.line_height();
    }

    fn table_header(&mut self, t: &TableView, widths: &[f32]) {
        let titles: Vec<String> = t.columns.iter().map(|c| c.title.clone()).collect();
        let cells = self.wrap_row(&titles, widths, self.s.label);
        self.draw_row(t, widths, &cells, self.s.label);
        self.c.y += 0.8;
        self.c.rule(self.c.y, 0.5, 0.3);
        self.c.y += 1.5;
    }

    fn table(&mut self, t: &TableView) {
        let widths = self.widths(t);
        let header_h = self.s.label.line_height() * 2.0 + 2.3;
        self.room_for(header_h + self.s.body.line_height() * 2.0);
        self.table_header(t, &widths);
        if t.rows.is_empty() {
            let y = self.c.y;
            self.c.text_at(self.c.margin, y, self.s.label, &t.empty);
            self.c.y += self.s.body.line_height() + 1.0;
        }
        for (i, row) in t.rows.iter().enumerate() {
            let cells = self.wrap_row(row, &widths, self.s.body);
            let tallest = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let height = tallest as f32 * self.s.body.line_height() + 1.2;
            if self.c.y + height > self.bottom {
                self.c.new_page();
                self.head();
                self.table_header(t, &widths);
            }
            self.draw_row(t, &widths, &cells, self.s.body);
            self.c.y += 0.6;
            if i + 1 < t.rows.len() {
                self.c.rule(self.c.y, 0.25, 0.8);
            }
            self.c.y += 0.6;
        }
        if let Some(total) = &t.total {
            let cells = self.wrap_row(total, &widths, self.s.strong);
            self.room_for(self.s.strong.line_height() * 2.0 + 2.0);
            self.c.rule(self.c.y, 0.6, 0.0);
            self.c.y += 1.2;
            self.draw_row(t, &widths, &cells, self.s.strong);
            self.c.y += 1.0;
        }
        self.c.y += 2.5;
    }

    /// Label and amount pairs in the right half of the page, kept together on one page.
    fn summary(&mut self, rows: &[SummaryRow]) {
        let right = self.c.width - self.c.margin;
        let width = (self.c.text_width() * 0.5)
            .max(70.0)
            .min(self.c.text_width());
        let left = right - width;
        let height: f32 = rows
            .iter()
            .map(|r| {
                let style = if r.strong { self.s.strong } else { self.s.body };
                style.line_height() + if r.strong { 1.6 } else { 0.4 }
            })
            .sum();
        self.room_for(height + 2.0);
        for row in rows {
            let style = if row.strong {
                self.s.strong
            } else {
                self.s.body
            };
            if row.strong {
                self.c.line(left, right, self.c.y, 0.6, 0.0);
                self.c.y += 1.2;
            }
            let y = self.c.y;
            let value_w = self.c.measure(style, &row.value);
            // A long label wraps within what the value leaves it.
            let label_w = (width - value_w - 3.0).max(20.0);
            let lines = self.c.wrap(style, &row.label, label_w);
            for (k, line) in lines.iter().enumerate() {
                self.c
                    .text_at(left, y + k as f32 * style.line_height(), style, line);
            }
            self.c.text_right(right, y, style, &row.value);
            self.c.y = y + lines.len().max(1) as f32 * style.line_height() + 0.4;
        }
        self.c.y += 3.0;
    }

    fn footers(&mut self) {
        let footer = self.v.footer.clone();
        crate::canvas::page_footers(&mut self.c, self.s.small, &footer);
    }
}
