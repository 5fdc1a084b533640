//! WebP without its metadata. A WebP file is a RIFF container of chunks; the position and the
//! camera are in its `EXIF` and `XMP ` chunks (usually after the picture). Each of them is
//! turned into a `JUNK` chunk of zeros of the same size, which every reader skips, and the
//! extended header's flags stop announcing them. The file keeps its length, so it streams: only
//! one chunk header is held at a time.

use std::io::{self, Read, Write};

use super::bad;

/// Flags of the `VP8X` header that announce metadata.
const EXIF_FLAG: u8 = 0x08;
const XMP_FLAG: u8 = 0x04;

pub(super) fn strip(mut input: impl Read, mut output: impl Write) -> io::Result<()> {
    let mut head = [0u8; 12];
    input.read_exact(&mut head)?;
    if &head[0..4] != b"RIFF" || &head[8..12] != b"WEBP" {
        return Err(bad("no WebP header"));
    }
    output.write_all(&head)?;
    loop {
        let mut chunk = [0u8; 8];
        match input.read_exact(&mut chunk) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let size = u64::from(u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]));
        // A chunk of odd size is followed by one byte of padding.
        let padded = size + (size & 1);
        match &chunk[0..4] {
            b"EXIF" | b"XMP " => {
                output.write_all(b"JUNK")?;
                output.write_all(&chunk[4..8])?;
                let skipped = io::copy(&mut (&mut input).take(padded), &mut io::sink())?;
                if skipped != padded {
                    return Err(bad("a chunk is cut off"));
                }
                io::copy(&mut io::repeat(0).take(padded), &mut output)?;
            }
            b"VP8X" => {
                if size != 10 {
                    return Err(bad("an extended header of the wrong size"));
                }
                let mut body = [0u8; 10];
                input.read_exact(&mut body)?;
                body[0] &= !(EXIF_FLAG | XMP_FLAG);
                output.write_all(&chunk)?;
                output.write_all(&body)?;
            }
            _ => {
                output.write_all(&chunk)?;
                let copied = io::copy(&mut (&mut input).take(padded), &mut output)?;
                if copied != padded {
                    return Err(bad("a chunk is cut off"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut c = kind.to_vec();
        c.extend_from_slice(&(body.len() as u32).to_le_bytes());
        c.extend_from_slice(body);
        if body.len() % 2 == 1 {
            c.push(0);
        }
        c
    }

    /// A phone's WebP: extended header announcing EXIF and XMP, the picture, then EXIF (odd
    /// size, padded) and XMP with the position.
    fn photo() -> Vec<u8> {
        let mut body = Vec::new();
        body.extend(chunk(b"VP8X", &[0x2c, 0, 0, 0, 9, 0, 0, 9, 0, 0]));
        body.extend(chunk(b"ICCP", b"colour profile"));
        body.extend(chunk(b"VP8 ", &(1..=200).collect::<Vec<u8>>()));
        body.extend(chunk(b"EXIF", b"II*\0 GPSLatitude 55.7618N iPhone 15"));
        body.extend(chunk(
            b"XMP ",
            b"<x:xmpmeta>exif:GPSLongitude 12.4538E</x:xmpmeta>",
        ));
        let mut f = b"RIFF".to_vec();
        f.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
        f.extend_from_slice(b"WEBP");
        f.extend(body);
        f
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn the_position_goes_and_the_picture_stays() {
        let before = photo();
        let mut after = Vec::new();
        strip(&before[..], &mut after).unwrap();
        assert_eq!(after.len(), before.len(), "the same length");
        for gone in [&b"GPS"[..], b"iPhone", b"EXIF", b"XMP "] {
            assert!(!contains(&after, gone), "{}", String::from_utf8_lossy(gone));
        }
        assert!(
            contains(&after, &(1..=200).collect::<Vec<u8>>()),
            "the picture"
        );
        assert!(contains(&after, b"colour profile"), "the colour profile");
        // The header no longer announces EXIF and XMP; the colour profile flag stays.
        let flags = after[20];
        assert_eq!(flags & (EXIF_FLAG | XMP_FLAG), 0);
        assert_eq!(flags & 0x20, 0x20);
    }

    #[test]
    fn a_cut_off_or_foreign_file_is_an_error() {
        let whole = photo();
        let mut out = Vec::new();
        assert!(strip(&whole[..whole.len() - 5], &mut out).is_err());
        let mut out = Vec::new();
        assert!(strip(&b"RIFF\0\0\0\0WAVEfmt "[..], &mut out).is_err());
    }
}
