//! Times on the command line and on screen: decimal durations with GNU's
//! `s`/`m`/`h`/`d` suffixes (`sleep 0.5`, `top -d 1`), `@SECONDS` moments
//! (`date -d`, `touch -d`), the wall clock, and dates formatted with
//! `cairn-text`'s `strftime`-like formats (UTC: Cairn has no time zones).
//!
//! Depends on `cairn-rt` and `cairn-text`.

use cairn_rt::String;
use cairn_rt::time::{Duration, SystemTime, UNIX_EPOCH};

/// Parses `N[.N][s|m|h|d]` as a duration.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let (number, unit) = match text.char_indices().last()? {
        (at, 's') => (&text[..at], 1),
        (at, 'm') => (&text[..at], 60),
        (at, 'h') => (&text[..at], 3600),
        (at, 'd') => (&text[..at], 86_400),
        _ => (text, 1),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let is_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !is_digits(whole) || !is_digits(fraction) {
        return None;
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    // Nanoseconds from the first nine decimals.
    let nanos =
        fraction.bytes().chain(core::iter::repeat(b'0')).take(9).fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
    let seconds = Duration::from_secs(whole.checked_mul(unit)?);
    seconds.checked_add(Duration::from_nanos(nanos).checked_mul(u32::try_from(unit).ok()?)?)
}

/// Parses `@SECONDS` (seconds since the epoch, possibly negative).
pub fn parse_epoch(text: &str) -> Option<i64> {
    text.strip_prefix('@')?.parse().ok()
}

/// The wall-clock time: seconds since the epoch and nanoseconds.
pub fn now() -> (i64, u32) {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    (i64::try_from(since.as_secs()).unwrap_or(i64::MAX), since.subsec_nanos())
}

/// `seconds` (and `nanos`) after the epoch formatted with `format` in UTC.
pub fn format_time(seconds: i64, nanos: u32, format: &str) -> String {
    let bytes = cairn_text::date::format_date(seconds, nanos, format.as_bytes());
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A file time field (`st_mtime` etc.) as signed seconds.
pub fn file_seconds(seconds: u64) -> i64 {
    i64::try_from(seconds).unwrap_or(i64::MAX)
}

/// A time since boot as `uptime` shows it: `28 min`, ` 1:05`, or
/// `2 days,  1:05`.
pub fn format_uptime(uptime: Duration) -> String {
    let minutes = uptime.as_secs() / 60;
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let clock =
        if hours > 0 { cairn_rt::format!("{hours:2}:{minutes:02}") } else { cairn_rt::format!("{minutes} min") };
    match days {
        0 => clock,
        1 => cairn_rt::format!("1 day, {clock}"),
        _ => cairn_rt::format!("{days} days, {clock}"),
    }
}
