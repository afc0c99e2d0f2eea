//! One message over SMTP, every step under the deadline of
//! `REVSHARE_SMTP_TIMEOUT_MS` ([`Smtp::timeout`]): opening the session
//! (connecting, TLS, the greeting and `EHLO`), `STARTTLS`, `AUTH`, `MAIL`,
//! each `RCPT`, `DATA`, and the message itself with the server's final
//! answer. A server that stops answering costs one deadline, never more.
//!
//! What a failure means depends on how far the message got. Until the
//! whole message has been written and its terminating `.` is on its way
//! the server cannot have accepted it, so it is tried again later; from
//! then on it may have been, so it is sent again with the same
//! `Message-ID` (at least once: its reader's mail client keeps one copy;
//! see `super::send`). The sender marks
//! a row in flight (`hand_over`) only once the server has answered `DATA`
//! with `354`, just before the message is written.

use super::settings::{Security, Smtp};
use crate::error::ApiResult;
use lettre::transport::smtp::authentication::DEFAULT_MECHANISMS;
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The longest an SMTP answer is kept as `lastError`.
const MAX_ERROR_CHARS: usize = 300;

/// How one message's attempt ended.
pub enum Delivery {
    /// `250` to the message.
    Accepted,
    /// A permanent refusal (5xx) of the sender, a recipient or the message.
    Refused(String),
    /// A temporary refusal (4xx), or no answer or connection before the
    /// message was written whole: not accepted, so safe to try again.
    Later(String),
    /// What the transport itself refuses to send (an address or content
    /// the server cannot take).
    Unsendable(String),
    /// No answer after the message was written whole: the server may
    /// have accepted it, so it is sent again with the same `Message-ID`.
    MaybeSent(String),
    /// Another claim took the row before it was handed over: nothing was
    /// written, nothing is recorded.
    Taken,
}

/// An open SMTP session, ready for `MAIL`.
pub struct Session {
    conn: AsyncSmtpConnection,
    deadline: Duration,
}

/// What the server said, as an admin reads it.
pub fn answer(err: &lettre::transport::smtp::Error) -> String {
    let text = match err.status() {
        Some(code) => format!("{code} {err}"),
        None => format!("could not reach the SMTP server: {err}"),
    };
    bounded(text)
}

fn bounded(text: String) -> String {
    match text.chars().count() > MAX_ERROR_CHARS {
        true => text.chars().take(MAX_ERROR_CHARS).collect(),
        false => text,
    }
}

fn silent(step: &str, deadline: Duration) -> String {
    format!(
        "the SMTP server did not answer {step} within {} ms",
        deadline.as_millis()
    )
}

