//! How webhook deliveries are made (`REVSHARE_WEBHOOK_*`: timeout, retry
//! schedule, when an endpoint is disabled, replay limits) and the bounds
//! on endpoints.

use std::time::Duration;

/// How long a rotated secret still signs deliveries, beside the new one.
pub const ROTATION_GRACE: Duration = Duration::from_secs(24 * 3600);
/// The longest URL an endpoint may have.
pub const MAX_URL_CHARS: usize = 2000;
/// Most endpoints of a tenant's own (those not of a partner).
pub const MAX_ENDPOINTS: u64 = 100;
/// Most endpoints one partner may have, counted apart from the tenant's
/// and every other partner's: no partner takes another's room.
pub const MAX_PARTNER_ENDPOINTS: u64 = 10;
/// Most events replayed to one endpoint in [`REPLAY_WINDOW`] by default
/// ([`Settings::replay_limit`]): with the endpoint quotas, what bounds how
/// much replays can send to one URL.
pub const DEFAULT_REPLAY_LIMIT: u64 = 10_000;
/// The window [`Settings::replay_limit`] counts over.
pub const REPLAY_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// How deliveries are made (`REVSHARE_WEBHOOK_*`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The longest an attempt may take.
    pub timeout: Duration,
    /// The pause before each retry: the first attempt is at once, then one
    /// after each pause.
    pub schedule: Vec<Duration>,
    /// Events in a row whose delivery failed before an endpoint is disabled.
    pub disable_after: u32,
    /// Send to `http` and to private addresses (tests, development).
    pub allow_private: bool,
    /// Most events one endpoint is replayed in [`REPLAY_WINDOW`].
    pub replay_limit: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: Duration::from_secs(15),
            schedule: parse_schedule(DEFAULT_SCHEDULE).expect("the default schedule"),
            disable_after: 20,
            replay_limit: DEFAULT_REPLAY_LIMIT,
            allow_private: false,
        }
    }
}

/// The default retry schedule: seven retries over about 28 hours.
pub const DEFAULT_SCHEDULE: &str = "5s,5m,30m,2h,5h,10h,10h";

/// `5s,5m,30m,2h`: pauses in ms, s, m, h or d.
pub fn parse_schedule(text: &str) -> Result<Vec<Duration>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let split = part
                .find(|c: char| !c.is_ascii_digit())
                .ok_or_else(|| format!("{part}: give a unit (ms, s, m, h, d)"))?;
            let (number, unit) = part.split_at(split);
            let number: u64 = number
                .parse()
                .map_err(|_| format!("{part}: not a number of {unit}"))?;
            Ok(match unit {
                "ms" => Duration::from_millis(number),
                "s" => Duration::from_secs(number),
                "m" => Duration::from_secs(number * 60),
                "h" => Duration::from_secs(number * 3600),
                "d" => Duration::from_secs(number * 86_400),
                _ => return Err(format!("{part}: the unit is one of ms, s, m, h, d")),
            })
        })
        .collect()
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_reads_its_units() {
        assert_eq!(
            parse_schedule("5s,5m, 30m,2h,100ms,1d").unwrap(),
            vec![
                Duration::from_secs(5),
                Duration::from_secs(300),
                Duration::from_secs(1800),
                Duration::from_secs(7200),
                Duration::from_millis(100),
                Duration::from_secs(86_400)
            ]
        );
        assert_eq!(Settings::default().schedule.len(), 7);
        assert!(parse_schedule("5").is_err());
        assert!(parse_schedule("5y").is_err());
    }
}
