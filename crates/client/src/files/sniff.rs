//! What a file is, from its first bytes, never from its name: the type the message names, and
//! the programs that are refused both when sending and when opening (a renamed `.exe` is still
//! a program). Pure; table-tested below.

/// How many leading bytes [`sniff`] looks at.
pub const HEAD: usize = 8 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// A type Samtale carries, with its MIME type.
    Known(&'static str),
    /// A program or script: refused, with what kind it is (for the error).
    Program(&'static str),
}

fn starts(head: &[u8], magic: &[u8]) -> bool {
    head.starts_with(magic)
}

/// The type of a file that begins with `head` (up to [`HEAD`] bytes).
pub fn sniff(head: &[u8]) -> Sniffed {
    use Sniffed::{Known, Program};
    const PROGRAMS: &[(&[u8], &str)] = &[
        (b"\x7fELF", "a Linux program"),
        (b"MZ", "a Windows program"),
        (b"\xfe\xed\xfa\xce", "a macOS program"),
        (b"\xfe\xed\xfa\xcf", "a macOS program"),
        (b"\xce\xfa\xed\xfe", "a macOS program"),
        (b"\xcf\xfa\xed\xfe", "a macOS program"),
        (b"\xca\xfe\xba\xbe", "a macOS or Java program"),
        (b"#!", "a script"),
        (b"\x00asm", "a WebAssembly program"),
        (b"L\x00\x00\x00\x01\x14\x02\x00", "a Windows shortcut"),
        (b"dex\n", "an Android program"),
    ];
    for (magic, what) in PROGRAMS {
        if starts(head, magic) {
            return Program(what);
        }
    }
    if starts(head, b"%PDF-") {
        return Known("application/pdf");
    }
    if starts(head, b"\xff\xd8\xff") {
        return Known("image/jpeg");
    }
    if starts(head, b"\x89PNG\r\n\x1a\n") {
        return Known("image/png");
    }
    if starts(head, b"GIF87a") || starts(head, b"GIF89a") {
        return Known("image/gif");
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Known("image/webp");
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return match &head[8..12] {
            b"heic" | b"heix" | b"mif1" | b"msf1" | b"hevc" => Known("image/heic"),
            b"avif" | b"avis" => Known("image/avif"),
            b"qt  " => Known("video/quicktime"),
            _ => Known("video/mp4"),
        };
    }
    if starts(head, b"PK\x03\x04") {
        // Office documents (docx, xlsx, odt) are zip files; an Android app (apk) or Java
        // archive is too, and names its manifest among the first entries.
        let window = &head[..head.len().min(HEAD)];
        let has = |needle: &[u8]| window.windows(needle.len()).any(|w| w == needle);
        if has(b"AndroidManifest.xml") || has(b"classes.dex") || has(b"META-INF/MANIFEST.MF") {
            return Program("an Android or Java program");
        }
        if has(b"word/") {
            return Known(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            );
        }
        if has(b"xl/") {
            return Known("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        }
        if has(b"ppt/") {
            return Known(
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            );
        }
        return Known("application/zip");
    }
    if starts(head, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        // Older Word/Excel files; Windows installers (msi) share the format and are told
        // apart by the installer's stream names near the start.
        let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
        if has(b"\x40\x48\x3f\x3b\xf2\x43") {
            return Program("a Windows installer");
        }
        return Known("application/x-ole-storage");
    }
    if starts(head, b"ID3") || (head.len() > 1 && head[0] == 0xff && head[1] & 0xe0 == 0xe0) {
        return Known("audio/mpeg");
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        return Known("audio/wav");
    }
    if starts(head, b"OggS") {
        return Known("audio/ogg");
    }
    if text(head) {
        return Known("text/plain");
    }
    Known("application/octet-stream")
}

/// UTF-8 without NUL bytes (a cut at the end of `head` allowed).
fn text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

/// Whether the type is an image the app can show (and the sender makes a thumbnail of).
pub fn is_image(mime: &str) -> bool {
    matches!(
        mime,
        "image/jpeg" | "image/png" | "image/gif" | "image/webp"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_content() {
        let cases: &[(&[u8], Sniffed)] = &[
            (b"%PDF-1.7\n", Sniffed::Known("application/pdf")),
            (
                b"\xff\xd8\xff\xe0\x00\x10JFIF",
                Sniffed::Known("image/jpeg"),
            ),
            (
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
                Sniffed::Known("image/png"),
            ),
            (b"GIF89a..", Sniffed::Known("image/gif")),
            (b"RIFF\0\0\0\0WEBPVP8 ", Sniffed::Known("image/webp")),
            (b"\0\0\0\x18ftypheic\0\0\0\0", Sniffed::Known("image/heic")),
            (b"\0\0\0\x1cftypavif\0\0\0\0", Sniffed::Known("image/avif")),
            (b"\0\0\0\x18ftypisom\0\0\0\0", Sniffed::Known("video/mp4")),
            (
                b"PK\x03\x04....[Content_Types].xml....word/document.xml",
                Sniffed::Known(
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ),
            ),
            (
                b"PK\x03\x04....xl/workbook.xml",
                Sniffed::Known("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ),
            (
                b"PK\x03\x04....notes.txt",
                Sniffed::Known("application/zip"),
            ),
            (
                "Hej Sara, her er min plan 🙂 æøå".as_bytes(),
                Sniffed::Known("text/plain"),
            ),
            (
                b"\x01\x02\x00\x03binary",
                Sniffed::Known("application/octet-stream"),
            ),
            (b"", Sniffed::Known("text/plain")),
        ];
        for (head, want) in cases {
            assert_eq!(sniff(head), *want, "{:?}", String::from_utf8_lossy(head));
        }
        // Text cut in the middle of a character is still text.
        let cut = "æøå".as_bytes();
        assert_eq!(sniff(&cut[..5]), Sniffed::Known("text/plain"));
    }

    #[test]
    fn programs_are_found_whatever_their_name() {
        for head in [
            &b"\x7fELF\x02\x01\x01"[..],
            b"MZ\x90\x00\x03",
            b"\xcf\xfa\xed\xfe\x07",
            b"\xca\xfe\xba\xbe\0\0",
            b"#!/bin/sh\nrm -rf ~",
            b"\x00asm\x01\0\0\0",
            b"L\x00\x00\x00\x01\x14\x02\x00\0\0",
            b"PK\x03\x04....AndroidManifest.xml",
            b"PK\x03\x04....META-INF/MANIFEST.MF",
            b"dex\n035\0",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....\x40\x48\x3f\x3b\xf2\x43",
        ] {
            assert!(
                matches!(sniff(head), Sniffed::Program(_)),
                "{:?}",
                String::from_utf8_lossy(head)
            );
        }
    }
}
