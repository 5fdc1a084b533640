//! The commands the UI invokes. Each is one call into the engine; errors become the shared
//! [`IpcError`] so the UI can tell them apart and word them in the person's language.

use samtale_client::{
    Account, AlertView, CaseView, InvitationView, LinkCodeView, LinkPreviewView, LockState,
    MessageView, OwnDeviceView, PersonView, SyncReport, ThreadView,
};
use samtale_ipc::IpcError;
use samtale_ipc::commands::*;
use samtale_proto::ThreadId;
use tauri::State;

use crate::shell::Shell;

type Res<T> = Result<T, IpcError>;

pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static
{
    tauri::generate_handler![
        account,
        join,
        login,
        threads,
        messages,
        send,
        mark_read,
        retry,
        invite,
        invitations,
        create_thread,
        search,
        people,
        caseload,
        sync,
        settings,
        set_settings,
        lock_state,
        lock,
        unlock,
        set_pin,
        start_link,
        waiting_link,
        poll_link,
        preview_link,
        accept_link,
        own_devices,
        remove_device,
        alerts,
        mark_alerts_seen,
        confirm_codes,
        ready,
        crate::care::plans,
        crate::care::save_plan,
        crate::care::set_plan_status,
        crate::care::due_check_ins,
        crate::care::answer_check_in,
        crate::care::timeline,
        crate::care::record_event,
        crate::care::youth_flags,
        crate::care::set_flag_rules,
        crate::cards::save_appointment,
        crate::cards::reply_appointment,
        crate::cards::ask_question,
        crate::cards::answer_question,
        crate::cards::close_question,
        crate::cards::save_ics,
        crate::cards::export_timeline,
        crate::cards::plan_message,
        crate::cards::cancel_planned,
        crate::files::send_files,
        crate::files::fetch_file,
        crate::files::save_attachment,
        crate::files::cancel_sending,
        crate::records::preview_record,
        crate::records::record,
        crate::records::records,
        crate::records::retry_records,
        crate::records::record_connector,
        crate::records::save_record_connector,
        crate::reach::contacts,
        crate::reach::set_contact,
        crate::reach::remove_contact,
        crate::reach::send_contact_code,
        crate::reach::verify_contact,
        crate::reach::consent_units,
        crate::reach::consents,
        crate::reach::set_consent,
        crate::reach::unreachable,
        crate::reach::consent_prompt,
        crate::reach::save_letter,
        crate::reach::save_unreachable_csv,
        crate::reach::units,
        crate::reach::add_unit,
        crate::reach::edit_unit,
        crate::reach::youth_consents
    ]
}

#[tauri::command]
pub async fn account(shell: State<'_, Shell>) -> Res<Option<Account>> {
    Ok(shell.client()?.account()?)
}

#[tauri::command]
pub async fn join(shell: State<'_, Shell>, args: JoinArgs) -> Res<Account> {
    let account = shell
        .client()?
        .join_with_pin(
            args.server.as_deref(),
            &args.code,
            &args.display_name,
            &args.device_name,
            args.pin.as_deref(),
        )
        .await?;
    shell.start_live();
    Ok(account)
}

#[tauri::command]
pub async fn login(shell: State<'_, Shell>, args: LoginArgs) -> Res<Account> {
    let account = shell
        .client()?
        .login(
            &args.server,
            &args.tenant,
            &args.username,
            &args.password,
            &args.device_name,
        )
        .await?;
    shell.start_live();
    Ok(account)
}

#[tauri::command]
pub async fn threads(shell: State<'_, Shell>) -> Res<Vec<ThreadView>> {
    Ok(shell.client()?.threads()?)
}

#[tauri::command]
pub async fn messages(shell: State<'_, Shell>, args: MessagesArgs) -> Res<Vec<MessageView>> {
    Ok(shell
        .client()?
        .messages_before(&args.thread, args.before.as_ref(), args.limit)?)
}

#[tauri::command]
pub async fn send(shell: State<'_, Shell>, args: SendArgs) -> Res<MessageView> {
    Ok(shell.client()?.send(&args.thread, &args.text).await?)
}

#[tauri::command]
pub async fn mark_read(shell: State<'_, Shell>, args: ThreadArgs) -> Res<u32> {
    Ok(shell.client()?.mark_read(&args.thread).await?)
}

#[tauri::command]
pub async fn retry(shell: State<'_, Shell>, args: RetryArgs) -> Res<()> {
    Ok(shell.client()?.retry(&args.message).await?)
}

#[tauri::command]
pub async fn invite(shell: State<'_, Shell>, args: InviteArgs) -> Res<InvitationView> {
    Ok(shell
        .client()?
        .invite_with(args.role, &args.display_name, args.youth, args.again)
        .await?)
}

