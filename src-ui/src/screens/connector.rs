//! Where this device hands its records ("Journalisér"): e-mail to the case system's intake
//! address, a folder its import reads, or an HTTPS endpoint. Shown in settings for staff. The
//! stored password or token never comes to this screen: an empty field keeps it. The engine
//! checks what is saved and says in Danish what is wrong.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::records::commands::{RECORD_CONNECTOR, SAVE_RECORD_CONNECTOR, SaveConnectorArgs};
use samtale_ipc::records::{Connector, ConnectorSettings};

use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::use_ui;

/// The form's fields, one signal each; which ones show depends on `kind`.
#[derive(Clone, Copy)]
struct Fields {
    kind: RwSignal<String>,
    host: RwSignal<String>,
    port: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
    username: RwSignal<String>,
    secret: RwSignal<String>,
    ca_file: RwSignal<String>,
    path: RwSignal<String>,
    url: RwSignal<String>,
    /// Kept as stored: set only by IT (a relay on this machine), not on this screen.
    insecure_loopback: RwSignal<bool>,
    has_secret: RwSignal<bool>,
}

fn opt(text: String) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

impl Fields {
    fn new() -> Fields {
        let s = || RwSignal::new(String::new());
        Fields {
            kind: RwSignal::new("none".into()),
            host: s(),
            port: RwSignal::new("587".into()),
            from: s(),
            to: s(),
            username: s(),
            secret: s(),
            ca_file: s(),
            path: s(),
            url: s(),
            insecure_loopback: RwSignal::new(false),
            has_secret: RwSignal::new(false),
        }
    }

    fn show(self, got: ConnectorSettings) {
        self.has_secret.set(got.has_secret);
        self.secret.set(String::new());
        let text = |o: Option<String>| o.unwrap_or_default();
        match got.connector {
            None => self.kind.set("none".into()),
            Some(Connector::Smtp {
                host,
                port,
                from,
                to,
                username,
                ca_file,
                insecure_loopback,
                ..
            }) => {
                self.kind.set("smtp".into());
                self.host.set(host);
                self.port.set(port.to_string());
                self.from.set(from);
                self.to.set(to);
                self.username.set(text(username));
                self.ca_file.set(text(ca_file));
                self.insecure_loopback.set(insecure_loopback);
            }
            Some(Connector::Folder { path }) => {
                self.kind.set("folder".into());
                self.path.set(path);
            }
            Some(Connector::Https { url, ca_file, .. }) => {
                self.kind.set("https".into());
                self.url.set(url);
                self.ca_file.set(text(ca_file));
            }
        }
    }

    /// The connector to save, or the text of what is wrong with the form.
    fn read(self) -> Result<Option<Connector>, K> {
        let g = |s: RwSignal<String>| s.get_untracked().trim().to_owned();
        Ok(match self.kind.get_untracked().as_str() {
            "smtp" => Some(Connector::Smtp {
                host: g(self.host),
                port: g(self.port).parse().map_err(|_| K::ConnectorBadPort)?,
                from: g(self.from),
                to: g(self.to),
                username: opt(g(self.username)),
                password: opt(g(self.secret)),
                ca_file: opt(g(self.ca_file)),
                insecure_loopback: self.insecure_loopback.get_untracked(),
            }),
            "folder" => Some(Connector::Folder { path: g(self.path) }),
            "https" => Some(Connector::Https {
                url: g(self.url),
                token: opt(g(self.secret)),
                ca_file: opt(g(self.ca_file)),
            }),
            _ => None,
        })
    }
}

