//! The server's `/metrics`, read as a scraper reads it: what a test
//! waits on when the condition is the server's own (a subscription
//! registered, a batch taken).

use crate::helpers::TestApp;
use std::time::Duration;

/// `GET /metrics` of `app`.
pub async fn scrape(app: &TestApp) -> String {
    let url = format!("http://{}/metrics", app.metrics_addr);
    scrape_url(&app.client, &url).await
}

/// `GET` of a server's metrics at `url` (a replica's, say).
pub async fn scrape_url(client: &reqwest::Client, url: &str) -> String {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    response.text().await.unwrap()
}

/// The value of the sample `series` (name and labels as written), if any.
pub fn sample(text: &str, series: &str) -> Option<String> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.split(' ').next().unwrap_or_default().to_owned())
}

/// Scrapes until `done` holds (within 10 s).
pub async fn scrape_until(app: &TestApp, done: impl Fn(&str) -> bool) -> String {
    let within = Duration::from_secs(10);
    let text = super::wait::last_of(within, async || scrape(app).await, |text| done(text)).await;
    assert!(done(&text), "metrics never got there: {text}");
    text
}

/// Waits until `series` reads `value`.
pub async fn until_sample(app: &TestApp, series: &str, value: &str) -> String {
    scrape_until(app, |text| sample(text, series).as_deref() == Some(value)).await
}
