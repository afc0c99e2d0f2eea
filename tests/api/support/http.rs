//! Talking to the server below GraphQL: a raw HTTP exchange, and the
//! binary run with arguments and an environment.

use std::time::Duration;

/// Sends `head` and `body` on a connection of its own and reads the answer
/// (what arrived within 5 s), without waiting for the server to read the
/// body.
pub(crate) async fn raw_exchange(
    addr: std::net::SocketAddr,
    head: String,
    body: Vec<u8>,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer and close before the body is written.
    let _ = stream.write_all(&body).await;
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    reply.extend_from_slice(&buffer[..n]);
                    if reply.windows(4).any(|w| w == b"\r\n\r\n")
                        && String::from_utf8_lossy(&reply).contains("\"errors\"")
                        && reply.ends_with(b"}")
                    {
                        break;
                    }
                }
            }
        }
    })
    .await;
    String::from_utf8_lossy(&reply).into_owned()
}

/// Runs the revshare binary with `args` in `dir`, with only `env` (beyond
/// PATH), and returns its exit status and what it printed, within 20 s.
pub(crate) async fn run_binary(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (bool, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_revshare"));
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = tokio::time::timeout(Duration::from_secs(20), command.output())
        .await
        .expect("the command ended")
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}
