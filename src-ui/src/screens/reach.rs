//! Reaching a citizen outside the app (issue 9). For a youth or parent, in settings: his mobile
//! number and e-mail address, each confirmed with a code sent to it, and his consents per unit
//! of his conversations: one tap each, withdrawn the same way. For a caseworker, under her
//! caseload: who has unread messages and cannot be reached by text or e-mail, and why.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::reach::commands::{
    CONSENT_UNITS, CONSENTS, CONTACTS, ChannelArgs, ConsentArgs, SEND_CONTACT_CODE, SET_CONSENT,
    SET_CONTACT, SetContactArgs, UNREACHABLE, VERIFY_CONTACT, VerifyArgs,
};
use samtale_proto::api::UnitInfo;
use samtale_proto::notices::{
    Channel, CodeSent, ConsentView, ContactState, ContactView, Purpose, UnreachableView,
};

use crate::format;
use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::use_ui;

/// The citizen's number and address, and his consents.
#[component]
pub fn ReachSection() -> impl IntoView {
    let ui = use_ui();
    let contacts: RwSignal<Vec<ContactView>> = RwSignal::new(Vec::new());
    let units: RwSignal<Vec<UnitInfo>> = RwSignal::new(Vec::new());
    let consents: RwSignal<Vec<ConsentView>> = RwSignal::new(Vec::new());
    let message: RwSignal<Option<(bool, String)>> = RwSignal::new(None);
    spawn_local(async move {
        if let Ok(c) = invoke::<_, Vec<ContactView>>(CONTACTS, &()).await {
            contacts.set(c);
        }
        if let Ok(u) = invoke::<_, Vec<UnitInfo>>(CONSENT_UNITS, &()).await {
            units.set(u);
        }
        if let Ok(c) = invoke::<_, Vec<ConsentView>>(CONSENTS, &()).await {
            consents.set(c);
        }
    });
    view! {
        <section class="reach" aria-labelledby="reach-title">
            <h3 id="reach-title">{ui.text(K::ReachTitle)}</h3>
            <p class="hint">{ui.text(K::ReachHint)}</p>
            <ContactRow channel=Channel::Sms contacts=contacts message=message />
            <ContactRow channel=Channel::Email contacts=contacts message=message />
            <p class="error" class:ok=move || message.with(|m| m.as_ref().is_some_and(|m| m.0)) role="status">
                {move || message.get().map(|m| m.1)}
            </p>
            {move || {
                let list = units.get();
                if list.is_empty() {
                    return view! { <p class="hint">{ui.tr(K::NoUnitsYet)}</p> }.into_any();
                }
                list.into_iter().map(|u| view! { <UnitConsents unit=u consents=consents message=message /> }).collect_view().into_any()
            }}
        </section>
    }
}

fn channel_id(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "sms",
        Channel::Email => "email",
    }
}

/// One number or address: typed, saved, and confirmed with a code.
#[component]
fn ContactRow(
    channel: Channel,
    contacts: RwSignal<Vec<ContactView>>,
    message: RwSignal<Option<(bool, String)>>,
) -> impl IntoView {
    let ui = use_ui();
    let id = channel_id(channel);
    let current = move || contacts.with(|c| c.iter().find(|c| c.channel == channel).cloned());
    let typed = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let code_sent = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(c) = current() {
            typed.set(c.value);
        }
    });
    let reload = move || {
        spawn_local(async move {
            if let Ok(c) = invoke::<_, Vec<ContactView>>(CONTACTS, &()).await {
                contacts.set(c);
            }
        })
    };
    let save = move |_| {
        let args = SetContactArgs {
            channel,
            value: typed.get_untracked(),
        };
        spawn_local(async move {
            match invoke::<_, ContactView>(SET_CONTACT, &args).await {
                Ok(_) => {
                    message.set(None);
                    code_sent.set(false);
                    reload();
                }
                Err(e) if e.kind == samtale_ipc::ErrorKind::InvalidInput => {
                    let bad = match channel {
                        Channel::Sms => K::BadMobile,
                        Channel::Email => K::BadEmail,
                    };
                    message.set(Some((false, ui.tr(bad).to_owned())))
                }
                Err(e) => message.set(Some((false, format!("{} ({})", ui.error(&e), e.message)))),
            }
        });
    };
    let send_code = move |_| {
        spawn_local(async move {
            match invoke::<_, CodeSent>(SEND_CONTACT_CODE, &ChannelArgs { channel }).await {
                Ok(_) => {
                    code_sent.set(true);
                    message.set(None);
                }
                Err(e) => message.set(Some((false, format!("{} ({})", ui.error(&e), e.message)))),
            }
        });
    };
    let confirm = move |_| {
        let args = VerifyArgs {
            channel,
            code: code.get_untracked(),
        };
        spawn_local(async move {
            match invoke::<_, ContactView>(VERIFY_CONTACT, &args).await {
                Ok(_) => {
                    code_sent.set(false);
                    code.set(String::new());
                    message.set(Some((true, ui.tr(K::ContactVerified).to_owned())));
                    reload();
                }
                Err(e) if e.kind == samtale_ipc::ErrorKind::InvalidInput => {
                    message.set(Some((false, ui.tr(K::CodeWrong).to_owned())))
                }
                Err(e) => message.set(Some((false, format!("{} ({})", ui.error(&e), e.message)))),
            }
        });
    };
    let (label, kind, mode) = match channel {
        Channel::Sms => (K::Mobile, "tel", "tel"),
        Channel::Email => (K::Email, "email", "email"),
    };
    let state = move || {
        current().map(|c| match c.state {
            ContactState::Verified => format!(
                "{} {}",
                ui.tr(K::ContactVerified),
                c.verified_at_ms
                    .map(|ms| format::date(ui.lang.get(), &format::local(ms)))
                    .unwrap_or_default()
            ),
            ContactState::Unverified => ui.tr(K::ContactUnverified).to_owned(),
            ContactState::Bounced => ui.tr(K::ContactBounced).to_owned(),
        })
    };
    let unconfirmed = move || current().is_some_and(|c| c.state != ContactState::Verified);
    view! {
        <div class="contact-row" id=format!("contact-{id}")>
            <label for=format!("contact-{id}-value")>{ui.text(label)}</label>
            <div class="row">
                <input id=format!("contact-{id}-value") type=kind inputmode=mode autocomplete=kind
                    prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev)) />
                <button id=format!("contact-{id}-save") on:click=save>{ui.text(K::SaveContact)}</button>
            </div>
            <p class="contact-state" class:warn=move || current().is_some_and(|c| c.state == ContactState::Bounced)>{state}</p>
            <Show when=move || unconfirmed() && !code_sent.get()>
                <button id=format!("contact-{id}-code") class="primary" on:click=send_code>{ui.text(K::SendCode)}</button>
            </Show>
            <Show when=move || code_sent.get()>
                <label for=format!("contact-{id}-code-value")>{ui.text(K::CodeSentTo)}</label>
                <div class="row">
                    <input id=format!("contact-{id}-code-value") inputmode="numeric" autocomplete="one-time-code" maxlength="6"
                        prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev)) />
                    <button id=format!("contact-{id}-confirm") class="primary" on:click=confirm>{ui.text(K::Confirm)}</button>
                </div>
            </Show>
        </div>
    }
}

