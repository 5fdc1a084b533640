//! Reaching a citizen outside the app (issue 9). For a youth or parent, in settings: his mobile
//! number and e-mail address, each confirmed with a code sent to it, and his consents per unit
//! of his conversations: one tap each, withdrawn the same way. For a caseworker, under her
//! caseload: who has unread messages and cannot be reached by text or e-mail, and why.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::commands::PEOPLE;
use samtale_ipc::reach::commands::{
    CONSENT_PROMPT, CONSENT_UNITS, CONSENTS, CONTACTS, ChannelArgs, CitizenArgs, ConsentArgs,
    SAVE_LETTER, SAVE_UNREACHABLE_CSV, SEND_CONTACT_CODE, SET_CONSENT, SET_CONTACT, SetContactArgs,
    UNREACHABLE, VERIFY_CONTACT, VerifyArgs, YOUTH_CONSENTS,
};
use samtale_ipc::views::PersonView;
use samtale_proto::api::{Role, UnitInfo};
use samtale_proto::notices::{
    Channel, CodeSent, ConsentView, ContactState, ContactView, Purpose, UnreachableView,
};
use samtale_proto::{UnitId, UserId};

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
            <Show when=move || ui.account.with(|a| a.as_ref().is_some_and(|a| a.role == Role::Parent))>
                <YouthConsents units=units message=message />
            </Show>
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

/// A youth with his consents, or None when he decides himself (15 or older).
type YouthRow = (PersonView, Option<RwSignal<Vec<ConsentView>>>);

/// A parent's consents for each youth under 15 in his conversations; a youth of 15 or more
/// decides himself, and the server says so.
#[component]
fn YouthConsents(
    units: RwSignal<Vec<UnitInfo>>,
    message: RwSignal<Option<(bool, String)>>,
) -> impl IntoView {
    let ui = use_ui();
    let youths: RwSignal<Vec<YouthRow>> = RwSignal::new(Vec::new());
    spawn_local(async move {
        let Ok(people) = invoke::<_, Vec<PersonView>>(PEOPLE, &()).await else {
            return;
        };
        let mut out = Vec::new();
        for p in people.into_iter().filter(|p| p.role == Role::Youth) {
            let args = CitizenArgs {
                citizen: p.user.clone(),
            };
            match invoke::<_, Vec<ConsentView>>(YOUTH_CONSENTS, &args).await {
                Ok(list) => out.push((p, Some(RwSignal::new(list)))),
                // 15 or older: he decides himself.
                Err(e) if e.kind == samtale_ipc::ErrorKind::Forbidden => out.push((p, None)),
                Err(e) => message.set(Some((false, format!("{} ({})", ui.error(&e), e.message)))),
            }
        }
        youths.set(out);
    });
    view! {
        {move || youths.get().into_iter().map(|(p, theirs)| match theirs {
            Some(consents) => {
                let youth = (p.user.clone(), p.display_name.clone());
                units.get().into_iter().map(|u| view! {
                    <UnitConsents unit=u consents=consents message=message youth=youth.clone() />
                }).collect_view().into_any()
            }
            None => view! {
                <p class="hint">{p.display_name.clone()}" "{ui.tr(K::YouthDecides)}</p>
            }.into_any(),
        }).collect_view()}
    }
}