/// Runs one step under the deadline: `Err` names the step when it ran out.
async fn step<T>(
    deadline: Duration,
    name: &str,
    work: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<Result<T, lettre::transport::smtp::Error>, String> {
    tokio::time::timeout(deadline, work)
        .await
        .map_err(|_| silent(name, deadline))
}

/// Opens a session: connected, greeted, encrypted as configured and
/// authenticated. `Err`: why not, as an admin reads it — nothing was sent,
/// and the server is not asked again in this pass.
pub async fn open(smtp: &Smtp) -> Result<Session, String> {
    let deadline = smtp.timeout;
    let hello = ClientId::default();
    let tls = |host: &str| TlsParameters::new(host.to_owned()).map_err(|e| answer(&e));
    let wrapper = match smtp.security {
        Security::Tls => Some(tls(&smtp.host)?),
        Security::StartTls | Security::None => None,
    };
    let connect = AsyncSmtpConnection::connect_tokio1(
        (smtp.host.as_str(), smtp.port),
        Some(deadline),
        &hello,
        wrapper,
        None,
    );
    let mut conn = step(deadline, "the connection and greeting", connect)
        .await?
        .map_err(|e| answer(&e))?;
    if smtp.security == Security::StartTls {
        if !conn.can_starttls() {
            return Err("the SMTP server does not offer STARTTLS, which is required".into());
        }
        let parameters = tls(&smtp.host)?;
        step(deadline, "STARTTLS", conn.starttls(parameters, &hello))
            .await?
            .map_err(|e| answer(&e))?;
    }
    if let Some((user, password)) = &smtp.credentials {
        let credentials = lettre::transport::smtp::authentication::Credentials::new(
            user.clone(),
            password.clone(),
        );
        step(
            deadline,
            "AUTH",
            conn.auth(DEFAULT_MECHANISMS, &credentials),
        )
        .await?
        .map_err(|e| answer(&e))?;
    }
    Ok(Session { conn, deadline })
}

impl Session {
    /// Sends `message`. `hand_over` is called once the server has answered
    /// `DATA`, before a byte of the message is written: `false` (another
    /// claim has the row) drops the connection, the message unwritten.
    pub async fn deliver<F, Fut>(
        mut self,
        message: &lettre::Message,
        hand_over: F,
    ) -> ApiResult<Delivery>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<bool>>,
    {
        let deadline = self.deadline;
        let envelope = message.envelope();
        let body = message.formatted();
        let mut options = vec![];
        let non_ascii = envelope
            .from()
            .into_iter()
            .chain(envelope.to())
            .any(|a| !AsRef::<str>::as_ref(a).is_ascii());
        if non_ascii {
            if !self
                .conn
                .server_info()
                .supports_feature(Extension::SmtpUtfEight)
            {
                return Ok(Delivery::Unsendable(
                    "the address is not ASCII and the SMTP server does not take SMTPUTF8".into(),
                ));
            }
            options.push(MailParameter::SmtpUtfEight);
        }
        if !body.is_ascii() {
            if !self
                .conn
                .server_info()
                .supports_feature(Extension::EightBitMime)
            {
                return Ok(Delivery::Unsendable(
                    "the message is not ASCII and the SMTP server does not take 8BITMIME".into(),
                ));
            }
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        // Before the message is written: any failure leaves it unsent.
        let before =
            |outcome: Result<Result<_, lettre::transport::smtp::Error>, String>| match outcome {
                Err(silent) => Err(Delivery::Later(silent)),
                Ok(Err(err)) if err.is_permanent() => Err(Delivery::Refused(answer(&err))),
                Ok(Err(err)) => Err(Delivery::Later(answer(&err))),
                Ok(Ok(_)) => Ok(()),
            };
        let mail = Mail::new(envelope.from().cloned(), options);
        if let Err(outcome) = before(step(deadline, "MAIL FROM", self.conn.command(mail)).await) {
            return Ok(outcome);
        }
        for to in envelope.to() {
            let rcpt = Rcpt::new(to.clone(), vec![]);
            if let Err(outcome) = before(step(deadline, "RCPT TO", self.conn.command(rcpt)).await) {
                return Ok(outcome);
            }
        }
        if let Err(outcome) = before(step(deadline, "DATA", self.conn.command(Data)).await) {
            return Ok(outcome);
        }
        if !hand_over().await? {
            return Ok(Delivery::Taken);
        }
        // Set once the whole message is written, as its terminator goes
        // out: from then on the server may have accepted it.
        let whole = AtomicBool::new(false);
        let parts = std::iter::once(body.as_slice()).chain(std::iter::from_fn(|| {
            whole.store(true, Ordering::SeqCst);
            None
        }));
        let sent = step(deadline, "the message", self.conn.message_iter(parts)).await;
        let may_have = whole.load(Ordering::SeqCst);
        let outcome = match sent {
            Ok(Ok(_)) => Delivery::Accepted,
            Ok(Err(err)) if err.is_permanent() => Delivery::Refused(answer(&err)),
            Ok(Err(err)) if err.is_transient() => Delivery::Later(answer(&err)),
            Ok(Err(err)) if may_have => Delivery::MaybeSent(bounded(format!(
                "the connection failed after the message was handed to the SMTP server: it may \
                 have been sent, so it is not sent again ({})",
                answer(&err)
            ))),
            Ok(Err(err)) => Delivery::Later(answer(&err)),
            Err(silent) if may_have => Delivery::MaybeSent(format!(
                "{silent} after the message was handed over: it may have been sent, so it is not \
                 sent again"
            )),
            Err(silent) => Delivery::Later(silent),
        };
        if matches!(outcome, Delivery::Accepted) {
            // Said goodbye off the sender's way: a server that hangs now
            // holds up no other message.
            let mut conn = self.conn;
            tokio::spawn(async move {
                let _ = tokio::time::timeout(deadline, conn.quit()).await;
            });
        }
        Ok(outcome)
    }
}
