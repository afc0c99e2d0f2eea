//! A link's QR code, PNG or SVG: the short URL with `?qr=1`, so that a
//! scan is told from a click. The modules come from the `qrcode` crate;
//! the pictures are drawn here (a PNG of two colours, an SVG of one path).

use crate::error::{ApiError, ApiResult};
use std::io::Write;

/// How a QR code is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    /// Pixels across (and down), 100 to 2,000.
    pub size: u32,
    pub level: qrcode::EcLevel,
    /// `rrggbb`.
    pub fg: [u8; 3],
    pub bg: [u8; 3],
    /// Light modules around the code (the quiet zone), 0 to 16.
    pub margin: u32,
}

impl Default for Look {
    fn default() -> Look {
        Look {
            size: 600,
            level: qrcode::EcLevel::M,
            fg: [0, 0, 0],
            bg: [255, 255, 255],
            margin: 2,
        }
    }
}

impl Look {
    /// Reads `size`, `level`, `fg`, `bg` and `margin` from a query, each
    /// error naming its parameter.
    pub fn parse(query: &std::collections::HashMap<String, String>) -> ApiResult<Look> {
        let mut look = Look::default();
        if let Some(size) = query.get("size") {
            look.size = size
                .parse()
                .ok()
                .filter(|s| (100..=2000).contains(s))
                .ok_or_else(|| ApiError::bad_input("size", "must be 100 to 2000 pixels"))?;
        }
        if let Some(level) = query.get("level") {
            look.level = match level.to_ascii_uppercase().as_str() {
                "L" => qrcode::EcLevel::L,
                "M" => qrcode::EcLevel::M,
                "Q" => qrcode::EcLevel::Q,
                "H" => qrcode::EcLevel::H,
                _ => return Err(ApiError::bad_input("level", "must be L, M, Q or H")),
            };
        }
        if let Some(fg) = query.get("fg") {
            look.fg = colour("fg", fg)?;
        }
        if let Some(bg) = query.get("bg") {
            look.bg = colour("bg", bg)?;
        }
        if let Some(margin) = query.get("margin") {
            look.margin = margin
                .parse()
                .ok()
                .filter(|m| *m <= 16)
                .ok_or_else(|| ApiError::bad_input("margin", "must be 0 to 16 modules"))?;
        }
        Ok(look)
    }
}

fn colour(field: &str, given: &str) -> ApiResult<[u8; 3]> {
    let hex = given.trim().trim_start_matches('#');
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    match (hex.len(), byte(0), byte(2), byte(4)) {
        (6, Some(r), Some(g), Some(b)) => Ok([r, g, b]),
        _ => Err(ApiError::bad_input(field, "must be a colour as rrggbb")),
    }
}

/// The code's modules with the quiet zone: `true` is dark.
struct Modules {
    across: usize,
    dark: Vec<bool>,
}

fn modules(text: &str, look: &Look) -> ApiResult<Modules> {
    let code = qrcode::QrCode::with_error_correction_level(text, look.level)
        .map_err(|_| ApiError::bad_input("level", "the link is too long for a QR code"))?;
    let width = code.width();
    let margin = look.margin as usize;
    let across = width + 2 * margin;
    let colours = code.to_colors();
    let mut dark = vec![false; across * across];
    for y in 0..width {
        for x in 0..width {
            dark[(y + margin) * across + x + margin] =
                colours[y * width + x] == qrcode::Color::Dark;
        }
    }
    Ok(Modules { across, dark })
}

/// A PNG of `look.size` pixels square: two colours, one bit a pixel.
pub fn png(text: &str, look: &Look) -> ApiResult<Vec<u8>> {
    let modules = modules(text, look)?;
    let size = look.size as usize;
    let module_at = |pixel: usize| pixel * modules.across / size;
    let row_bytes = size.div_ceil(8);
    let mut raw = Vec::with_capacity((row_bytes + 1) * size);
    for y in 0..size {
        raw.push(0); // no filter
        let my = module_at(y);
        let mut byte = 0u8;
        for x in 0..size {
            if modules.dark[my * modules.across + module_at(x)] {
                byte |= 0x80 >> (x % 8);
            }
            if x % 8 == 7 || x == size - 1 {
                raw.push(byte);
                byte = 0;
            }
        }
    }
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    zlib.write_all(&raw)
        .and_then(|_| zlib.finish())
        .map_err(|e| ApiError::internal("qr png", e))
        .map(|idat| {
            let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
            let mut header = Vec::with_capacity(13);
            header.extend_from_slice(&look.size.to_be_bytes());
            header.extend_from_slice(&look.size.to_be_bytes());
            // Bit depth 1, a palette, no interlace.
            header.extend_from_slice(&[1, 3, 0, 0, 0]);
            chunk(&mut png, b"IHDR", &header);
            let palette: Vec<u8> = look.bg.iter().chain(look.fg.iter()).copied().collect();
            chunk(&mut png, b"PLTE", &palette);
            chunk(&mut png, b"IDAT", &idat);
            chunk(&mut png, b"IEND", &[]);
            png
        })
}

fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    png.extend_from_slice(&crc.sum().to_be_bytes());
}

/// An SVG of `look.size` pixels square: the background and one path of
/// the dark modules.
pub fn svg(text: &str, look: &Look) -> ApiResult<String> {
    let modules = modules(text, look)?;
    let hex = |c: [u8; 3]| format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
    let n = modules.across;
    let mut path = String::new();
    for y in 0..n {
        for x in 0..n {
            if modules.dark[y * n + x] {
                path.push_str(&format!("M{x} {y}h1v1h-1z"));
            }
        }
    }
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size}\" height=\"{size}\" \
         viewBox=\"0 0 {n} {n}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{n}\" height=\"{n}\" fill=\"{bg}\"/>\
         <path fill=\"{fg}\" d=\"{path}\"/></svg>\n",
        size = look.size,
        bg = hex(look.bg),
        fg = hex(look.fg),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_look_is_read_from_the_query_and_each_bad_parameter_named() {
        let query = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let look = Look::parse(&query(&[
            ("size", "300"),
            ("level", "h"),
            ("fg", "1a73e8"),
            ("bg", "#FFFFFF"),
            ("margin", "0"),
        ]))
        .unwrap();
        assert_eq!(look.size, 300);
        assert_eq!(look.level, qrcode::EcLevel::H);
        assert_eq!(look.fg, [0x1a, 0x73, 0xe8]);
        assert_eq!(look.margin, 0);
        for (name, value) in [
            ("size", "99"),
            ("size", "2001"),
            ("level", "X"),
            ("fg", "12345"),
            ("bg", "zzzzzz"),
            ("margin", "17"),
        ] {
            let err = Look::parse(&query(&[(name, value)])).unwrap_err();
            assert!(
                format!("{err:?}").contains(&format!("\"{name}\"")),
                "{name}={value}"
            );
        }
    }

    #[test]
    fn a_png_is_the_size_asked_with_its_two_colours() {
        let look = Look {
            size: 123,
            ..Look::default()
        };
        let png = png("https://go.acme.example/jane?qr=1", &look).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[16..24], &[0, 0, 0, 123, 0, 0, 0, 123]);
        let svg = svg("https://go.acme.example/jane?qr=1", &look).unwrap();
        assert!(svg.contains("width=\"123\""));
        assert!(svg.contains("fill=\"#000000\""));
    }
}
