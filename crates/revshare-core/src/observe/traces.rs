//! The process's log and trace output (SPEC §13), set up once by
//! `revshare serve` and the other commands.
//!
//! - **Logs** go to stderr as text or JSON (`REVSHARE_LOG_FORMAT`), one line
//!   per event, filtered by `RUST_LOG`; colour only when stderr is a
//!   terminal. Spans are not printed: a request's line carries its id.
//! - **Traces** go out over OTLP/HTTP (protobuf) when
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
//!   is set, batched on the SDK's own thread, with `service.name=revshare`
//!   (or `OTEL_SERVICE_NAME`). Unset, no layer wants a span, so every span
//!   site is disabled at its callsite and costs a branch.

use opentelemetry::propagation::Extractor;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{EnvFilter, FilterExt, Targets, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<LogFormat, String> {
        match s.to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("REVSHARE_LOG_FORMAT is {other}: use text or json")),
        }
    }
}

/// Whether spans are exported: the request layer continues incoming traces
/// only then.
static EXPORTING: AtomicBool = AtomicBool::new(false);
static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// The filter when `RUST_LOG` is unset.
const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn";

/// Installs the process's subscriber: the log layer, and the trace exporter
/// when an OTLP endpoint is configured. Answers what it could not set up
/// (the log still works then).
pub fn init(format: LogFormat) -> Result<(), String> {
    use std::io::IsTerminal;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let events_only = filter_fn(|meta| meta.is_event());
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let log = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .with_filter(filter.and(events_only))
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_writer(std::io::stderr)
            .with_filter(filter.and(events_only))
            .boxed(),
    };
    let (traces, failed) = match exporter() {
        Ok(Some(provider)) => {
            let tracer = provider.tracer("revshare");
            opentelemetry::global::set_text_map_propagator(
                opentelemetry_sdk::propagation::TraceContextPropagator::new(),
            );
            let _ = PROVIDER.set(provider);
            EXPORTING.store(true, Ordering::Relaxed);
            // revshare's own spans, at info and above: not the libraries'.
            let spans = Targets::new().with_target("revshare", tracing::Level::INFO);
            let layer = tracing_opentelemetry::layer()
                .with_tracer(tracer)
                .with_tracked_inactivity(false)
                .with_filter(spans.and(filter_fn(|meta| meta.is_span())));
            (Some(layer), None)
        }
        Ok(None) => (None, None),
        Err(err) => (None, Some(err)),
    };
    // Without an exporter the trace layer is left out, not added as
    // `None`: an absent layer in the stack makes the registry ask every
    // span site again on each call (interest "sometimes") and build and
    // enter every span, for no one.
    let logging = tracing_subscriber::registry().with(log);
    match traces {
        Some(traces) => logging.with(traces).try_init(),
        None => logging.try_init(),
    }
    .map_err(|e| e.to_string())?;
    match failed {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

/// The tracer provider, when an endpoint is configured.
fn exporter() -> Result<Option<SdkTracerProvider>, String> {
    let configured = [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|name| std::env::var(name).is_ok_and(|v| !v.trim().is_empty()));
    if !configured {
        return Ok(None);
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
        .map_err(|e| format!("cannot export traces (OTEL_EXPORTER_OTLP_ENDPOINT): {e}"))?;
    let mut resource = opentelemetry_sdk::Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("revshare");
    }
    Ok(Some(
        SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource.build())
            .build(),
    ))
}

/// Sends the spans still queued; called once, at shutdown.
pub fn flush() {
    if let Some(provider) = PROVIDER.get() {
        let _ = provider.shutdown();
    }
}

/// Makes `span` a child of the request's W3C `traceparent`, when spans are
/// exported and the request carries one. `header` reads one of the
/// request's headers by name (the HTTP server's type stays the surface's).
pub fn continue_trace<'a>(span: &tracing::Span, header: impl Fn(&str) -> Option<&'a str>) {
    let headers = Headers(TRACE_HEADERS.map(header));
    if !EXPORTING.load(Ordering::Relaxed) || headers.0[0].is_none() {
        return;
    }
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let parent =
        opentelemetry::global::get_text_map_propagator(|propagator| propagator.extract(&headers));
    let _ = span.set_parent(parent);
}

/// The W3C trace context's two headers, as the propagator asks for them.
const TRACE_HEADERS: [&str; 2] = ["traceparent", "tracestate"];

/// The request's values of [`TRACE_HEADERS`], in their order.
struct Headers<'a>([Option<&'a str>; 2]);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        let at = TRACE_HEADERS
            .iter()
            .position(|name| name.eq_ignore_ascii_case(key))?;
        self.0[at]
    }

    fn keys(&self) -> Vec<&str> {
        TRACE_HEADERS
            .iter()
            .zip(self.0)
            .filter(|(_, value)| value.is_some())
            .map(|(name, _)| *name)
            .collect()
    }
}

/// What the process prints for its operator (where it serves, the
/// development token, why it stopped): the text as it is with text logs;
/// with JSON logs, a JSON object a line like a log line's (`timestamp`,
/// `level`, `target`, `message`, then `fields`), so that every line the
/// process writes is JSON. `to_stderr` for errors.
#[derive(Debug, Clone, Copy)]
pub struct Say {
    pub format: LogFormat,
}

impl Say {
    /// `text` (one or more lines) to stdout; with JSON logs, one object
    /// whose message is `text` joined, with `fields` beside it.
    pub fn out(&self, text: &str, fields: serde_json::Value) {
        match self.format {
            LogFormat::Text => println!("{text}"),
            LogFormat::Json => println!("{}", json_line("INFO", text, fields)),
        }
    }

    /// A blank line between blocks of text (nothing with JSON logs).
    pub fn gap(&self) {
        if self.format == LogFormat::Text {
            println!();
        }
    }

    /// Why the process stops, to stderr.
    pub fn fatal(&self, text: &str) {
        match self.format {
            LogFormat::Text => eprintln!("Error: {text}"),
            LogFormat::Json => eprintln!("{}", json_line("ERROR", text, serde_json::json!({}))),
        }
    }

    /// With JSON logs, a panic's message as a JSON line too.
    pub fn hook_panics(&self) {
        if self.format != LogFormat::Json {
            return;
        }
        std::panic::set_hook(Box::new(|info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            eprintln!(
                "{}",
                json_line("ERROR", &message, serde_json::json!({ "panic": location }))
            );
        }));
    }
}

fn json_line(level: &str, text: &str, fields: serde_json::Value) -> String {
    let mut line = serde_json::json!({
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "level": level,
        "target": "revshare",
        "message": text.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" "),
    });
    if let (Some(line), serde_json::Value::Object(fields)) = (line.as_object_mut(), fields) {
        line.extend(fields);
    }
    line.to_string()
}
