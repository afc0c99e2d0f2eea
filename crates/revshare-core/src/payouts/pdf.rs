//! A PDF of lines of text, as small as a statement needs: A4 pages, the
//! standard Helvetica and Courier fonts (every PDF reader has them, so
//! nothing is embedded) for text in WinAnsiEncoding (Latin-1 and a few
//! more); a line with any other character (Cyrillic, Greek, CJK, `Ł`) is
//! set in an embedded Unicode font, subset to the glyphs the document uses
//! ([`super::pdf_font`]). Enough for a statement; not a layout engine.
//!
//! The file is PDF 1.4: a catalog, a page tree, three font dictionaries,
//! a page and its content stream per page, an info dictionary, the
//! embedded font's objects when a line needs it, and the cross-reference
//! table.

use super::pdf_font::Embedded;

/// A4, in points.
const PAGE_WIDTH: i32 = 595;
const PAGE_HEIGHT: i32 = 842;
const MARGIN: i32 = 50;

/// The fonts a line may be set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    Regular,
    Bold,
    /// Courier: every character is 0.6 em wide, so columns line up.
    Fixed,
}

impl Font {
    fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
            Font::Fixed => "F3",
        }
    }
}

/// One line of text.
#[derive(Debug, Clone)]
pub struct Line {
    pub font: Font,
    /// Points.
    pub size: i32,
    pub text: String,
}

impl Line {
    /// A line of `text`. CLDR's narrow no-break space (French amounts,
    /// `1 234,56 €`) is set as a no-break space: the standard fonts have
    /// one, so a figure keeps its fixed column and its font.
    pub fn new(font: Font, size: i32, text: impl Into<String>) -> Line {
        Line {
            font,
            size,
            text: text.into().replace('\u{202f}', "\u{a0}"),
        }
    }

    /// The space it takes down the page, in points.
    fn height(&self) -> i32 {
        self.size + self.size / 2
    }
}

impl Line {
    /// The line broken at spaces into lines that fit across the page,
    /// by the font's widest ordinary character (Helvetica's capitals are
    /// at most 0.72 em, its bold's 0.78; Courier's every one 0.6): a
    /// line is never cut at the right edge. A word wider than the page
    /// stays whole on its own line.
    pub fn fitted(self) -> Vec<Line> {
        let widest = match self.font {
            Font::Regular => 720,
            Font::Bold => 780,
            Font::Fixed => 600,
        };
        let columns = ((PAGE_WIDTH - 2 * MARGIN) * 1000 / (widest * self.size.max(1))) as usize;
        if self.text.chars().count() <= columns {
            return vec![self];
        }
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in self.text.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > columns {
                lines.push(Line::new(self.font, self.size, std::mem::take(&mut line)));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            lines.push(Line::new(self.font, self.size, line));
        }
        lines
    }
}

/// Characters of the fixed font that fit across a page at `size` points.
pub fn fixed_columns(size: i32) -> usize {
    // A Courier character is 600/1000 of the size wide.
    ((PAGE_WIDTH - 2 * MARGIN) * 1000 / (600 * size)) as usize
}

/// The document: its lines, flowed onto as many pages as they need, and a
/// title for the reader's window.
pub fn render(title: &str, lines: &[Line]) -> Vec<u8> {
    render_documents(title, &[lines.to_vec()])
}

/// Several documents in one file, each starting on a page of its own
/// (forms to print and post together).
pub fn render_documents(title: &str, documents: &[Vec<Line>]) -> Vec<u8> {
    let pages: Vec<Vec<&Line>> = documents.iter().flat_map(|lines| paginate(lines)).collect();
    let lines = documents.iter().flatten();
    let mut unicode = match lines.clone().any(|l| !in_win_ansi(&l.text)) {
        true => Embedded::new(),
        false => None,
    };
    let mut pdf = Writer::default();
    pdf.out.extend_from_slice(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
    // Objects 1–5: catalog, pages, three fonts; then per page its
    // dictionary and its content; then the info dictionary; then the
    // embedded font's, when a line needs it.
    let page_ids: Vec<usize> = (0..pages.len()).map(|i| 6 + 2 * i).collect();
    let info = 6 + 2 * pages.len();
    let unicode_font = info + 1;
    pdf.object(1, b"<< /Type /Catalog /Pages 2 0 R >>");
    let kids: Vec<String> = page_ids.iter().map(|id| format!("{id} 0 R")).collect();
    pdf.object(
        2,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .as_bytes(),
    );
    for (id, name) in [(3, "Helvetica"), (4, "Helvetica-Bold"), (5, "Courier")] {
        pdf.object(
            id,
            format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>"
            )
            .as_bytes(),
        );
    }
    let extra = match unicode {
        Some(_) => format!(" /F4 {unicode_font} 0 R"),
        None => String::new(),
    };
    for (page, id) in pages.iter().zip(&page_ids) {
        pdf.object(
            *id,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] \
                 /Resources << /Font << /F1 3 0 R /F2 4 0 R /F3 5 0 R{extra} >> >> /Contents {} 0 R >>",
                id + 1
            )
            .as_bytes(),
        );
        let content = content(page, unicode.as_mut());
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(&content);
        stream.extend_from_slice(b"\nendstream");
        pdf.object(id + 1, &stream);
    }
    let mut dictionary = b"<< /Producer (revshare) /Title ".to_vec();
    dictionary.extend_from_slice(&literal(title));
    dictionary.extend_from_slice(b" >>");
    pdf.object(info, &dictionary);
    if let Some(font) = &unicode {
        for (id, body) in font.objects(unicode_font) {
            pdf.object(id, &body);
        }
    }
    pdf.finish(info)
}

