//! A page-at-a-time drawing surface over printpdf: text in the embedded fonts measured for
//! wrapping, rules, an image, and pages that a document adds as it flows. Positions are in
//! millimetres from the top-left corner, as a person measures a sheet; printpdf's points from
//! the bottom-left are worked out here and nowhere else.

use std::sync::OnceLock;

use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Pt, RawImage, TextItem, XObjectTransform,
};
use tend_domain::clinic::Paper;
use unicode_normalization::UnicodeNormalization;

use crate::PrintError;

const PT_PER_MM: f32 = 72.0 / 25.4;

const REGULAR_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// The two faces every document uses, parsed once per process.
#[derive(Debug)]
struct Fonts {
    regular: ParsedFont,
    bold: ParsedFont,
}

fn fonts() -> Result<&'static Fonts, PrintError> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some(Fonts {
                regular: ParsedFont::from_bytes(REGULAR_TTF, 0, &mut Vec::new())?,
                bold: ParsedFont::from_bytes(BOLD_TTF, 0, &mut Vec::new())?,
            })
        })
        .as_ref()
        .ok_or(PrintError::Font)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    Regular,
    Bold,
}

/// How a run of text looks: face, size in points, and whether it is printed in grey (for labels
/// and small print) or black.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Style {
    pub face: Face,
    pub size: f32,
    pub grey: bool,
}

impl Style {
    pub const fn regular(size: f32) -> Self {
        Style {
            face: Face::Regular,
            size,
            grey: false,
        }
    }
    pub const fn bold(size: f32) -> Self {
        Style {
            face: Face::Bold,
            size,
            grey: false,
        }
    }
    pub const fn grey(self) -> Self {
        Style { grey: true, ..self }
    }

    /// The distance from one baseline to the next, in mm.
    pub fn line_height(self) -> f32 {
        self.size * 1.32 / PT_PER_MM
    }

    /// From the top of a line to its baseline, in mm.
    pub fn ascent(self) -> f32 {
        self.size * 0.93 / PT_PER_MM
    }
}

