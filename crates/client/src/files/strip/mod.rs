//! Taking the metadata out of photos before they leave the device: a youth must not send where
//! he lives by accident (EXIF holds the GPS position, the phone's make and serial, the time).
//!
//! JPEG: every APPn segment and comment goes, except JFIF (APP0), the colour profile (APP2
//! `ICC_PROFILE`) and Adobe's colour transform (APP14), which the picture needs to look right;
//! of the EXIF block only the orientation is kept, in a new minimal EXIF, so a photo taken
//! upright still shows upright. PNG: the text, EXIF and time chunks go. HEIC and AVIF ([`heic`])
//! and WebP ([`webp`]): the EXIF and XMP bytes are overwritten with zeros where they lie, keeping
//! the file's length. All stream: only headers (and HEIC's small `meta` box) are held in
//! memory. Other types pass unchanged ([`strip`] says whether it knew the type).

use std::io::{self, Read, Write};

mod heic;
mod webp;

/// Whether [`strip`] may change the length of a file of this type (HEIC and WebP are cleaned
/// in place: their encrypted size is known before they are read).
pub fn changes_length(mime: &str) -> bool {
    matches!(mime, "image/jpeg" | "image/png")
}

/// Copies `input` to `output` without metadata, for the types above; returns false (and copies
/// unchanged) for other types.
pub fn strip(mime: &str, input: impl Read, output: impl Write) -> io::Result<bool> {
    match mime {
        "image/jpeg" => strip_jpeg(input, output).map(|()| true),
        "image/png" => strip_png(input, output).map(|()| true),
        // AVIF is HEIF too (MIAF): the same boxes, another codec.
        "image/heic" | "image/avif" => heic::strip(input, output).map(|()| true),
        "image/webp" => webp::strip(input, output).map(|()| true),
        _ => {
            let (mut input, mut output) = (input, output);
            io::copy(&mut input, &mut output)?;
            Ok(false)
        }
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the picture is damaged: {what}"),
    )
}

