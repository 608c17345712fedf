//! How long a failing source waits before the daemon polls it again.
//!
//! [`retry`](super::retry) decides about attempts within one pass (a few, seconds apart); this
//! module decides about passes: after `n` consecutive failed passes a source waits
//! [`BASE`] × 2ⁿ⁻¹, capped at `settings.max_backoff_secs` (default 24 h), less up to a quarter
//! of it at random so that sources that failed together (one host down, a network outage) come
//! back spread out. A `Retry-After` the server sent wins when it asks for longer, up to the same
//! cap. A source is never abandoned: at the cap it is still tried once per cap.
//!
//! Pure functions: the caller passes the failure count and the randomness, and turns the wait
//! into a stored `next_attempt_at`. The jitter only ever shortens a wait, so waits grow with
//! every failure until the cap (1.5 × the previous wait at least) and never exceed it.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// The wait after the first failure; it doubles with each consecutive failure after it.
pub const BASE: Duration = Duration::from_mins(1);

/// The share of a wait the jitter may take off: waits fall in `[¾ w, w]`.
pub const JITTER: f64 = 0.25;

/// The wait after `failures` consecutive failures (1 for the first), before jitter.
pub fn exponential(failures: u32, max: Duration) -> Duration {
    let doublings = failures.saturating_sub(1).min(63);
    let factor = 1u64 << doublings;
    let secs = BASE.as_secs().saturating_mul(factor);
    Duration::from_secs(secs).min(max)
}

/// The wait after `failures` consecutive failures.
///
/// `unit` is a random number in `[0, 1)` (`fastrand::f64()`); `retry_after` is what the
/// server's `Retry-After` asked for, if anything. The result never exceeds `max`.
pub fn delay(failures: u32, retry_after: Option<Duration>, max: Duration, unit: f64) -> Duration {
    let full = exponential(failures, max);
    let jittered = full.mul_f64(1.0 - JITTER * unit.clamp(0.0, 1.0));
    retry_after.map_or(jittered, |asked| jittered.max(asked)).min(max)
}

/// When a source that just failed for the `failures`-th time in a row may be polled again.
pub fn next_attempt_at(
    now: DateTime<Utc>,
    failures: u32,
    retry_after: Option<Duration>,
    max: Duration,
) -> DateTime<Utc> {
    let wait = delay(failures, retry_after, max, fastrand::f64());
    now + TimeDelta::from_std(wait).unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_hours(24);

    #[test]
    fn waits_double_with_each_failure() {
        let waits: Vec<u64> = (1..=6).map(|n| exponential(n, DAY).as_secs()).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920]);
        // Zero failures is treated as the first: nothing shorter than BASE.
        assert_eq!(exponential(0, DAY), BASE);
    }

    #[test]
    fn the_cap_holds_for_any_count() {
        assert_eq!(exponential(11, DAY).as_secs(), 61_440, "60 s × 2¹⁰ is under a day");
        assert_eq!(exponential(12, DAY), DAY, "60 s × 2¹¹ is over a day");
        assert_eq!(exponential(u32::MAX, DAY), DAY);
        for unit in [0.0, 0.5, 0.999] {
            assert!(delay(u32::MAX, None, DAY, unit) <= DAY);
        }
        // A cap under BASE caps the first wait too.
        assert_eq!(exponential(1, Duration::from_secs(10)), Duration::from_secs(10));
    }

    #[test]
    fn jitter_stays_within_a_quarter_below() {
        for n in 1..=12 {
            let full = exponential(n, DAY);
            for _ in 0..200 {
                let wait = delay(n, None, DAY, fastrand::f64());
                assert!(wait <= full && wait >= full.mul_f64(1.0 - JITTER), "{n}: {wait:?}");
            }
            assert_eq!(delay(n, None, DAY, 0.0), full);
            assert_eq!(delay(n, None, DAY, 1.0), full.mul_f64(0.75));
        }
    }

    #[test]
    fn waits_grow_whatever_the_jitter_until_the_cap() {
        // The shortest wait after n+1 failures is longer than the longest after n.
        for n in 1..10 {
            assert!(delay(n + 1, None, DAY, 1.0) > delay(n, None, DAY, 0.0), "{n}");
        }
    }

    #[test]
    fn retry_after_wins_when_longer_and_is_capped() {
        let asked = Duration::from_hours(1);
        assert_eq!(delay(1, Some(asked), DAY, 0.5), asked);
        // A short Retry-After does not shorten the backoff.
        assert_eq!(delay(8, Some(Duration::from_secs(5)), DAY, 0.0), exponential(8, DAY));
        // Nor can a server push a source past the cap.
        assert_eq!(delay(1, Some(DAY * 7), DAY, 0.0), DAY);
    }

    #[test]
    fn next_attempt_is_in_the_future_by_the_wait() {
        let now = DateTime::parse_from_rfc3339("2024-03-05T10:00:00Z").unwrap().to_utc();
        let at = next_attempt_at(now, 3, None, DAY);
        let wait = (at - now).to_std().unwrap();
        assert!(wait <= Duration::from_mins(4) && wait >= Duration::from_mins(3), "{wait:?}");
    }
}