/// The consents for one unit: a checkbox per purpose and channel.
#[component]
fn UnitConsents(
    unit: UnitInfo,
    consents: RwSignal<Vec<ConsentView>>,
    message: RwSignal<Option<(bool, String)>>,
    /// A parent's boxes for a youth under 15: his id and name.
    #[prop(optional)]
    youth: Option<(UserId, String)>,
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
    let unit_key = match &youth {
        None => unit.id.as_str().to_owned(),
        Some((id, _)) => format!("{}-{id}", unit.id),
    };
    let legend = match &youth {
        None => format!("{}: {}", ui.tr(K::ConsentFor), unit.name),
        Some((_, name)) => format!("{} {name}: {}", ui.tr(K::ConsentForYouth), unit.name),
    };
    let for_youth = youth.map(|(id, _)| id);
    view! {
        <fieldset class="consents">
            <legend>{legend}</legend>
            {boxes.into_iter().map(|(purpose, channel, label, tag)| {
                let id = format!("consent-{tag}-{unit_key}");
                let for_youth = for_youth.clone();
                let unit_id = unit.id.clone();
                let live_by = move |unit_id: &UnitId, youths_own: bool| consents.with(|list| list.iter().any(|c| {
                    c.consent.unit == unit_id.as_str()
                        && c.consent.purpose == purpose
                        && c.consent.channel == channel
                        && c.consent.withdrawn_at_ms.is_none()
                        && (!youths_own || !c.consent.by_parent)
                }));
                let live = {
                    let unit_id = unit_id.clone();
                    move || live_by(&unit_id, false)
                };
                // In a parent's boxes, a consent the youth gave himself is shown, but only the
                // youth can take it back (the server refuses the parent too).
                let parent = for_youth.is_some();
                let youths_own = {
                    let unit_id = unit_id.clone();
                    move || parent && live_by(&unit_id, true)
                };
                view! {
                    <div class="check">
                        <input type="checkbox" id=id.clone() prop:checked=live disabled=youths_own.clone()
                            on:change=move |ev| {
                                let args = ConsentArgs { unit: unit_id.clone(), purpose, channel, on: event_target_checked(&ev), for_youth: for_youth.clone() };
                                spawn_local(async move {
                                    match invoke::<_, Vec<ConsentView>>(SET_CONSENT, &args).await {
                                        Ok(list) => consents.set(list),
                                        Err(e) => message.set(Some((false, format!("{} ({})", ui.error(&e), e.message)))),
                                    }
                                });
                            } />
                        <label for=id>
                            {ui.text(label)}
                            <Show when=youths_own>
                                <span class="hint given-by-youth">{ui.text(K::GivenByYouth)}</span>
                            </Show>
                        </label>
                    </div>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// The caseworker's "kan ikke nås digitalt" list: each citizen with why, a content-free letter
/// to print for him, and the whole list as CSV for the unit's leader.
#[component]
pub fn UnreachableList() -> impl IntoView {
    let ui = use_ui();
    let list: RwSignal<Option<Vec<UnreachableView>>> = RwSignal::new(None);
    let saved: RwSignal<Option<(bool, String)>> = RwSignal::new(None);
    spawn_local(async move {
        if let Ok(l) = invoke::<_, Vec<UnreachableView>>(UNREACHABLE, &()).await {
            list.set(Some(l));
        }
    });
    let report = move |r: Result<String, samtale_ipc::IpcError>| {
        saved.set(Some(match r {
            Ok(path) => (true, format!("{} {path}", ui.tr(K::SavedIn))),
            Err(e) => (false, format!("{} ({})", ui.error(&e), e.message)),
        }))
    };
    view! {
        <section class="unreachable" aria-labelledby="unreachable-title">
            <h3 id="unreachable-title">{ui.text(K::UnreachableTitle)}</h3>
            <p class="hint">{ui.text(K::UnreachableHint)}</p>
            {move || list.get().map(|l| if l.is_empty() {
                view! { <p class="empty">{ui.tr(K::NobodyUnreachable)}</p> }.into_any()
            } else {
                view! {
                    <ul class="unreachable-list">
                        {l.into_iter().map(|u| {
                            let citizen = u.citizen.clone();
                            view! {
                                <li data-citizen=u.citizen.as_str().to_owned()>
                                    <strong>{u.display_name.clone()}</strong>" · "{u.unit_name.clone()}
                                    " · "{ui.tr(K::UnreadSince)}" "{format::date(ui.lang.get_untracked(), &format::local(u.unread_since_ms))}
                                    <ul>{u.reasons.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()}</ul>
                                    <button class="letter" title=ui.tr(K::LetterHint) on:click=move |_| {
                                        let args = CitizenArgs { citizen: citizen.clone() };
                                        spawn_local(async move { report(invoke::<_, String>(SAVE_LETTER, &args).await) });
                                    }>{ui.text(K::SaveLetter)}</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <p class="hint">{ui.text(K::LetterHint)}</p>
                    <button id="unreachable-csv" on:click=move |_| {
                        spawn_local(async move { report(invoke::<_, String>(SAVE_UNREACHABLE_CSV, &()).await) });
                    }>{ui.text(K::SaveCsv)}</button>
                }.into_any()
            })}
            <p id="unreachable-saved" class="error" class:ok=move || saved.with(|m| m.as_ref().is_some_and(|m| m.0)) role="status">
                {move || saved.get().map(|m| m.1)}
            </p>
        </section>
    }
}

/// For a youth who turned 15: his parent's consent lapsed, and he is asked for his own. The
/// button opens settings, where he chooses.
#[component]
pub fn ConsentPromptBanner(open_settings: RwSignal<bool>) -> impl IntoView {
    let ui = use_ui();
    let ask = RwSignal::new(false);
    // Asked again each time settings close, so the banner goes once he has chosen.
    Effect::new(move |_| {
        if !open_settings.get() {
            spawn_local(async move {
                if let Ok(a) = invoke::<_, bool>(CONSENT_PROMPT, &()).await {
                    ask.set(a);
                }
            });
        }
    });
    view! {
        <Show when=move || ask.get()>
            <div id="consent-prompt" class="prompt" role="status">
                <p>{ui.text(K::OwnConsentPrompt)}</p>
                <button class="primary" on:click=move |_| open_settings.set(true)>{ui.text(K::ChooseNow)}</button>
            </div>
        </Show>
    }
}
