//! `samtale-load notices`: how fast the server tells citizens about unread messages, and how
//! long the caseworker's "kan ikke nås digitalt" list takes for many citizens.
//!
//! The generator plays the SMS gateway: a small HTTP/1.1 server on `--gateway-listen` that
//! answers GatewayAPI's `POST /rest/mtsms` as the real one does (`{"ids":[n]}`) and keeps the
//! texts. The server under test must send there (`SAMTALE_SMS_URL`), with a contact key, a
//! notice wait of one second, no quiet hours and unreachable after 0 days, and the caseworker
//! in a unit (`run.sh notices` starts it so).
//!
//! 1. `--citizens` youths each verify a number with the code the gateway received and consent
//!    to SMS about new messages; the caseworker then writes once to each. Measured: notices
//!    per second at the gateway (first to last), and from the last message sent to the last
//!    notice.
//! 2. `--unreachable` more youths, with no number, each get one message; once every one of
//!    them is on the list, `GET /v1/unreachable` is timed `--repeat` times.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use futures_util::{StreamExt as _, TryStreamExt as _, stream};
use reqwest::{Method, StatusCode};
use samtale_crypto::Recipient;
use samtale_proto::notices::UnreachableView;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};

use crate::api::{Api, Session};
use crate::envelopes::{Destination, Sender, seal_many};
use crate::population::{Target, youths};
use crate::stats::{Summary, ms};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// Where to listen as the SMS gateway (the server's SAMTALE_SMS_URL points here).
    #[arg(long, default_value = "127.0.0.1:18090")]
    pub gateway_listen: String,
    /// Youths with a verified number and consent, each told once.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=50_000))]
    pub citizens: u32,
    /// Youths nothing digital reaches, for the list.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(0..=50_000))]
    pub unreachable: u32,
    /// Timings of the list.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub repeat: u32,
}

/// What the gateway double received: (when, recipient number, text).
#[derive(Default)]
struct Inbox {
    texts: Mutex<Vec<(Instant, String, String)>>,
}

impl Inbox {
    fn count(&self, pred: impl Fn(&str) -> bool) -> usize {
        self.texts
            .lock()
            .map(|t| t.iter().filter(|(_, _, m)| pred(m)).count())
            .unwrap_or(0)
    }
}

/// Serves one keep-alive connection: each request's JSON body is kept, each answered with an id.
async fn serve(socket: tokio::net::TcpStream, inbox: Arc<Inbox>) -> Result<()> {
    let (read, mut write) = socket.into_split();
    let mut read = BufReader::new(read);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        let mut first = true;
        loop {
            line.clear();
            if read.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            if first {
                ensure!(
                    line.starts_with("POST "),
                    "the gateway takes POST only: {line}"
                );
                first = false;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().context("content-length")?;
            }
        }
        ensure!(length <= 1 << 20, "a body of {length} bytes");
        let mut body = vec![0; length];
        read.read_exact(&mut body).await?;
        let v: Value = serde_json::from_slice(&body).context("the gateway's JSON")?;
        let text = v["message"].as_str().unwrap_or_default().to_owned();
        let to = v["recipients"][0]["msisdn"].to_string();
        let n = {
            let mut t = inbox
                .texts
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?;
            t.push((Instant::now(), to, text));
            t.len()
        };
        let answer = json!({ "ids": [n] }).to_string();
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            answer.len()
        );
        write.write_all(head.as_bytes()).await?;
        write.write_all(answer.as_bytes()).await?;
    }
}

async fn gateway(listen: &str) -> Result<Arc<Inbox>> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} as the gateway"))?;
    let inbox = Arc::new(Inbox::default());
    let kept = inbox.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let inbox = kept.clone();
            tokio::spawn(async move {
                if let Err(e) = serve(socket, inbox).await {
                    eprintln!("gateway: {e:#}");
                }
            });
        }
    });
    Ok(inbox)
}

