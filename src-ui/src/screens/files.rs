//! Files in a conversation. Attaching: "Vedhæft" opens the webview's own file picker
//! (several at once), files can be dropped on the composer, and a pasted picture is taken
//! from the clipboard; each shows as a chip until the message goes. For pictures the UI draws a
//! small thumbnail (a canvas, at most 6 KiB) that travels inside the sealed message, so the
//! others see it at once. A message's files show under its text: the thumbnail or a file
//! icon, the name and size, a progress bar while it moves, and "Gem" to save a plain copy in
//! Downloads (fetched and checked first).

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::files::commands::{BlobArgs, SAVE_ATTACHMENT};
use samtale_ipc::files::{AttachInput, FileState, FileView};
use samtale_proto::B64;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::Ui;

/// Thumbnails are drawn this many pixels on their long side.
const THUMB_PX: f64 = 160.0;
const MAX_THUMB: usize = samtale_proto::blobs::MAX_THUMBNAIL_BYTES;
/// A plain page with a folded corner, for files without a thumbnail.
const FILE_ICON: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'%3E%3Cpath fill='%236b7280' d='M6 2h8l6 6v14H6zM13 3v6h6'/%3E%3C/svg%3E";

/// A size the Danish way: "340 kB", "1,2 MB" (integers only: no float formatting in the UI).
pub fn size_text(bytes: u64) -> String {
    if bytes < 1000 {
        format!("{bytes} B")
    } else if bytes < 1_000_000 {
        format!("{} kB", bytes.div_ceil(1000))
    } else {
        let tenths = bytes.div_ceil(100_000);
        format!("{},{} MB", tenths / 10, tenths % 10)
    }
}

fn data_url(mime: &str, b64: &B64) -> String {
    // The wire form is base64url without padding; a data URL wants the standard alphabet.
    let mut s: String = b64
        .encode()
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !s.len().is_multiple_of(4) {
        s.push('=');
    }
    format!("data:{mime};base64,{s}")
}

fn thumb_mime(t: &B64) -> &'static str {
    if t.as_slice().starts_with(&[0xff, 0xd8]) {
        "image/jpeg"
    } else {
        "image/png"
    }
}

/// The files under a message.
pub fn file_list(ui: Ui, files: &[FileView]) -> AnyView {
    if files.is_empty() {
        return ().into_any();
    }
    let items = files
        .iter()
        .cloned()
        .map(|f| file_item(ui, f))
        .collect_view();
    view! { <ul class="files">{items}</ul> }.into_any()
}

thread_local! {
    /// What "Gem" said per file. Outside the rows: a row is drawn anew as its file moves on
    /// (each chunk), and what it said must survive that.
    /// Reference-counted, not owned by the row that first asked (which goes away).
    static SAVES: ArcRwSignal<HashMap<String, (bool, String)>> = ArcRwSignal::new(HashMap::new());
}

fn saves() -> ArcRwSignal<HashMap<String, (bool, String)>> {
    SAVES.with(Clone::clone)
}

fn file_item(ui: Ui, f: FileView) -> impl IntoView {
    let key = f.blob.to_string();
    let (k1, k2, k3) = (key.clone(), key.clone(), key);
    let busy = move || saves().with(|m| m.get(&k1).is_some_and(|(b, _)| *b));
    let saved = move || saves().with(|m| m.get(&k2).map(|(_, t)| t.clone()));
    let set = move |b: bool, t: String| {
        saves().update(|m| {
            m.insert(k3.clone(), (b, t));
        })
    };
    let moving = matches!(f.state, FileState::Uploading | FileState::Downloading);
    let state = format!("{:?}", f.state).to_lowercase();
    let picture = f
        .thumbnail
        .as_ref()
        .map(|t| data_url(thumb_mime(t), t))
        .unwrap_or_else(|| FILE_ICON.to_owned());
    let icon = f.thumbnail.is_none();
    let blob = f.blob.clone();
    let is_busy = busy.clone();
    let save = move |_| {
        if is_busy() {
            return;
        }
        set(true, ui.tr(K::Fetching).to_owned());
        let args = BlobArgs { blob: blob.clone() };
        let set = set.clone();
        spawn_local(async move {
            let shown = match invoke::<_, String>(SAVE_ATTACHMENT, &args).await {
                Ok(path) => format!("{} {path}", ui.tr(K::SavedIn)),
                Err(e) => ui.error(&e),
            };
            set(false, shown);
        });
    };
    let (done, total) = (f.done, f.total.max(1));
    let can_save = !f.mine_uploading();
    view! {
        <li class="file" data-state=state data-blob=f.blob.to_string()>
            <img class="thumb" class:icon=icon alt="" src=picture />
            <span class="file-name">{f.name.clone()}</span>
            <span class="file-size">{size_text(f.size)}</span>
            <Show when=move || moving>
                <progress class="file-progress" max=total.to_string() value=done.to_string()
                    aria-label=ui.tr(K::FileProgress)></progress>
            </Show>
            {f.error.clone().map(|e| view! { <span class="error">{e}</span> })}
            <Show when=move || can_save>
                <button type="button" class="ghost save-file" disabled=busy.clone() on:click=save.clone()>{ui.text(K::SaveFile)}</button>
            </Show>
            <span class="saved" role="status">{saved}</span>
        </li>
    }
}