/// The consents for one unit: a checkbox per purpose and channel.
#[component]
fn UnitConsents(
    unit: UnitInfo,
    consents: RwSignal<Vec<ConsentView>>,
    message: RwSignal<Option<(bool, String)>>,
) -> impl IntoView {
    let ui = use_ui();
    let boxes = [
        (
            Purpose::NewMessages,
            Channel::Sms,
            K::SmsNewMessages,
            "sms-new",
        ),
        (
            Purpose::NewMessages,
            Channel::Email,
            K::EmailNewMessages,
            "email-new",
        ),
        (
            Purpose::MeetingReminders,
            Channel::Sms,
            K::SmsReminders,
            "sms-meetings",
        ),
        (
            Purpose::MeetingReminders,
            Channel::Email,
            K::EmailReminders,
            "email-meetings",
        ),
    ];
    let unit_key = unit.id.as_str().to_owned();
    view! {
        <fieldset class="consents">
            <legend>{ui.tr(K::ConsentFor)}": "{unit.name.clone()}</legend>
            {boxes.into_iter().map(|(purpose, channel, label, tag)| {
                let id = format!("consent-{tag}-{unit_key}");
                let unit_id = unit.id.clone();
                let live = {
                    let unit_id = unit_id.clone();
                    move || consents.with(|list| list.iter().any(|c| {
                        c.consent.unit == unit_id.as_str()
                            && c.consent.purpose == purpose
                            && c.consent.channel == channel
                            && c.consent.withdrawn_at_ms.is_none()
                    }))
                };
                view! {
                    <div class="check">
                        <input type="checkbox" id=id.clone() prop:checked=live
                            on:change=move |ev| {
                                let args = ConsentArgs { unit: unit_id.clone(), purpose, channel, on: event_target_checked(&ev) };
                                spawn_local(async move {
                                    match invoke::<_, Vec<ConsentView>>(SET_CONSENT, &args).await {
                                        Ok(list) => consents.set(list),
                                        Err(e) => message.set(Some((false, format!("{} ({})", ui.error(&e), e.message)))),
                                    }
                                });
                            } />
                        <label for=id>{ui.text(label)}</label>
                    </div>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// The caseworker's "kan ikke nås digitalt" list.
#[component]
pub fn UnreachableList() -> impl IntoView {
    let ui = use_ui();
    let list: RwSignal<Option<Vec<UnreachableView>>> = RwSignal::new(None);
    spawn_local(async move {
        if let Ok(l) = invoke::<_, Vec<UnreachableView>>(UNREACHABLE, &()).await {
            list.set(Some(l));
        }
    });
    view! {
        <section class="unreachable" aria-labelledby="unreachable-title">
            <h3 id="unreachable-title">{ui.text(K::UnreachableTitle)}</h3>
            <p class="hint">{ui.text(K::UnreachableHint)}</p>
            {move || list.get().map(|l| if l.is_empty() {
                view! { <p class="empty">{ui.tr(K::NobodyUnreachable)}</p> }.into_any()
            } else {
                view! {
                    <ul class="unreachable-list">
                        {l.into_iter().map(|u| view! {
                            <li>
                                <strong>{u.display_name.clone()}</strong>" · "{u.unit_name.clone()}
                                " · "{ui.tr(K::UnreadSince)}" "{format::date(ui.lang.get_untracked(), &format::local(u.unread_since_ms))}
                                <ul>{u.reasons.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()}</ul>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
    }
}