async fn call(api: &Api, method: Method, path: &str, who: &Session, body: Value) -> Result<Value> {
    let body = (!body.is_null()).then(|| body.to_string().into_bytes());
    let (status, bytes) = api.send(method, path, Some(&who.token), body).await?;
    if !status.is_success() {
        bail!(
            "{path} answered {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
    }
    if bytes.is_empty() || status == StatusCode::NO_CONTENT {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&bytes).with_context(|| format!("{path} answer"))
}

/// Waits (bounded) until `ok` holds, looking every 20 ms.
async fn until(what: &str, limit: Duration, ok: impl Fn() -> bool) -> Result<()> {
    let deadline = Instant::now() + limit;
    while !ok() {
        ensure!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// A number, a code from the gateway, the code typed back, and consent to the unit.
async fn reachable(api: &Api, inbox: &Inbox, kid: &Session, i: u32, unit: &str) -> Result<()> {
    let number = format!("{}", 20_000_000 + i);
    call(
        api,
        Method::PUT,
        "/v1/me/contacts",
        kid,
        json!({ "channel": "sms", "value": number }),
    )
    .await?;
    call(
        api,
        Method::POST,
        "/v1/me/contacts/sms/code",
        kid,
        Value::Null,
    )
    .await?;
    let msisdn = format!("45{number}");
    let code = {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let found = inbox.texts.lock().ok().and_then(|t| {
                t.iter().find(|(_, to, _)| *to == msisdn).map(|(_, _, m)| {
                    m.split(|c: char| !c.is_ascii_digit())
                        .find(|w| w.len() == 6)
                        .unwrap_or_default()
                        .to_owned()
                })
            });
            if let Some(code) = found {
                break code;
            }
            ensure!(Instant::now() < deadline, "no code for {number}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    call(
        api,
        Method::POST,
        "/v1/me/contacts/sms/verify",
        kid,
        json!({ "code": code }),
    )
    .await?;
    call(
        api,
        Method::POST,
        "/v1/me/consents",
        kid,
        json!({ "unit": unit, "purpose": "new_messages", "channel": "sms" }),
    )
    .await?;
    Ok(())
}

/// The caseworker writes once to each youth (sealed before, sent `concurrency` at a time);
/// answers when the last was taken.
async fn write_to_each(
    api: &Api,
    cw: &Session,
    kids: &[Session],
    concurrency: usize,
) -> Result<Instant> {
    let own = cw.identity.recipient();
    let mut to = Vec::with_capacity(kids.len());
    for kid in kids {
        let thread = api.youth_thread(cw, &kid.user).await?;
        to.push(Destination {
            thread: thread.id,
            recipients: vec![
                Recipient::from_keys(&kid.identity.public_keys())?,
                own.clone(),
            ],
        });
    }
    let from = Sender {
        identity: &cw.identity,
        user: &cw.user,
        device: &cw.device,
    };
    let sealed = tokio::task::block_in_place(|| seal_many(&from, &to, to.len(), 200))?;
    stream::iter(sealed)
        .map(|s| async move {
            let status = api.post_envelope(&cw.token, s.body).await?;
            ensure!(status.is_success(), "a message was refused: {status}");
            Ok(())
        })
        .buffer_unordered(concurrency)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(Instant::now())
}

pub async fn run(args: &Args) -> Result<Value> {
    let api = Api::new(&args.target.server)?;
    let inbox = gateway(&args.gateway_listen).await?;
    let cw = args.target.login(&api).await?;
    let concurrency = usize::from(args.target.setup_concurrency);
    let units: Value = call(&api, Method::GET, "/v1/units", &cw, Value::Null).await?;
    let unit = units[0]["id"]
        .as_str()
        .context("the caseworker's municipality has no unit (run.sh notices makes one)")?
        .to_owned();

    // 1. Reachable youths: each told once by SMS.
    let n = args.citizens as usize;
    let kids = youths(&api, &cw, n, concurrency).await?;
    let started = Instant::now();
    stream::iter(kids.iter().zip(0u32..))
        .map(|(kid, i)| {
            let (api, inbox, unit) = (&api, &inbox, unit.as_str());
            async move { reachable(api, inbox, kid, i, unit).await }
        })
        .buffer_unordered(concurrency)
        .try_collect::<Vec<()>>()
        .await?;
    eprintln!(
        "set-up: {n} numbers verified and consents given in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let is_notice = |m: &str| m.starts_with("Du har en ny besked");
    let sent = write_to_each(&api, &cw, &kids, concurrency).await?;
    until(
        "every notice at the gateway",
        Duration::from_secs(600),
        || inbox.count(is_notice) >= n,
    )
    .await?;
    let times: Vec<Instant> = inbox
        .texts
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .iter()
        .filter(|(_, _, m)| is_notice(m))
        .map(|(t, _, _)| *t)
        .collect();
    let (first, last) = (
        times.iter().min().copied().unwrap_or(sent),
        times.iter().max().copied().unwrap_or(sent),
    );
    let spread = last.duration_since(first).as_secs_f64().max(1e-3);
    let per_second = (times.len().saturating_sub(1)) as f64 / spread;
    let tail = last.saturating_duration_since(sent);
    println!(
        "notices: {} sent to the gateway, {per_second:.0}/s (first to last {spread:.2}s); last message to last notice {:.2}s (the wait before a notice is 1 s)",
        times.len(),
        tail.as_secs_f64()
    );
    ensure!(times.len() == n, "{} notices for {n} youths", times.len());

    // 2. Youths nothing reaches, on the list.
    let m = args.unreachable as usize;
    let mut list_times: Vec<Duration> = Vec::new();
    if m > 0 {
        let lost = youths(&api, &cw, m, concurrency).await?;
        write_to_each(&api, &cw, &lost, concurrency).await?;
        let deadline = Instant::now() + Duration::from_secs(900);
        loop {
            let list: Vec<UnreachableView> = serde_json::from_value(
                call(&api, Method::GET, "/v1/unreachable", &cw, Value::Null).await?,
            )?;
            if list.len() >= m {
                break;
            }
            ensure!(
                Instant::now() < deadline,
                "only {} of {m} on the list",
                list.len()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        for _ in 0..args.repeat {
            let t = Instant::now();
            let (status, bytes) = api
                .send(Method::GET, "/v1/unreachable", Some(&cw.token), None)
                .await?;
            list_times.push(t.elapsed());
            ensure!(status == StatusCode::OK, "the list answered {status}");
            let list: Vec<UnreachableView> = serde_json::from_slice(&bytes)?;
            ensure!(list.len() >= m, "{} on the list", list.len());
        }
    }
    let list = Summary::of(&mut list_times);
    if m > 0 {
        println!(
            "unreachable list of {m} citizens (caseworker, GET /v1/unreachable): {}",
            list.millis()
        );
    }
    Ok(json!({
        "bench": "notices",
        "citizens": n,
        "notices_per_second": per_second.round(),
        "last_message_to_last_notice_ms": ms(tail),
        "unreachable": m,
        "unreachable_list_p50_ms": ms(list.p50),
        "unreachable_list_p99_ms": ms(list.p99),
    }))
}
