//! A small closed-loop HTTP load generator for revshare's GraphQL endpoint:
//! `concurrency` workers send one request body for `seconds`, each waiting for
//! its reply before sending again. Prints requests per second and latency
//! percentiles. Every `{{seq}}` in the body is replaced by a value unique to
//! the request and to the run (for idempotency keys: a second run against the
//! same database must not measure redeliveries), every `{{worker}}` by the worker's
//! number (to spread requests over partners). Only loopback targets make sense here;
//! the run is bounded by its duration. BODY_FILE may be a comma-separated list
//! of files: each worker then sends them in turn, starting at its own number,
//! so the load is an even mix. A TOKEN of `-` sends no Authorization header
//! (for a peer server that has no notion of revshare's tokens). With
//! `LOADGEN_PICK=FILE`, every `{{pick}}` is replaced by a line of FILE, the
//! next one for each request across all workers (for requests that must
//! each name a row of their own, such as a deal moved to a stage it has not
//! reached); when the lines run out they start again, and the run says so.
//! With `LOADGEN_STRIPE_SECRET=whsec_…`, each request is signed as Stripe
//! signs its webhooks (`Stripe-Signature: t=…,v1=…`), for the connector's
//! endpoint. With `LOADGEN_METHOD=GET`, each request is a `GET` of URL (no
//! body: BODY_FILE is `-`) that must answer below 400, redirects not
//! followed, with the headers of `LOADGEN_HEADERS` (`name: value`, one a
//! line), where `{{seq}}` is as above and `{{ip}}` an address unique to
//! the request (for a short link's visitors).
//!
//! cargo run --release --example loadgen -- URL TOKEN BODY_FILE[,BODY_FILE…] [CONCURRENCY] [SECONDS]

use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: loadgen URL TOKEN BODY_FILE [CONCURRENCY] [SECONDS]");
        std::process::exit(2);
    }
    let url = args[1].clone();
    let token = args[2].clone();
    let get = std::env::var("LOADGEN_METHOD").is_ok_and(|m| m == "GET");
    let bodies: Vec<String> = match get {
        true => vec![String::new()],
        false => args[3]
            .split(',')
            .map(|path| std::fs::read_to_string(path).expect("read body file"))
            .collect(),
    };
    let concurrency: usize = args.get(4).map_or(16, |c| c.parse().expect("concurrency"));
    let picks: std::sync::Arc<Vec<String>> =
        std::sync::Arc::new(match std::env::var("LOADGEN_PICK") {
            Ok(path) => std::fs::read_to_string(path)
                .expect("read pick file")
                .lines()
                .map(str::to_owned)
                .collect(),
            Err(_) => Vec::new(),
        });
    let picked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let pick = {
        let (picks, picked) = (picks.clone(), picked.clone());
        move |body: &str| -> String {
            if picks.is_empty() || !body.contains("{{pick}}") {
                return body.to_owned();
            }
            let n = picked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            body.replace("{{pick}}", &picks[n % picks.len()])
        }
    };
    let seconds: u64 = args.get(5).map_or(10, |s| s.parse().expect("seconds"));

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis();
    // Warm-up: one request of each body, which must succeed without GraphQL errors.
    for (i, body) in bodies.iter().enumerate() {
        let warm_up = pick(body)
            .replace("{{seq}}", &format!("{run}-warm-up-{i}"))
            .replace("{{worker}}", "0");
        let reply = send(&client, &url, &token, &warm_up)
            .await
            .expect("warm-up request");
        assert!(
            !reply.contains("\"errors\""),
            "warm-up reply has errors: {reply}"
        );
    }

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            let pick = pick.clone();
            let bodies: Vec<String> = bodies
                .iter()
                .map(|body| body.replace("{{worker}}", &worker.to_string()))
                .collect();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failures = 0u64;
                let mut sequence = 0u64;
                while Instant::now() < deadline {
                    sequence += 1;
                    let body = &bodies[(worker + sequence as usize) % bodies.len()];
                    let request =
                        pick(body).replace("{{seq}}", &format!("{run}-{worker}-{sequence}"));
                    let sent = Instant::now();
                    match send(&client, &url, &token, &request).await {
                        Ok(reply) if !reply.contains("\"errors\"") => {
                            latencies.push(sent.elapsed())
                        }
                        _ => failures += 1,
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = 0;
    for worker in workers {
        let (mut l, f) = worker.await.unwrap();
        latencies.append(&mut l);
        failures += f;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let used = picked.load(std::sync::atomic::Ordering::Relaxed);
    if !picks.is_empty() && used > picks.len() {
        eprintln!(
            "loadgen: {used} requests took a {{{{pick}}}} line of {}: lines were used again",
            picks.len()
        );
    }
    latencies.sort();
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[index].as_secs_f64() * 1000.0
    };
    println!(
        "requests={} failures={} seconds={:.1} concurrency={} rps={:.0} p50_ms={:.2} p99_ms={:.2}",
        latencies.len(),
        failures,
        elapsed,
        concurrency,
        latencies.len() as f64 / elapsed,
        percentile(0.50),
        percentile(0.99),
    );
}

/// `Stripe-Signature` for `body`, now.
fn stripe_signature(secret: &str, body: &str) -> String {
    use hmac::Mac;
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(format!("{t}.{body}").as_bytes());
    let v1: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={t},v1={v1}")
}

/// Requests made so far, for `{{ip}}`.
static SENT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

async fn send(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: &str,
) -> Result<String, reqwest::Error> {
    if std::env::var("LOADGEN_METHOD").is_ok_and(|m| m == "GET") {
        let n = SENT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // 100.64.0.0/10, one address a request.
        let ip = std::net::Ipv4Addr::from(0x6440_0000u32 | (n & 0x003f_ffff)).to_string();
        let mut request = client.get(url);
        for line in std::env::var("LOADGEN_HEADERS").unwrap_or_default().lines() {
            if let Some((name, value)) = line.split_once(':') {
                let value = value
                    .trim()
                    .replace("{{seq}}", &n.to_string())
                    .replace("{{ip}}", &ip);
                request = request.header(name.trim(), value);
            }
        }
        let response = request.send().await?;
        let status = response.status();
        let _ = response.bytes().await?;
        return Ok(match status.as_u16() < 400 {
            true => String::new(),
            false => format!("\"errors\": {status}"),
        });
    }
    let request = client.post(url);
    let request = if token == "-" {
        request
    } else {
        request.bearer_auth(token)
    };
    let request = match std::env::var("LOADGEN_STRIPE_SECRET") {
        Ok(secret) => request.header("stripe-signature", stripe_signature(&secret, body)),
        Err(_) => request,
    };
    request
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await?
        .text()
        .await
}