/// Text is normalised to NFC so a name typed with combining accents ("e" + "́") prints with the
/// font's composed glyph, and control characters (a stray tab or newline) never reach the page.
pub(crate) fn clean(s: &str) -> String {
    s.nfc()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[derive(Debug)]
pub(crate) struct Canvas {
    doc: PdfDocument,
    regular: FontId,
    bold: FontId,
    fonts: &'static Fonts,
    pub width: f32,
    pub height: f32,
    pub margin: f32,
    pages: Vec<Vec<Op>>,
    /// The page being drawn on: the last one, except inside `on_page`.
    current: usize,
    /// Where the next thing goes on the current page, in mm from the top.
    pub y: f32,
}

impl Canvas {
    pub fn new(title: &str, paper: Paper) -> Result<Self, PrintError> {
        let fonts = fonts()?;
        let mut doc = PdfDocument::new(&clean(title));
        let regular = doc.add_font(&fonts.regular);
        let bold = doc.add_font(&fonts.bold);
        let (width, height) = paper.size_mm();
        let margin = if paper == Paper::A5 { 12.0 } else { 18.0 };
        Ok(Canvas {
            doc,
            regular,
            bold,
            fonts,
            width,
            height,
            margin,
            pages: vec![Vec::new()],
            current: 0,
            y: margin,
        })
    }

    /// The width text can use between the margins.
    pub fn text_width(&self) -> f32 {
        self.width - 2.0 * self.margin
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.current = self.pages.len() - 1;
        self.y = self.margin;
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        &mut self.pages[self.current]
    }

    fn parsed(&self, face: Face) -> &ParsedFont {
        match face {
            Face::Regular => &self.fonts.regular,
            Face::Bold => &self.fonts.bold,
        }
    }

    /// The printed width of `text` in mm.
    pub fn measure(&self, style: Style, text: &str) -> f32 {
        let font = self.parsed(style.face);
        let units = f32::from(font.font_metrics.units_per_em.max(1));
        let advance: f32 = text
            .chars()
            .map(|c| {
                font.lookup_glyph_index(u32::from(c))
                    .map_or(units * 0.5, |g| f32::from(font.get_horizontal_advance(g)))
            })
            .sum();
        advance / units * style.size / PT_PER_MM
    }

    /// `text` broken into lines no wider than `width` mm: at spaces where it can, inside a word
    /// only when one word is wider than the line. Newlines in `text` are kept as breaks.
    pub fn wrap(&self, style: Style, text: &str, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.measure(style, &candidate) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // A word longer than the line is cut where it must be.
                let mut piece = String::new();
                for c in word.chars() {
                    piece.push(c);
                    if self.measure(style, &piece) > width && piece.chars().count() > 1 {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                line = piece;
            }
            lines.push(line);
        }
        lines
    }

    /// One line of text with its top at `top` mm, starting at `x` mm.
    pub fn text_at(&mut self, x: f32, top: f32, style: Style, text: &str) {
        let font = match style.face {
            Face::Regular => self.regular.clone(),
            Face::Bold => self.bold.clone(),
        };
        let baseline = self.height - top - style.ascent();
        let grey = if style.grey { 0.38 } else { 0.0 };
        self.ops().extend([
            Op::SetFillColor {
                col: Color::Greyscale(Greyscale {
                    percent: grey,
                    icc_profile: None,
                }),
            },
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(style.size),
            },
            Op::SetTextCursor {
                pos: Point {
                    x: Mm(x).into(),
                    y: Mm(baseline).into(),
                },
            },
            Op::ShowText {
                items: vec![TextItem::Text(clean(text))],
            },
            Op::EndTextSection,
        ]);
    }

    /// One line of text ending at `right` mm.
    pub fn text_right(&mut self, right: f32, top: f32, style: Style, text: &str) {
        let w = self.measure(style, &clean(text));
        self.text_at(right - w, top, style, text);
    }

    /// Text wrapped to `width` from `x`, starting at the cursor; moves the cursor below it.
    pub fn paragraph(&mut self, x: f32, width: f32, style: Style, text: &str) {
        for line in self.wrap(style, &clean_keep_newlines(text), width) {
            let y = self.y;
            self.text_at(x, y, style, &line);
            self.y += style.line_height();
        }
    }

    /// How tall `text` is once wrapped to `width`.
    pub fn paragraph_height(&self, width: f32, style: Style, text: &str) -> f32 {
        self.wrap(style, &clean_keep_newlines(text), width).len() as f32 * style.line_height()
    }

    /// A horizontal rule across the text width at `y` mm.
    pub fn rule(&mut self, y: f32, thickness_pt: f32, grey: f32) {
        let (left, right) = (self.margin, self.width - self.margin);
        self.line(left, right, y, thickness_pt, grey);
    }

    /// A horizontal line from `x1` to `x2` at `y` mm.
    pub fn line(&mut self, x1: f32, x2: f32, y: f32, thickness_pt: f32, grey: f32) {
        let y = self.height - y;
        let point = |x: f32| LinePoint {
            p: Point {
                x: Mm(x).into(),
                y: Mm(y).into(),
            },
            bezier: false,
        };
        self.ops().extend([
            Op::SetOutlineColor {
                col: Color::Greyscale(Greyscale {
                    percent: grey,
                    icc_profile: None,
                }),
            },
            Op::SetOutlineThickness {
                pt: Pt(thickness_pt),
            },
            Op::DrawLine {
                line: Line {
                    points: vec![point(x1), point(x2)],
                    is_closed: false,
                },
            },
        ]);
    }

    /// Adds an image once to the document, for `image_at`.
    pub fn add_image(&mut self, image: &RawImage) -> printpdf::XObjectId {
        self.doc.add_image(image)
    }

    /// Draws an image (added with `add_image`) scaled to fit inside `w` × `h` mm with its
    /// top-left corner at (`x`, `top`), keeping its proportions. Returns the width it took.
    pub fn image_at(
        &mut self,
        id: &printpdf::XObjectId,
        pixels: (usize, usize),
        x: f32,
        top: f32,
        w: f32,
        h: f32,
    ) -> f32 {
        const DPI: f32 = 300.0;
        let natural = |px: usize| px as f32 / DPI * 25.4;
        let (nw, nh) = (natural(pixels.0.max(1)), natural(pixels.1.max(1)));
        let scale = (w / nw).min(h / nh);
        let drawn_h = nh * scale;
        let bottom = self.height - top - drawn_h;
        self.ops().push(Op::UseXobject {
            id: id.clone(),
            transform: XObjectTransform {
                translate_x: Some(Mm(x).into()),
                translate_y: Some(Mm(bottom).into()),
                scale_x: Some(scale),
                scale_y: Some(scale),
                dpi: Some(DPI),
                ..Default::default()
            },
        });
        nw * scale
    }

    /// Draws on page `page` (0-based), for "page 1 of 3" once the count is known.
    pub fn on_page(&mut self, page: usize, draw: impl FnOnce(&mut Canvas)) {
        let (current, y) = (self.current, self.y);
        self.current = page.min(self.pages.len() - 1);
        draw(self);
        (self.current, self.y) = (current, y);
    }

    pub fn finish(mut self) -> crate::Pdf {
        let count = self.pages.len();
        let pages = std::mem::take(&mut self.pages)
            .into_iter()
            .map(|ops| PdfPage::new(Mm(self.width), Mm(self.height), ops))
            .collect();
        let bytes = self
            .doc
            .with_pages(pages)
            .save(&PdfSaveOptions::default(), &mut Vec::new());
        crate::Pdf {
            bytes,
            pages: count,
        }
    }
}

/// `left` and "page i of n" at the foot of every page, and "continued" on every page but the
/// last, drawn once the page count is known.
pub(crate) fn page_footers(c: &mut Canvas, small: Style, left: &str) {
    let pages = c.page_count();
    for page in 0..pages {
        c.on_page(page, |c| {
            let y = c.height - c.margin - small.line_height();
            c.rule(y - 1.5, 0.3, 0.6);
            c.text_at(c.margin, y, small, left);
            let right = c.width - c.margin;
            let text = if page + 1 < pages {
                format!(
                    "Continued on the next page   ·   page {} of {pages}",
                    page + 1
                )
            } else {
                format!("Page {} of {pages}", page + 1)
            };
            c.text_right(right, y, small, &text);
        });
    }
}

/// Like `clean`, but newlines stay so a paragraph keeps the breaks a person typed.
fn clean_keep_newlines(s: &str) -> String {
    s.nfc()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

/// Reads a PNG or JPEG, for the letterhead's logo.
/// Decodes a PNG or JPEG, once its header says it is of a size a logo may be: the size is read
/// first, so a small file holding a huge picture is refused before it is decoded.
pub(crate) fn decode_image(bytes: &[u8]) -> Result<RawImage, PrintError> {
    let (width, height) = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PrintError::Image(e.to_string()))?
        .into_dimensions()
        .map_err(|e| PrintError::Image(e.to_string()))?;
    let max = tend_domain::clinic::MAX_LOGO_SIDE;
    if width > max || height > max {
        return Err(PrintError::LogoTooManyPixels { width, height });
    }
    RawImage::decode_from_bytes(bytes, &mut Vec::new()).map_err(PrintError::Image)
}
