//! HEIC and AVIF (and other HEIF/ISOBMFF pictures) without their metadata. An iPhone's photo is a
//! series of boxes: `ftyp`, then `meta`, which lists the items (the picture's tiles, an `Exif`
//! item, perhaps XMP as a `mime` item) and where each item's bytes lie (`iloc`), then `mdat`
//! with those bytes. The `meta` box is small and read whole; the bytes of the `Exif` and XMP
//! items are then overwritten with zeros where they lie, in `mdat` as the file streams past or
//! in `meta`'s own `idat`. Offsets and lengths stay as they are, so the file keeps its length
//! and every reader still opens it; the orientation of a HEIF picture is a property of the
//! image (`irot`/`imir`), not of its EXIF, so it still shows upright.
//!
//! A file whose metadata lies before its `meta` box, or whose `meta` is larger than 16 MiB, is
//! refused rather than sent with its position.

use std::io::{self, Read, Write};
use std::ops::Range;

use super::bad;

/// Largest `meta` box read into memory.
const MAX_META: u64 = 16 << 20;

/// A box's header: its type, and the length of its body (None: to the end of the file).
struct Header {
    kind: [u8; 4],
    header_len: u64,
    body_len: Option<u64>,
}

fn header_of(input: &mut impl Read) -> io::Result<Option<Header>> {
    let mut h = [0u8; 8];
    match input.read_exact(&mut h) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let size = u64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]]));
    let kind = [h[4], h[5], h[6], h[7]];
    let (header_len, total) = match size {
        0 => {
            return Ok(Some(Header {
                kind,
                header_len: 8,
                body_len: None,
            }));
        }
        1 => {
            let mut large = [0u8; 8];
            input.read_exact(&mut large)?;
            (16, u64::from_be_bytes(large))
        }
        n => (8, n),
    };
    let body_len = total
        .checked_sub(header_len)
        .ok_or_else(|| bad("a box smaller than its header"))?;
    Ok(Some(Header {
        kind,
        header_len,
        body_len: Some(body_len),
    }))
}

fn write_header(output: &mut impl Write, h: &Header) -> io::Result<()> {
    match (h.header_len, h.body_len) {
        (_, None) => output.write_all(&[0, 0, 0, 0])?,
        (16, Some(b)) => {
            output.write_all(&1u32.to_be_bytes())?;
            output.write_all(&h.kind)?;
            return output.write_all(&(b + 16).to_be_bytes());
        }
        (_, Some(b)) => {
            let total = u32::try_from(b + 8).map_err(|_| bad("a box too large for its header"))?;
            output.write_all(&total.to_be_bytes())?;
        }
    }
    output.write_all(&h.kind)
}

pub(super) fn strip(mut input: impl Read, mut output: impl Write) -> io::Result<()> {
    // Ranges of the file (from its first byte) to write as zeros.
    let mut wipe: Vec<Range<u64>> = Vec::new();
    let mut pos = 0u64;
    let mut first = true;
    while let Some(h) = header_of(&mut input)? {
        if first && &h.kind != b"ftyp" {
            return Err(bad("no ftyp box at the start"));
        }
        first = false;
        write_header(&mut output, &h)?;
        pos += h.header_len;
        if &h.kind == b"meta" {
            let len = h.body_len.ok_or_else(|| bad("a meta box without an end"))?;
            if len > MAX_META {
                return Err(bad("a meta box over 16 MiB"));
            }
            let mut body = vec![0u8; usize::try_from(len).map_err(|_| bad("meta"))?];
            input.read_exact(&mut body)?;
            let found = metadata_items(&body)?;
            for r in found.in_meta {
                body[r].fill(0);
            }
            if found.in_file.iter().any(|r| r.start < pos + len) {
                return Err(bad("metadata before the meta box ends"));
            }
            wipe.extend(found.in_file);
            output.write_all(&body)?;
            pos += len;
            continue;
        }
        // Stream the body, zeroing what lies in a range to wipe.
        let mut left = h.body_len;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let want = left.map_or(buf.len() as u64, |l| l.min(buf.len() as u64)) as usize;
            if want == 0 {
                break;
            }
            let n = input.read(&mut buf[..want])?;
            if n == 0 {
                if left.is_some() {
                    return Err(bad("a box is cut off"));
                }
                break;
            }
            let here = pos..pos + n as u64;
            for r in &wipe {
                let (from, to) = (r.start.max(here.start), r.end.min(here.end));
                if from < to {
                    buf[(from - pos) as usize..(to - pos) as usize].fill(0);
                }
            }
            output.write_all(&buf[..n])?;
            pos += n as u64;
            if let Some(l) = left.as_mut() {
                *l -= n as u64;
            }
        }
    }
    if wipe.iter().any(|r| r.end > pos) {
        return Err(bad("metadata past the end of the file"));
    }
    Ok(())
}

