//! The municipality's units, for its administrator, in settings: each unit's name and the
//! letterhead printed on letters to citizens nothing digital reaches (address, phone, e-mail,
//! phone hours), and a new unit. The server checks each field and says what is wrong.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::reach::commands::{ADD_UNIT, EDIT_UNIT, EditUnitArgs, UNITS};
use samtale_proto::api::{Letterhead, NewUnit, UnitInfo};

use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::use_ui;

/// One unit's form fields.
#[derive(Clone, Copy)]
struct Form {
    name: RwSignal<String>,
    address: RwSignal<String>,
    phone: RwSignal<String>,
    email: RwSignal<String>,
    hours: RwSignal<String>,
}

impl Form {
    fn of(u: Option<&UnitInfo>) -> Form {
        let l = u.map(|u| u.letterhead.clone()).unwrap_or_default();
        Form {
            name: RwSignal::new(u.map(|u| u.name.clone()).unwrap_or_default()),
            address: RwSignal::new(l.address),
            phone: RwSignal::new(l.phone),
            email: RwSignal::new(l.email),
            hours: RwSignal::new(l.hours),
        }
    }

    /// The unit to save, or what is wrong in words (the server checks the rest).
    fn read(self) -> Result<NewUnit, K> {
        let email = self.email.get_untracked();
        if !email.trim().is_empty() && !email.contains('@') {
            return Err(K::UnitEmailBad);
        }
        if self.name.get_untracked().trim().is_empty() {
            return Err(K::UnitNameMissing);
        }
        Ok(NewUnit {
            name: self.name.get_untracked(),
            letterhead: Letterhead {
                address: self.address.get_untracked(),
                phone: self.phone.get_untracked(),
                email: self.email.get_untracked(),
                hours: self.hours.get_untracked(),
            },
        })
    }
}

#[component]
pub fn UnitsSection() -> impl IntoView {
    let ui = use_ui();
    let units: RwSignal<Option<Vec<UnitInfo>>> = RwSignal::new(None);
    let message: RwSignal<Option<(bool, String)>> = RwSignal::new(None);
    spawn_local(async move {
        match invoke::<_, Vec<UnitInfo>>(UNITS, &()).await {
            Ok(list) => units.set(Some(list)),
            Err(e) => message.set(Some((false, format!("{} ({})", ui.error(&e), e.message)))),
        }
    });
    let done = move |r: Result<UnitInfo, samtale_ipc::IpcError>| match r {
        Ok(saved) => {
            units.update(|l| {
                let l = l.get_or_insert_with(Vec::new);
                match l.iter_mut().find(|u| u.id == saved.id) {
                    Some(u) => *u = saved,
                    None => l.push(saved),
                }
            });
            message.set(Some((true, ui.tr(K::UnitSaved).to_owned())));
        }
        Err(e) if e.kind == samtale_ipc::ErrorKind::InvalidInput => {
            message.set(Some((false, e.message)))
        }
        Err(e) => message.set(Some((false, format!("{} ({})", ui.error(&e), e.message)))),
    };
    let new_form = Form::of(None);
    view! {
        <section class="units" aria-labelledby="units-title">
            <h3 id="units-title">{ui.text(K::UnitsTitle)}</h3>
            <p class="hint">{ui.text(K::UnitsHint)}</p>
            <p id="units-status" class="error" class:ok=move || message.with(|m| m.as_ref().is_some_and(|m| m.0)) role="status">
                {move || message.get().map(|m| m.1)}
            </p>
            <For each=move || units.get().unwrap_or_default() key=|u| u.id.clone() let:u>
                {
                    let f = Form::of(Some(&u));
                    let id = u.id.clone();
                    let tag = u.id.as_str().to_owned();
                    view! {
                        <form class="unit" novalidate data-unit=tag.clone() on:submit=move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            let unit = match f.read() {
                                Ok(u) => u,
                                Err(k) => return message.set(Some((false, ui.tr(k).to_owned()))),
                            };
                            let args = EditUnitArgs { id: id.clone(), unit };
                            spawn_local(async move { done(invoke::<_, UnitInfo>(EDIT_UNIT, &args).await) });
                        }>
                            <Fields f=f tag=tag.clone() />
                            <button type="submit" class="save-unit">{ui.text(K::UnitSave)}</button>
                        </form>
                    }
                }
            </For>
            <form class="unit new-unit" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let args = match new_form.read() {
                    Ok(u) => u,
                    Err(k) => return message.set(Some((false, ui.tr(k).to_owned()))),
                };
                spawn_local(async move {
                    let r = invoke::<_, UnitInfo>(ADD_UNIT, &args).await;
                    if r.is_ok() {
                        new_form.name.set(String::new());
                    }
                    done(r)
                });
            }>
                <h4>{ui.text(K::UnitNew)}</h4>
                <Fields f=new_form tag="new".to_owned() />
                <button type="submit" id="add-unit">{ui.text(K::UnitAdd)}</button>
            </form>
        </section>
    }
}

#[component]
fn Fields(f: Form, tag: String) -> impl IntoView {
    let ui = use_ui();
    let address_id = format!("unit-address-{tag}");
    let input = move |what: &str, label: K, value: RwSignal<String>, kind: &'static str| {
        let id = format!("unit-{what}-{tag}");
        view! {
            <label for=id.clone()>{ui.text(label)}</label>
            <input id=id type=kind autocomplete="off"
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        }
    };
    view! {
        {input("name", K::UnitName, f.name, "text")}
        <label for=address_id.clone()>{ui.text(K::UnitAddress)}</label>
        <textarea id=address_id rows="3"
            prop:value=move || f.address.get() on:input=move |ev| f.address.set(event_target_value(&ev))></textarea>
        {input("phone", K::UnitPhone, f.phone, "tel")}
        {input("email", K::UnitEmail, f.email, "email")}
        {input("hours", K::UnitHours, f.hours, "text")}
    }
}