trait Uploading {
    fn mine_uploading(&self) -> bool;
}

impl Uploading for FileView {
    /// An own file still going up (nothing to save yet).
    fn mine_uploading(&self) -> bool {
        self.state == FileState::Uploading
    }
}

/// Reads the files a picker, a drop or a paste gave, with a thumbnail for pictures.
pub async fn read_files(list: web_sys::FileList) -> Result<Vec<AttachInput>, String> {
    let mut out = Vec::new();
    for i in 0..list.length() {
        let Some(file) = list.get(i) else { continue };
        let buffer = JsFuture::from(file.array_buffer())
            .await
            .map_err(|_| format!("{} kunne ikke læses", file.name()))?;
        let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        let thumbnail = if file.type_().starts_with("image/") {
            thumbnail(&file).await
        } else {
            None
        };
        let name = if file.name().is_empty() {
            "billede.png".to_owned()
        } else {
            file.name()
        };
        out.push(AttachInput {
            path: None,
            bytes: Some(B64(bytes)),
            name: Some(name),
            thumbnail,
        });
    }
    Ok(out)
}

/// A JPEG of at most [`MAX_THUMB`] bytes of a picture, drawn on a canvas; None when the
/// webview cannot draw it.
async fn thumbnail(file: &web_sys::File) -> Option<B64> {
    let url = web_sys::Url::create_object_url_with_blob(file).ok()?;
    let img = web_sys::HtmlImageElement::new().ok()?;
    let loaded = js_sys::Promise::new(&mut |resolve, reject| {
        img.set_onload(Some(&resolve));
        img.set_onerror(Some(&reject));
    });
    img.set_src(&url);
    let ok = JsFuture::from(loaded).await.is_ok();
    let _ = web_sys::Url::revoke_object_url(&url);
    if !ok || img.natural_width() == 0 {
        return None;
    }
    let (w, h) = (
        f64::from(img.natural_width()),
        f64::from(img.natural_height()),
    );
    let scale = (THUMB_PX / w.max(h)).min(1.0);
    let canvas = web_sys::window()?
        .document()?
        .create_element("canvas")
        .ok()?
        .dyn_into::<web_sys::HtmlCanvasElement>()
        .ok()?;
    canvas.set_width((w * scale).round().max(1.0) as u32);
    canvas.set_height((h * scale).round().max(1.0) as u32);
    let ctx = canvas
        .get_context("2d")
        .ok()??
        .dyn_into::<web_sys::CanvasRenderingContext2d>()
        .ok()?;
    ctx.draw_image_with_html_image_element_and_dw_and_dh(
        &img,
        0.0,
        0.0,
        f64::from(canvas.width()),
        f64::from(canvas.height()),
    )
    .ok()?;
    for quality in [0.7, 0.5, 0.3] {
        let url = canvas
            .to_data_url_with_type_and_encoder_options("image/jpeg", &quality.into())
            .ok()?;
        let b64 = url.split_once(',')?.1;
        let wire: String = b64
            .chars()
            .filter(|c| *c != '=')
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                c => c,
            })
            .collect();
        let bytes = B64::decode(&wire).ok()?;
        if bytes.len() <= MAX_THUMB {
            return Some(bytes);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_the_danish_way() {
        assert_eq!(size_text(999), "999 B");
        assert_eq!(size_text(340_000), "340 kB");
        assert_eq!(size_text(1_200_000), "1,2 MB");
        assert_eq!(size_text(50_000_000), "50,0 MB");
    }

    #[test]
    fn thumbnails_become_data_urls() {
        let t = B64(vec![0xff, 0xd8, 0xff, 0xfb]);
        assert_eq!(
            data_url(thumb_mime(&t), &t),
            "data:image/jpeg;base64,/9j/+w=="
        );
    }
}