fn u16_be(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

/// The EXIF orientation (1-8) in an APP1 segment's body, if it has one.
fn exif_orientation(body: &[u8]) -> Option<u16> {
    let tiff = body.strip_prefix(b"Exif\0\0")?;
    let little = match tiff.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let read16 = |at: usize| -> Option<u16> {
        let b = tiff.get(at..at + 2)?;
        Some(if little {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let read32 = |at: usize| -> Option<u32> {
        let b = tiff.get(at..at + 4)?;
        let a = [b[0], b[1], b[2], b[3]];
        Some(if little {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    };
    let ifd = read32(4)? as usize;
    let entries = read16(ifd)? as usize;
    for i in 0..entries.min(256) {
        let e = ifd + 2 + 12 * i;
        if read16(e)? == 0x0112 {
            let v = read16(e + 8)?;
            return (1..=8).contains(&v).then_some(v);
        }
    }
    None
}

/// A minimal APP1 EXIF segment holding only the orientation.
fn orientation_segment(v: u16) -> Vec<u8> {
    let mut body = b"Exif\0\0II*\0\x08\0\0\0".to_vec();
    body.extend_from_slice(&1u16.to_le_bytes()); // one entry
    body.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    body.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    body.extend_from_slice(&1u32.to_le_bytes()); // one value
    body.extend_from_slice(&v.to_le_bytes());
    body.extend_from_slice(&[0, 0]);
    body.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    let mut seg = vec![0xff, 0xe1];
    seg.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    seg.extend(body);
    seg
}

fn keep_app(marker: u8, body: &[u8]) -> bool {
    match marker {
        0xe0 | 0xee => true,
        0xe2 => body.starts_with(b"ICC_PROFILE\0"),
        _ => false,
    }
}

fn strip_jpeg(mut input: impl Read, mut output: impl Write) -> io::Result<()> {
    let mut soi = [0u8; 2];
    input.read_exact(&mut soi)?;
    if soi != [0xff, 0xd8] {
        return Err(bad("no JPEG start"));
    }
    output.write_all(&soi)?;
    let mut orientation = None;
    let mut wrote_orientation = false;
    loop {
        let mut m = [0u8; 2];
        input.read_exact(&mut m)?;
        if m[0] != 0xff {
            return Err(bad("a segment without a marker"));
        }
        let marker = m[1];
        if marker == 0xff {
            // Fill byte: the marker follows.
            continue;
        }
        if marker == 0xd9 || (0xd0..=0xd7).contains(&marker) || marker == 0x01 {
            output.write_all(&m)?;
            if marker == 0xd9 {
                return Ok(());
            }
            continue;
        }
        let mut len = [0u8; 2];
        input.read_exact(&mut len)?;
        let n = u16_be(&len) as usize;
        if n < 2 {
            return Err(bad("a segment length below 2"));
        }
        let mut body = vec![0u8; n - 2];
        input.read_exact(&mut body)?;
        let is_app = (0xe0..=0xef).contains(&marker);
        if marker == 0xe1 && orientation.is_none() {
            orientation = exif_orientation(&body);
        }
        if (is_app && !keep_app(marker, &body)) || marker == 0xfe {
            continue;
        }
        // The orientation goes in before the first segment that is not APP0.
        if !wrote_orientation && marker != 0xe0 {
            wrote_orientation = true;
            if let Some(v) = orientation {
                output.write_all(&orientation_segment(v))?;
            }
        }
        output.write_all(&m)?;
        output.write_all(&len)?;
        output.write_all(&body)?;
        if marker == 0xda {
            // Start of scan: the picture data follows; later segments are part of it.
            io::copy(&mut input, &mut output)?;
            return Ok(());
        }
    }
}

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

fn strip_png(mut input: impl Read, mut output: impl Write) -> io::Result<()> {
    let mut sig = [0u8; 8];
    input.read_exact(&mut sig)?;
    if &sig != PNG_SIGNATURE {
        return Err(bad("no PNG signature"));
    }
    output.write_all(&sig)?;
    loop {
        let mut head = [0u8; 8];
        match input.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as u64;
        let kind = &head[4..8];
        let drop = matches!(kind, b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME");
        // Data and CRC, streamed (picture chunks can be large).
        let mut rest = (&mut input).take(len + 4);
        if drop {
            io::copy(&mut rest, &mut io::sink())?;
        } else {
            output.write_all(&head)?;
            let copied = io::copy(&mut rest, &mut output)?;
            if copied != len + 4 {
                return Err(bad("a chunk is cut off"));
            }
        }
        if kind == b"IEND" {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An APP1 EXIF segment with an orientation and a GPS marker text.
    fn exif_app1(orientation: u16, little: bool) -> Vec<u8> {
        let mut tiff = if little {
            b"II*\0\x08\0\0\0".to_vec()
        } else {
            b"MM\0*\0\0\0\x08".to_vec()
        };
        let w16 = |v: u16| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let w32 = |v: u32| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        tiff.extend(w16(2));
        tiff.extend(w16(0x010f)); // Make
        tiff.extend(w16(2));
        tiff.extend(w32(4));
        tiff.extend(b"Sam\0");
        tiff.extend(w16(0x0112));
        tiff.extend(w16(3));
        tiff.extend(w32(1));
        tiff.extend(w16(orientation));
        tiff.extend([0, 0]);
        tiff.extend(w32(0));
        tiff.extend(b"GPS 55.6761N 12.5683E Bagsvaerdvej 12");
        let mut body = b"Exif\0\0".to_vec();
        body.extend(tiff);
        let mut seg = vec![0xff, 0xe1];
        seg.extend(((body.len() + 2) as u16).to_be_bytes());
        seg.extend(body);
        seg
    }

    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let mut s = vec![0xff, marker];
        s.extend(((body.len() + 2) as u16).to_be_bytes());
        s.extend(body);
        s
    }

    fn jpeg(little: bool) -> Vec<u8> {
        let mut j = vec![0xff, 0xd8];
        j.extend(segment(0xe0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        j.extend(exif_app1(6, little));
        j.extend(segment(0xe2, b"ICC_PROFILE\0\x01\x01colours"));
        j.extend(segment(0xed, b"Photoshop 3.0\0IPTC city Gladsaxe"));
        j.extend(segment(0xfe, b"taken at home"));
        j.extend(segment(0xdb, &[0u8; 65]));
        j.extend(segment(0xda, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
        j.extend([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xd9]);
        j
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn jpeg_loses_exif_gps_and_comments_but_keeps_orientation_and_picture() {
        for little in [true, false] {
            let src = jpeg(little);
            let mut out = Vec::new();
            assert!(strip("image/jpeg", &src[..], &mut out).unwrap());
            for gone in [
                &b"GPS"[..],
                b"Bagsvaerdvej",
                b"Sam\0",
                b"Gladsaxe",
                b"taken at home",
            ] {
                assert!(
                    contains(&src, gone) && !contains(&out, gone),
                    "{}",
                    String::from_utf8_lossy(gone)
                );
            }
            for kept in [
                &b"JFIF"[..],
                b"ICC_PROFILE",
                &[0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xd9],
            ] {
                assert!(contains(&out, kept), "{kept:?}");
            }
            let app1 = out
                .windows(2)
                .position(|w| w == [0xff, 0xe1])
                .expect("a new EXIF");
            let n = u16_be(&out[app1 + 2..]) as usize;
            assert_eq!(exif_orientation(&out[app1 + 4..app1 + 2 + n]), Some(6));
            assert!(out.ends_with(&[0xff, 0xd9]));
        }
    }

    #[test]
    fn a_jpeg_without_exif_gets_none() {
        let mut j = vec![0xff, 0xd8];
        j.extend(segment(0xe0, b"JFIF\0"));
        j.extend(segment(0xda, &[1, 2]));
        j.extend([9, 9, 0xff, 0xd9]);
        let mut out = Vec::new();
        strip("image/jpeg", &j[..], &mut out).unwrap();
        assert_eq!(out, j);
    }

    #[test]
    fn damaged_jpegs_are_an_error() {
        for bad in [
            &b"\xff\xd9"[..],
            b"\xff\xd8\x00\x00",
            b"\xff\xd8\xff\xe1\x00\x01",
            b"\xff\xd8\xff\xe1\x00\x10abc",
        ] {
            assert!(strip("image/jpeg", bad, Vec::new()).is_err(), "{bad:?}");
        }
    }

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend(kind);
        c.extend(data);
        c.extend([0xaa, 0xbb, 0xcc, 0xdd]);
        c
    }

    #[test]
    fn png_loses_text_exif_and_time() {
        let mut p = PNG_SIGNATURE.to_vec();
        p.extend(chunk(b"IHDR", &[0; 13]));
        p.extend(chunk(b"tEXt", b"Location\0Bagsvaerdvej 12"));
        p.extend(chunk(b"eXIf", b"MM\0*GPS"));
        p.extend(chunk(b"tIME", &[7; 7]));
        p.extend(chunk(b"iTXt", b"Author\0\0\0\0\0Mikkel"));
        p.extend(chunk(b"IDAT", &[5; 3000]));
        p.extend(chunk(b"IEND", b""));
        let mut out = Vec::new();
        assert!(strip("image/png", &p[..], &mut out).unwrap());
        let mut want = PNG_SIGNATURE.to_vec();
        want.extend(chunk(b"IHDR", &[0; 13]));
        want.extend(chunk(b"IDAT", &[5; 3000]));
        want.extend(chunk(b"IEND", b""));
        assert_eq!(out, want);
        let cut = &p[..p.len() - 20];
        assert!(strip("image/png", cut, Vec::new()).is_err());
    }

    #[test]
    fn other_types_pass_unchanged() {
        let mut out = Vec::new();
        assert!(!strip("application/pdf", &b"%PDF-1.7 GPS"[..], &mut out).unwrap());
        assert_eq!(out, b"%PDF-1.7 GPS");
    }
}