/// Where the metadata items' bytes lie: in the file (absolute), or in the meta box's body.
#[derive(Debug, Default)]
struct Found {
    in_file: Vec<Range<u64>>,
    in_meta: Vec<Range<usize>>,
}

/// A reader over a byte slice for box parsing; every read is bounds-checked.
struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.b.len());
        let end = end.ok_or_else(|| bad("a box is cut off"))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn uint(&mut self, bytes: usize) -> io::Result<u64> {
        Ok(self
            .take(bytes)?
            .iter()
            .fold(0u64, |n, b| (n << 8) | u64::from(*b)))
    }

    fn cstr(&mut self) -> io::Result<&'a [u8]> {
        let rest = &self.b[self.at..];
        let n = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
        let s = &rest[..n];
        self.at += (n + 1).min(rest.len());
        Ok(s)
    }
}

/// The child boxes of a box body: (type, body range within `b`).
fn children(b: &[u8]) -> io::Result<Vec<([u8; 4], Range<usize>)>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < b.len() {
        let mut c = Cursor { b, at };
        let size = c.uint(4)?;
        let kind: [u8; 4] = c.take(4)?.try_into().map_err(|_| bad("box type"))?;
        let total = match size {
            0 => (b.len() - at) as u64,
            1 => c.uint(8)?,
            n => n,
        };
        let body_len = total
            .checked_sub((c.at - at) as u64)
            .ok_or_else(|| bad("a box smaller than its header"))?;
        let start = c.at;
        c.take(usize::try_from(body_len).map_err(|_| bad("box size"))?)?;
        out.push((kind, start..c.at));
        at = c.at;
    }
    Ok(out)
}

/// The items of a `meta` box (given its body) that hold EXIF or XMP, and where their bytes lie.
fn metadata_items(meta: &[u8]) -> io::Result<Found> {
    // meta is a full box: version and flags first.
    let inner = meta.get(4..).ok_or_else(|| bad("meta is cut off"))?;
    let boxes = children(inner)?;
    let body = |kind: &[u8; 4]| {
        boxes
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, r)| r.clone())
    };
    let Some(iinf) = body(b"iinf") else {
        return Ok(Found::default());
    };
    let wanted = metadata_ids(&inner[iinf])?;
    if wanted.is_empty() {
        return Ok(Found::default());
    }
    let iloc = body(b"iloc").ok_or_else(|| bad("items without locations"))?;
    let idat = body(b"idat");
    let mut found = Found::default();
    for (item, method, ranges) in locations(&inner[iloc.clone()])? {
        if !wanted.contains(&item) {
            continue;
        }
        for (offset, length) in ranges {
            if length == 0 {
                return Err(bad("a metadata item without a length"));
            }
            let end = offset
                .checked_add(length)
                .ok_or_else(|| bad("item location"))?;
            match method {
                0 => found.in_file.push(offset..end),
                1 => {
                    let idat = idat
                        .clone()
                        .ok_or_else(|| bad("an item in a missing idat"))?;
                    // Within meta's body: 4 bytes of version and flags, then idat's body.
                    let from = 4 + idat.start + usize::try_from(offset).map_err(|_| bad("idat"))?;
                    let to = 4 + idat.start + usize::try_from(end).map_err(|_| bad("idat"))?;
                    if to > 4 + idat.end {
                        return Err(bad("an item past the end of idat"));
                    }
                    found.in_meta.push(from..to);
                }
                _ => return Err(bad("an item built in a way this app does not clean")),
            }
        }
    }
    Ok(found)
}