#[tauri::command]
pub async fn invitations(shell: State<'_, Shell>) -> Res<Vec<InvitationView>> {
    Ok(shell.client()?.invitations()?)
}

#[tauri::command]
pub async fn create_thread(shell: State<'_, Shell>, args: CreateThreadArgs) -> Res<ThreadId> {
    Ok(shell
        .client()?
        .create_thread(args.kind, args.members)
        .await?)
}

#[tauri::command]
pub async fn search(shell: State<'_, Shell>, args: SearchArgs) -> Res<Vec<MessageView>> {
    Ok(shell.client()?.search(&args.query, 50)?)
}

#[tauri::command]
pub async fn people(shell: State<'_, Shell>) -> Res<Vec<PersonView>> {
    Ok(shell.client()?.people()?)
}

#[tauri::command]
pub async fn caseload(shell: State<'_, Shell>) -> Res<Vec<CaseView>> {
    Ok(shell.client()?.caseload()?)
}

#[tauri::command]
pub async fn sync(shell: State<'_, Shell>) -> Res<SyncReport> {
    Ok(shell.client()?.sync().await?)
}

#[tauri::command]
pub async fn settings(shell: State<'_, Shell>) -> Res<Settings> {
    // Readable while locked: the lock screen speaks the chosen language.
    Ok(shell
        .engine()?
        .settings()?
        .or_server(std::env::var("SAMTALE_SERVER").ok()))
}

#[tauri::command]
pub async fn set_settings(shell: State<'_, Shell>, args: SetSettingsArgs) -> Res<()> {
    Ok(shell.client()?.set_settings(&args.settings)?)
}

#[tauri::command]
pub async fn lock_state(shell: State<'_, Shell>) -> Res<LockState> {
    Ok(shell.engine()?.lock_state()?)
}

#[tauri::command]
pub async fn lock(shell: State<'_, Shell>) -> Res<LockState> {
    Ok(shell.engine()?.lock()?)
}

#[tauri::command]
pub async fn unlock(shell: State<'_, Shell>, args: UnlockArgs) -> Res<()> {
    Ok(shell.engine()?.unlock(&args.pin).await?)
}

#[tauri::command]
pub async fn set_pin(shell: State<'_, Shell>, args: SetPinArgs) -> Res<()> {
    Ok(shell
        .client()?
        .set_pin(args.current.as_deref(), args.new.as_deref())
        .await?)
}

#[tauri::command]
pub async fn start_link(shell: State<'_, Shell>, args: StartLinkArgs) -> Res<LinkCodeView> {
    Ok(shell
        .client()?
        .start_link(&args.server, &args.device_name)
        .await?)
}

#[tauri::command]
pub async fn waiting_link(shell: State<'_, Shell>) -> Res<Option<LinkCodeView>> {
    Ok(shell.client()?.waiting_link()?)
}

#[tauri::command]
pub async fn poll_link(shell: State<'_, Shell>) -> Res<bool> {
    let linked = shell.client()?.poll_link().await?;
    if linked {
        shell.start_live();
    }
    Ok(linked)
}

#[tauri::command]
pub async fn preview_link(shell: State<'_, Shell>, args: LinkCodeArgs) -> Res<LinkPreviewView> {
    Ok(shell.client()?.preview_link(&args.code).await?)
}

#[tauri::command]
pub async fn accept_link(shell: State<'_, Shell>, args: LinkCodeArgs) -> Res<LinkPreviewView> {
    Ok(shell.client()?.accept_link(&args.code).await?)
}

#[tauri::command]
pub async fn own_devices(shell: State<'_, Shell>) -> Res<Vec<OwnDeviceView>> {
    Ok(shell.client()?.own_devices().await?)
}

#[tauri::command]
pub async fn remove_device(shell: State<'_, Shell>, args: DeviceArgs) -> Res<()> {
    Ok(shell.client()?.remove_device(&args.device).await?)
}

#[tauri::command]
pub async fn alerts(shell: State<'_, Shell>) -> Res<Vec<AlertView>> {
    Ok(shell.client()?.alerts()?)
}

#[tauri::command]
pub async fn mark_alerts_seen(shell: State<'_, Shell>) -> Res<()> {
    Ok(shell.client()?.mark_alerts_seen()?)
}

#[tauri::command]
pub async fn confirm_codes(shell: State<'_, Shell>, args: PersonArgs) -> Res<()> {
    Ok(shell.client()?.confirm_codes(&args.user)?)
}

#[tauri::command]
pub fn ready(args: ReadyArgs) {
    crate::shell::ready(args)
}
