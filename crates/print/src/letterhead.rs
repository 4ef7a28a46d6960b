//! The clinic's letterhead, at the head of every page of every document: the logo if there is
//! one, the clinic's name, address, phone and registration number on the left; the document's
//! title, number and date on the right.

use tend_domain::clinic::{MAX_LOGO_BYTES, Paper};

use crate::PrintError;
use crate::canvas::{Canvas, Style, decode_image};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterheadView {
    pub name: String,
    /// As printed, one entry per line.
    pub address: Vec<String>,
    pub phone: String,
    /// Registration, licence or tax number.
    pub registration: String,
    /// PNG or JPEG bytes.
    pub logo: Option<Vec<u8>>,
    pub paper: Paper,
}

/// Checks that `bytes` are a logo a document can print: a PNG or JPEG of at most
/// `MAX_LOGO_BYTES`. Returns its size in pixels.
pub fn check_logo(bytes: &[u8]) -> Result<(usize, usize), PrintError> {
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(PrintError::LogoTooLarge);
    }
    let image = decode_image(bytes)?;
    Ok((image.width, image.height))
}

/// The logo, added once to a document and drawn on every page.
#[derive(Debug)]
pub(crate) struct Logo {
    id: printpdf::XObjectId,
    pixels: (usize, usize),
}

impl Logo {
    pub fn add(canvas: &mut Canvas, bytes: Option<&[u8]>) -> Result<Option<Logo>, PrintError> {
        let Some(bytes) = bytes else { return Ok(None) };
        let image = decode_image(bytes)?;
        let pixels = (image.width, image.height);
        Ok(Some(Logo {
            id: canvas.add_image(&image),
            pixels,
        }))
    }
}

/// Draws the letterhead at the top of the current page and leaves the cursor under its rule.
pub(crate) fn draw(
    c: &mut Canvas,
    head: &LetterheadView,
    logo: Option<&Logo>,
    title: &str,
    right: &[String],
) {
    let top = c.margin;
    let small = Style::regular(if head.paper == Paper::A5 { 8.0 } else { 9.0 });
    let name_style = Style::bold(if head.paper == Paper::A5 { 13.0 } else { 15.0 });
    let title_style = Style::bold(if head.paper == Paper::A5 { 11.0 } else { 12.0 });

    // The right column: title, then the number and date.
    let right_edge = c.width - c.margin;
    let right_w = right
        .iter()
        .map(|l| c.measure(small, l))
        .chain([c.measure(title_style, title)])
        .fold(0.0_f32, f32::max);
    c.text_right(right_edge, top, title_style, title);
    let mut ry = top + title_style.line_height();
    for line in right {
        c.text_right(right_edge, ry, small, line);
        ry += small.line_height();
    }

    // The left column: logo, then the clinic.
    let logo_h = if head.paper == Paper::A5 { 14.0 } else { 18.0 };
    let mut x = c.margin;
    if let Some(logo) = logo {
        let w = c.image_at(&logo.id, logo.pixels, x, top, logo_h * 2.0, logo_h);
        x += w + 4.0;
    }
    let left_w = (right_edge - right_w - 6.0 - x).max(30.0);
    c.y = top;
    c.paragraph(x, left_w, name_style, &head.name);
    let mut lines: Vec<String> = head.address.clone();
    let contact: Vec<String> = [
        (!head.phone.is_empty()).then(|| format!("Tel. {}", head.phone)),
        (!head.registration.is_empty()).then(|| head.registration.clone()),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !contact.is_empty() {
        lines.push(contact.join("  ·  "));
    }
    for line in &lines {
        c.paragraph(x, left_w, small, line);
    }
    let logo_bottom = if logo.is_some() { top + logo_h } else { top };
    c.y = c.y.max(ry).max(logo_bottom) + 2.0;
    c.rule(c.y, 1.0, 0.0);
    c.y += 3.0;
}
