//! The font a statement sets a line in when the standard fonts cannot show
//! it (a partner named Иван Петров, 山田太郎, Ελληνικά, Łukasz): WenQuanYi
//! Micro Hei, vendored by `scripts/vendor-font.sh` with its licence
//! (`assets/fonts/`), embedded in the binary. A PDF carries only the glyphs
//! it uses (a subset, a few KiB, where the whole face is megabytes), as a
//! Type 0 font with `Identity-H` encoding, the subset's glyph ids as CIDs,
//! its widths, and a `ToUnicode` map so that text copied or extracted from
//! the PDF is the text written.

use std::collections::BTreeMap;
use std::fmt::Write;

/// The face, as vendored (a TrueType collection; its first face).
static FACE: &[u8] = include_bytes!("../../../../assets/fonts/wqy-microhei.ttc");
/// The name a subset goes by: six capitals, a `+`, the face's name.
const NAME: &str = "RVSHRE+WenQuanYiMicroHei";

/// The glyphs a document used, as the subset numbers them.
pub struct Embedded {
    face: ttf_parser::Face<'static>,
    remapper: subsetter::GlyphRemapper,
    /// Each subset glyph's text (for `ToUnicode`) and advance (1/1000 em).
    used: BTreeMap<u16, (char, i64)>,
}

impl Embedded {
    pub fn new() -> Option<Embedded> {
        let face = ttf_parser::Face::parse(FACE, 0).ok()?;
        Some(Embedded {
            face,
            remapper: subsetter::GlyphRemapper::new(),
            used: BTreeMap::new(),
        })
    }

    /// Whether the face shows `c` (else it is written as `?`).
    #[cfg(test)]
    pub fn has(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some()
    }

    /// `text` as a hex string of subset glyph ids (`<0001 0002>`), each
    /// glyph noted for the subset, its width and its text.
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = String::from("<");
        for c in text.chars() {
            let (c, glyph) = match self.face.glyph_index(c) {
                Some(glyph) => (c, glyph),
                None => ('?', self.face.glyph_index('?').unwrap_or_default()),
            };
            let cid = self.remapper.remap(glyph.0);
            let advance = i64::from(self.face.glyph_hor_advance(glyph).unwrap_or(0));
            let em = i64::from(self.face.units_per_em()).max(1);
            self.used.entry(cid).or_insert((c, advance * 1000 / em));
            let _ = write!(out, "{cid:04X}");
        }
        out.push('>');
        out.into_bytes()
    }

    /// The font's objects, numbered from `first`: the Type 0 font (whose
    /// id is `first`), its CID font, descriptor, subset file and
    /// `ToUnicode` map.
    pub fn objects(&self, first: usize) -> Vec<(usize, Vec<u8>)> {
        let (cid_font, descriptor, file, to_unicode) = (first + 1, first + 2, first + 3, first + 4);
        let subset = subsetter::subset(FACE, 0, &self.remapper).unwrap_or_default();
        let scale = |v: i16| i64::from(v) * 1000 / i64::from(self.face.units_per_em()).max(1);
        let bbox = self.face.global_bounding_box();
        let widths: Vec<String> = self
            .used
            .iter()
            .map(|(cid, (_, width))| format!("{cid} [{width}]"))
            .collect();
        let mut font_file = format!(
            "<< /Length {len} /Length1 {len} >>\nstream\n",
            len = subset.len()
        )
        .into_bytes();
        font_file.extend_from_slice(&subset);
        font_file.extend_from_slice(b"\nendstream");
        let cmap = self.to_unicode();
        let mut cmap_stream = format!("<< /Length {} >>\nstream\n", cmap.len()).into_bytes();
        cmap_stream.extend_from_slice(cmap.as_bytes());
        cmap_stream.extend_from_slice(b"\nendstream");
        vec![
            (
                first,
                format!(
                    "<< /Type /Font /Subtype /Type0 /BaseFont /{NAME} /Encoding /Identity-H \
                     /DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>"
                )
                .into_bytes(),
            ),
            (
                cid_font,
                format!(
                    "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{NAME} \
                     /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
                     /FontDescriptor {descriptor} 0 R /CIDToGIDMap /Identity /DW 1000 /W [{}] >>",
                    widths.join(" ")
                )
                .into_bytes(),
            ),
            (
                descriptor,
                format!(
                    "<< /Type /FontDescriptor /FontName /{NAME} /Flags 4 \
                     /FontBBox [{} {} {} {}] /ItalicAngle 0 /Ascent {} /Descent {} \
                     /CapHeight {} /StemV 80 /FontFile2 {file} 0 R >>",
                    scale(bbox.x_min),
                    scale(bbox.y_min),
                    scale(bbox.x_max),
                    scale(bbox.y_max),
                    scale(self.face.ascender()),
                    scale(self.face.descender()),
                    scale(self.face.capital_height().unwrap_or(self.face.ascender())),
                )
                .into_bytes(),
            ),
            (file, font_file),
            (to_unicode, cmap_stream),
        ]
    }

    /// The `ToUnicode` CMap: each subset glyph's text, in UTF-16BE.
    fn to_unicode(&self) -> String {
        let mut cmap = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<(&u16, &(char, i64))> = self.used.iter().collect();
        // At most 100 mappings a block, as the CMap format has it.
        for block in entries.chunks(100) {
            let _ = writeln!(cmap, "{} beginbfchar", block.len());
            for (cid, (c, _)) in block {
                let mut units = [0u16; 2];
                let text: String = c
                    .encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("{u:04X}"))
                    .collect();
                let _ = writeln!(cmap, "<{cid:04X}> <{text}>");
            }
            cmap.push_str("endbfchar\n");
        }
        cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend");
        cmap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_face_shows_the_scripts_partners_are_named_in() {
        let font = Embedded::new().expect("the vendored face parses");
        for text in [
            "Иван Петров",
            "山田太郎",
            "Ελληνικά",
            "Łukasz Żółć",
            "Müller",
        ] {
            for c in text.chars() {
                assert!(font.has(c), "{c:?} of {text}");
            }
        }
    }

    #[test]
    fn a_subset_carries_only_the_glyphs_used() {
        let mut font = Embedded::new().unwrap();
        let first = font.encode("山田");
        let again = font.encode("田山");
        assert_eq!(first, b"<00010002>".to_vec());
        assert_eq!(again, b"<00020001>".to_vec());
        let objects = font.objects(10);
        assert_eq!(
            objects.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            [10, 11, 12, 13, 14]
        );
        let file = &objects[3].1;
        // The whole face is 5 MB; two glyphs and .notdef are a few KiB.
        assert!(file.len() < 20_000, "{}", file.len());
        let cmap = String::from_utf8_lossy(&objects[4].1);
        assert!(
            cmap.contains("<0001> <5C71>") && cmap.contains("<0002> <7530>"),
            "{cmap}"
        );
    }
}