#[component]
pub fn ConnectorSettingsForm() -> impl IntoView {
    let ui = use_ui();
    let f = Fields::new();
    let message: RwSignal<Option<(bool, String)>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    // The form shows only once the stored settings are in: a choice made before would be
    // overwritten by them when they arrive.
    let loaded = RwSignal::new(false);
    spawn_local(async move {
        match invoke::<_, ConnectorSettings>(RECORD_CONNECTOR, &()).await {
            Ok(got) => f.show(got),
            Err(e) => message.set(Some((false, format!("{} ({})", ui.error(&e), e.message)))),
        }
        loaded.set(true);
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let connector = match f.read() {
            Ok(c) => c,
            Err(k) => {
                message.set(Some((false, ui.tr(k).to_owned())));
                return;
            }
        };
        busy.set(true);
        let args = SaveConnectorArgs {
            connector,
            keep_secret: true,
        };
        spawn_local(async move {
            match invoke::<_, ConnectorSettings>(SAVE_RECORD_CONNECTOR, &args).await {
                Ok(got) => {
                    f.show(got);
                    message.set(Some((true, ui.tr(K::ConnectorSaved).to_owned())));
                }
                Err(e) if e.kind == samtale_ipc::ErrorKind::InvalidInput => {
                    message.set(Some((false, e.message)))
                }
                Err(e) => message.set(Some((false, format!("{} ({})", ui.error(&e), e.message)))),
            }
            busy.set(false);
        });
    };
    let kind = move || f.kind.get();
    let field = move |id: &'static str, label: K, value: RwSignal<String>, kind: &'static str| {
        view! {
            <label for=id>{ui.text(label)}</label>
            <input id=id type=kind autocomplete="off" spellcheck="false"
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        }
    };
    let secret_hint = move || {
        if f.has_secret.get() {
            ui.tr(K::ConnectorSecretKept)
        } else {
            ""
        }
    };
    view! {
        <section class="connector-settings" aria-labelledby="connector-title">
            <h3 id="connector-title">{ui.text(K::ConnectorTitle)}</h3>
            <p class="hint">{ui.text(K::ConnectorHint)}</p>
            <Show when=move || loaded.get() fallback=move || view! { <p class="hint" role="status">{ui.text(K::Fetching)}</p> }>
            <form id="connector-form" on:submit=save>
                <label for="connector-kind">{ui.text(K::ConnectorKind)}</label>
                <select id="connector-kind" prop:value=kind
                    on:change=move |ev| { f.kind.set(event_target_value(&ev)); message.set(None); }>
                    <option value="none">{ui.text(K::ConnectorNone)}</option>
                    <option value="smtp">{ui.text(K::ConnectorSmtp)}</option>
                    <option value="folder">{ui.text(K::ConnectorFolder)}</option>
                    <option value="https">{ui.text(K::ConnectorHttps)}</option>
                </select>
                <Show when=move || kind() == "smtp">
                    {field("connector-to", K::ConnectorTo, f.to, "email")}
                    {field("connector-from", K::ConnectorFrom, f.from, "email")}
                    {field("connector-host", K::ConnectorHost, f.host, "text")}
                    {field("connector-port", K::ConnectorPort, f.port, "text")}
                    {field("connector-user", K::ConnectorUser, f.username, "text")}
                </Show>
                <Show when=move || kind() == "folder">
                    {field("connector-path", K::ConnectorPath, f.path, "text")}
                </Show>
                <Show when=move || kind() == "https">
                    {field("connector-url", K::ConnectorUrl, f.url, "url")}
                </Show>
                <Show when=move || kind() == "smtp" || kind() == "https">
                    <label for="connector-secret">
                        {move || if kind() == "smtp" { ui.tr(K::ConnectorPassword) } else { ui.tr(K::ConnectorToken) }}
                    </label>
                    <input id="connector-secret" type="password" autocomplete="new-password"
                        placeholder=secret_hint aria-describedby="connector-secret-hint"
                        prop:value=move || f.secret.get() on:input=move |ev| f.secret.set(event_target_value(&ev)) />
                    <p id="connector-secret-hint" class="hint">{secret_hint}</p>
                    {field("connector-ca", K::ConnectorCa, f.ca_file, "text")}
                </Show>
                <p id="connector-status" class="error" class:ok=move || message.with(|m| m.as_ref().is_some_and(|m| m.0)) role="status">
                    {move || message.get().map(|m| m.1)}
                </p>
                <button id="connector-save" type="submit" class="primary" disabled=move || busy.get()>
                    {ui.text(K::ConnectorSave)}
                </button>
            </form>
            </Show>
        </section>
    }
}