/// The ids of the items that are EXIF, or XMP (`mime` items of type application/rdf+xml).
fn metadata_ids(iinf: &[u8]) -> io::Result<Vec<u32>> {
    let mut c = Cursor { b: iinf, at: 0 };
    let version = c.uint(1)?;
    c.take(3)?;
    let _count = if version == 0 { c.uint(2)? } else { c.uint(4)? };
    let mut ids = Vec::new();
    for (kind, r) in children(&iinf[c.at..])? {
        if &kind != b"infe" {
            continue;
        }
        let body = &iinf[c.at + r.start..c.at + r.end];
        let mut e = Cursor { b: body, at: 0 };
        let v = e.uint(1)?;
        e.take(3)?;
        if v < 2 {
            // Older entries name no item type; HEIC writes version 2 or 3.
            continue;
        }
        let id = if v == 2 { e.uint(2)? } else { e.uint(4)? };
        e.uint(2)?; // protection index
        let item_type = e.take(4)?;
        e.cstr()?; // name
        let xmp = item_type == b"mime" && {
            let content = e.cstr()?;
            content.windows(7).any(|w| w == b"rdf+xml")
        };
        if item_type == b"Exif" || xmp {
            ids.push(u32::try_from(id).map_err(|_| bad("item id"))?);
        }
    }
    Ok(ids)
}