/// Whether the standard fonts show every character of `text`.
fn in_win_ansi(text: &str) -> bool {
    text.chars()
        .all(|c| matches!(c, ' '..='~') || win_ansi(c) != b'?')
}

/// Lines per page, top to bottom; every page has at least one line.
fn paginate(lines: &[Line]) -> Vec<Vec<&Line>> {
    let mut pages = vec![Vec::new()];
    let mut used = 0;
    for line in lines {
        if used + line.height() > PAGE_HEIGHT - 2 * MARGIN && !pages.last().unwrap().is_empty() {
            pages.push(Vec::new());
            used = 0;
        }
        used += line.height();
        pages.last_mut().unwrap().push(line);
    }
    pages
}

/// A page's content stream: each line set at the left margin, going down;
/// in the embedded font where the standard ones cannot show it.
fn content(lines: &[&Line], mut unicode: Option<&mut Embedded>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut y = PAGE_HEIGHT - MARGIN;
    for line in lines {
        y -= line.height();
        if line.text.is_empty() {
            continue;
        }
        let (resource, text) = match unicode.as_deref_mut() {
            Some(font) if !in_win_ansi(&line.text) => ("F4", font.encode(&line.text)),
            _ => (line.font.resource(), literal(&line.text)),
        };
        out.extend_from_slice(
            format!("BT /{resource} {} Tf {MARGIN} {y} Td ", line.size).as_bytes(),
        );
        out.extend_from_slice(&text);
        out.extend_from_slice(b" Tj ET\n");
    }
    out
}

/// A PDF string literal of `text` in WinAnsiEncoding.
fn literal(text: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for c in text.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push(b'\\');
                out.push(c as u8);
            }
            ' '..='~' => out.push(c as u8),
            _ => out.extend_from_slice(format!("\\{:03o}", win_ansi(c)).as_bytes()),
        }
    }
    out.push(b')');
    out
}

/// A character's byte in WinAnsiEncoding (`?` for one it lacks).
fn win_ansi(c: char) -> u8 {
    match c {
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '€' => 0x80,
        '‚' => 0x82,
        '„' => 0x84,
        '…' => 0x85,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '™' => 0x99,
        'Š' => 0x8a,
        'š' => 0x9a,
        'Œ' => 0x8c,
        'œ' => 0x9c,
        'Ž' => 0x8e,
        'ž' => 0x9e,
        'Ÿ' => 0x9f,
        _ => b'?',
    }
}

/// Objects in order, with their offsets for the cross-reference table.
#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    offsets: Vec<(usize, usize)>,
}

impl Writer {
    fn object(&mut self, id: usize, body: &[u8]) {
        self.offsets.push((id, self.out.len()));
        self.out
            .extend_from_slice(format!("{id} 0 obj\n").as_bytes());
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(b"\nendobj\n");
    }

    fn finish(mut self, info: usize) -> Vec<u8> {
        self.offsets.sort();
        let start = self.out.len();
        let size = self.offsets.len() + 1;
        self.out
            .extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f \n").as_bytes());
        for (_, offset) in &self.offsets {
            self.out
                .extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        self.out.extend_from_slice(
            format!(
                "trailer\n<< /Size {size} /Root 1 0 R /Info {info} 0 R >>\nstartxref\n{start}\n%%EOF\n"
            )
            .as_bytes(),
        );
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_wider_than_the_page_is_broken_at_spaces_not_cut() {
        let heading = "PAYER'S name, street address, city or town, state or province, country, ZIP or foreign postal code, and telephone no.";
        let lines = Line::new(Font::Bold, 10, heading).fitted();
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "PAYER'S name, street address, city or town, state or province,",
                "country, ZIP or foreign postal code, and telephone no."
            ]
        );
        // 63 capitals of bold 10-point Helvetica (0.78 em at most) fit in
        // the 495 points between the margins.
        assert!(texts.iter().all(|t| t.chars().count() * 78 / 10 <= 495));
        let short = Line::new(Font::Regular, 10, "Telephone: 555-0100").fitted();
        assert_eq!(short.len(), 1);
    }

    #[test]
    fn text_is_escaped_and_encoded() {
        assert_eq!(literal("a(b)\\c"), b"(a\\(b\\)\\\\c)".to_vec());
        assert_eq!(literal("Müller €5"), b"(M\\374ller \\2005)".to_vec());
        assert_eq!(literal("王"), b"(\\077)".to_vec());
    }

    #[test]
    fn the_cross_reference_table_points_at_each_object() {
        let lines: Vec<Line> = (0..100)
            .map(|i| Line::new(Font::Fixed, 9, format!("line {i}")))
            .collect();
        let pdf = render("Statement", &lines);
        let find = |needle: &[u8], from: usize| {
            pdf[from..]
                .windows(needle.len())
                .position(|w| w == needle)
                .map(|i| i + from)
        };
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(
            find(b"/Count 2", 0).is_some(),
            "100 lines of 13 points take two pages"
        );
        let at = find(b"startxref\n", 0).unwrap() + b"startxref\n".len();
        let end = find(b"\n", at).unwrap();
        let start: usize = std::str::from_utf8(&pdf[at..end]).unwrap().parse().unwrap();
        assert!(pdf[start..].starts_with(b"xref"));
        let table = std::str::from_utf8(&pdf[start..at]).unwrap();
        let entries: Vec<&str> = table.lines().filter(|l| l.ends_with(" n ")).collect();
        assert_eq!(entries.len(), 5 + 2 * 2 + 1);
        for (i, entry) in entries.iter().enumerate() {
            let offset: usize = entry[..10].parse().unwrap();
            assert!(
                pdf[offset..].starts_with(format!("{} 0 obj", i + 1).as_bytes()),
                "{entry}"
            );
        }
    }
}