/// Each item's id, construction method and extents (offset, length), from an `iloc` box.
#[allow(clippy::type_complexity)]
fn locations(iloc: &[u8]) -> io::Result<Vec<(u32, u64, Vec<(u64, u64)>)>> {
    let mut c = Cursor { b: iloc, at: 0 };
    let version = c.uint(1)?;
    c.take(3)?;
    let sizes = c.uint(1)?;
    let (offset_size, length_size) = ((sizes >> 4) as usize, (sizes & 15) as usize);
    let more = c.uint(1)?;
    let base_size = (more >> 4) as usize;
    let index_size = if version >= 1 {
        (more & 15) as usize
    } else {
        0
    };
    for s in [offset_size, length_size, base_size, index_size] {
        if !matches!(s, 0 | 4 | 8) {
            return Err(bad("item locations of an unknown size"));
        }
    }
    let count = if version < 2 { c.uint(2)? } else { c.uint(4)? };
    let mut out = Vec::new();
    for _ in 0..count {
        let id = if version < 2 { c.uint(2)? } else { c.uint(4)? };
        let method = if version >= 1 { c.uint(2)? & 15 } else { 0 };
        c.uint(2)?; // data reference index
        let base = c.uint(base_size)?;
        let extents = c.uint(2)?;
        let mut ranges = Vec::new();
        for _ in 0..extents {
            c.uint(index_size)?;
            let offset = c.uint(offset_size)?;
            let length = c.uint(length_size)?;
            let at = base
                .checked_add(offset)
                .ok_or_else(|| bad("item location"))?;
            ranges.push((at, length));
        }
        out.push((
            u32::try_from(id).map_err(|_| bad("item id"))?,
            method,
            ranges,
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = (body.len() as u32 + 8).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }

    fn full(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
        let mut b = vec![version, 0, 0, 0];
        b.extend_from_slice(body);
        bx(kind, &b)
    }

    fn infe(id: u16, kind: &[u8; 4], content: Option<&str>) -> Vec<u8> {
        let mut b = id.to_be_bytes().to_vec();
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(kind);
        b.push(0); // no name
        if let Some(c) = content {
            b.extend_from_slice(c.as_bytes());
            b.push(0);
        }
        full(b"infe", 2, &b)
    }

    const EXIF: &[u8] = b"\0\0\0\x06Exif\0\0MM\0* GPSLatitude 55.7618N iPhone 15";
    const XMP: &[u8] = b"<x:xmpmeta>exif:GPSLongitude 12.4538E</x:xmpmeta>";

    fn picture() -> Vec<u8> {
        (0..3000u32).map(|i| (i % 251) as u8 + 1).collect()
    }

    /// An iPhone-like HEIC: ftyp, meta (Exif item in mdat, XMP item in idat, the picture in
    /// mdat), mdat. `exif_at` overrides where iloc says the Exif item is.
    fn heic(exif_at: Option<u32>) -> Vec<u8> {
        let ftyp = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
        let hdlr = full(b"hdlr", 0, b"\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0");
        let mut entries = 3u16.to_be_bytes().to_vec();
        entries.extend(infe(1, b"Exif", None));
        entries.extend(infe(2, b"hvc1", None));
        entries.extend(infe(3, b"mime", Some("application/rdf+xml")));
        let iinf = full(b"iinf", 0, &entries);
        let idat = bx(b"idat", XMP);
        let iloc = |mdat_body: u32| {
            let mut b = vec![0x44, 0x00];
            b.extend_from_slice(&3u16.to_be_bytes());
            let mut item = |id: u16, method: u16, offset: u32, length: u32| {
                b.extend_from_slice(&id.to_be_bytes());
                b.extend_from_slice(&method.to_be_bytes());
                b.extend_from_slice(&0u16.to_be_bytes());
                b.extend_from_slice(&1u16.to_be_bytes());
                b.extend_from_slice(&offset.to_be_bytes());
                b.extend_from_slice(&length.to_be_bytes());
            };
            item(1, 0, exif_at.unwrap_or(mdat_body), EXIF.len() as u32);
            item(2, 0, mdat_body + EXIF.len() as u32, picture().len() as u32);
            item(3, 1, 0, XMP.len() as u32);
            full(b"iloc", 1, &b)
        };
        let meta_of = |mdat_body: u32| {
            let mut body = hdlr.clone();
            body.extend(iinf.clone());
            body.extend(iloc(mdat_body));
            body.extend(idat.clone());
            full(b"meta", 0, &body)
        };
        // The offsets do not change the meta box's length: measure it, then fill them in.
        let mdat_body = (ftyp.len() + meta_of(0).len() + 8) as u32;
        let mut data = EXIF.to_vec();
        data.extend(picture());
        let mut f = ftyp;
        f.extend(meta_of(mdat_body));
        f.extend(bx(b"mdat", &data));
        f
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn exif_and_xmp_are_wiped_and_the_picture_stays() {
        let before = heic(None);
        assert!(contains(&before, b"GPSLatitude") && contains(&before, b"GPSLongitude"));
        let mut after = Vec::new();
        strip(&before[..], &mut after).unwrap();
        assert_eq!(after.len(), before.len(), "the same length and offsets");
        for gone in [&b"GPS"[..], b"iPhone", b"xmpmeta"] {
            assert!(!contains(&after, gone), "{}", String::from_utf8_lossy(gone));
        }
        assert!(contains(&after, &picture()), "the picture");
        // Only the metadata changed.
        let changed = before.iter().zip(&after).filter(|(a, b)| a != b).count();
        assert!(changed <= EXIF.len() + XMP.len(), "{changed} bytes changed");
    }

    #[test]
    fn an_avif_photo_loses_its_metadata_the_same_way() {
        // The same boxes with AVIF's brand and codec (a phone's AVIF is HEIF with AV1).
        let mut before = heic(None);
        let at = |hay: &[u8], needle: &[u8]| hay.windows(4).position(|w| w == needle).unwrap();
        let brand = at(&before, b"heic");
        before[brand..brand + 4].copy_from_slice(b"avif");
        let codec = at(&before, b"hvc1");
        before[codec..codec + 4].copy_from_slice(b"av01");
        assert_eq!(
            crate::files::sniff::sniff(&before[..64]),
            crate::files::sniff::Sniffed::Known("image/avif")
        );
        let mut after = Vec::new();
        assert!(super::super::strip("image/avif", &before[..], &mut after).unwrap());
        assert_eq!(after.len(), before.len());
        for gone in [&b"GPS"[..], b"iPhone", b"xmpmeta"] {
            assert!(!contains(&after, gone), "{}", String::from_utf8_lossy(gone));
        }
        assert!(contains(&after, &picture()), "the picture");
    }

    #[test]
    fn metadata_it_cannot_wipe_is_an_error_not_a_leak() {
        // iloc says the Exif item lies inside ftyp, which has gone out already.
        let mut out = Vec::new();
        assert!(strip(&heic(Some(10))[..], &mut out).is_err());
        // Past the end of the file.
        let mut out = Vec::new();
        assert!(strip(&heic(Some(1_000_000))[..], &mut out).is_err());
        // Cut off.
        let whole = heic(None);
        let mut out = Vec::new();
        assert!(strip(&whole[..whole.len() - 100], &mut out).is_err());
        // Not ISOBMFF at all.
        let mut out = Vec::new();
        assert!(strip(&b"\0\0\0\x10mdatxxxxxxxx"[..], &mut out).is_err());
    }

    #[test]
    fn a_file_without_metadata_passes_unchanged() {
        let mut f = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
        f.extend(bx(b"mdat", &picture()));
        let mut out = Vec::new();
        strip(&f[..], &mut out).unwrap();
        assert_eq!(out, f);
    }
}
