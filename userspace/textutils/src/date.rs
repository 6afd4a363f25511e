//! The logic of `date` in UTC: the civil date and time of a Unix time (proleptic Gregorian,
//! any `i64` second), and `+FORMAT` as GNU date formats it (`%Y %m %d %H %M %S %a %A %b %B %e
//! %j %s %Z %y %T %D %F %n %t %%` and the other common ones, with the `-`, `_`, `0`, `^`, `#`
//! flags and a field width). [`DEFAULT_FORMAT`] gives `Sat Nov 28 01:02:03 UTC 2026`.

use alloc::string::String;
use alloc::vec::Vec;

use crate::decimal::{digit_count, saturating_usize};

/// The format of `date` without `+FORMAT`.
pub const DEFAULT_FORMAT: &[u8] = b"%a %b %e %H:%M:%S %Z %Y";

const WEEKDAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A moment in UTC, broken down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0 (Sunday) to 6.
    pub weekday: u32,
    /// 0 (1 January) to 365.
    pub year_day: u32,
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_index = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_index + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The UTC date and time `seconds` after the epoch.
pub fn civil_from_unix(seconds: i64) -> DateTime {
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    // Howard Hinnant's `civil_from_days`.
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let year_day = (days - days_from_civil(year, 1, 1)) as u32;
    DateTime {
        year,
        month,
        day,
        hour: (of_day / 3600) as u32,
        minute: (of_day / 60 % 60) as u32,
        second: (of_day % 60) as u32,
        weekday: (days + 4).rem_euclid(7) as u32,
        year_day,
    }
}

/// The ISO 8601 week-based year and week (1 to 53) of a date.
fn iso_week(date: &DateTime) -> (i64, u32) {
    let iso_weekday = (date.weekday + 6) % 7 + 1;
    let week = (i64::from(date.year_day) + 1 - i64::from(iso_weekday) + 10) / 7;
    let weeks_in = |year: i64| {
        let starts =
            |year: i64| (year + year.div_euclid(4) - year.div_euclid(100) + year.div_euclid(400)).rem_euclid(7);
        if starts(year) == 4 || starts(year - 1) == 3 { 53i64 } else { 52 }
    };
    if week < 1 {
        (date.year - 1, weeks_in(date.year - 1) as u32)
    } else if week > weeks_in(date.year) {
        (date.year + 1, 1)
    } else {
        (date.year, week as u32)
    }
}

/// How a conversion pads and changes case.
#[derive(Clone, Copy, Default)]
struct Flags {
    /// `-`, `_` or `0`.
    padding: Option<u8>,
    /// `^`.
    upper: bool,
    /// `#`.
    swap_case: bool,
    width: Option<usize>,
}

/// The widest field width a conversion may ask for.
const MAX_WIDTH: usize = 4096;

/// Formats `seconds` (plus `nanoseconds`, for `%N`) after the epoch in UTC with `format`,
/// as `date -u +FORMAT` does; an unknown conversion is copied as it is.
pub fn format_date(seconds: i64, nanoseconds: u32, format: &[u8]) -> Vec<u8> {
    let date = civil_from_unix(seconds);
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < format.len() {
        if format[pos] != b'%' {
            out.push(format[pos]);
            pos += 1;
            continue;
        }
        let start = pos;
        pos += 1;
        let mut flags = Flags::default();
        while let Some(&flag @ (b'-' | b'_' | b'0' | b'^' | b'#')) = format.get(pos) {
            match flag {
                b'^' => flags.upper = true,
                b'#' => flags.swap_case = true,
                _ => flags.padding = Some(flag),
            }
            pos += 1;
        }
        let digits = digit_count(&format[pos..]);
        if digits > 0 {
            let width = saturating_usize(&format[pos..pos + digits]);
            flags.width = Some(width.min(MAX_WIDTH));
            pos += digits;
        }
        while matches!(format.get(pos), Some(b'E' | b'O')) && format.get(pos + 1).is_some() {
            pos += 1;
        }
        let Some(&conversion) = format.get(pos) else {
            out.extend_from_slice(&format[start..]);
            break;
        };
        pos += 1;
        match expand(conversion, &date, seconds, nanoseconds, flags) {
            Some(text) => out.extend_from_slice(text.as_bytes()),
            None => out.extend_from_slice(&format[start..pos]),
        }
    }
    out
}

/// The text of one conversion, or `None` for an unknown one.
fn expand(conversion: u8, date: &DateTime, seconds: i64, nanoseconds: u32, flags: Flags) -> Option<String> {
    let number = |value: i64, width: usize| pad_number(value, width, b'0', flags);
    let spaced = |value: i64| pad_number(value, 2, b'_', flags);
    let weekday_name = WEEKDAYS[date.weekday as usize % 7];
    let month_name = MONTHS[(date.month as usize + 11) % 12];
    let hour12 = i64::from((date.hour + 11) % 12 + 1);
    let (iso_year, iso_week) = iso_week(date);
    let recurse =
        |format: &[u8]| Some(String::from_utf8_lossy(&format_date(seconds, nanoseconds, format)).into_owned());
    let text = match conversion {
        b'%' => String::from("%"),
        b'n' => String::from("\n"),
        b't' => String::from("\t"),
        b'a' => name(&weekday_name[..3], flags, true),
        b'A' => name(weekday_name, flags, true),
        b'b' | b'h' => name(&month_name[..3], flags, true),
        b'B' => name(month_name, flags, true),
        b'p' => name(if date.hour < 12 { "AM" } else { "PM" }, flags, false),
        b'P' => name(if date.hour < 12 { "am" } else { "pm" }, flags, false),
        b'Z' => name("UTC", flags, false),
        b'Y' => number(date.year, 4),
        b'C' => number(date.year.div_euclid(100), 2),
        b'y' => number(date.year.rem_euclid(100), 2),
        b'G' => number(iso_year, 4),
        b'g' => number(iso_year.rem_euclid(100), 2),
        b'm' => number(i64::from(date.month), 2),
        b'd' => number(i64::from(date.day), 2),
        b'e' => spaced(i64::from(date.day)),
        b'j' => number(i64::from(date.year_day) + 1, 3),
        b'H' => number(i64::from(date.hour), 2),
        b'k' => spaced(i64::from(date.hour)),
        b'I' => number(hour12, 2),
        b'l' => spaced(hour12),
        b'M' => number(i64::from(date.minute), 2),
        b'S' => number(i64::from(date.second), 2),
        b'u' => number(i64::from((date.weekday + 6) % 7 + 1), 1),
        b'w' => number(i64::from(date.weekday), 1),
        b'U' => number(i64::from((date.year_day + 7 - date.weekday) / 7), 2),
        b'W' => number(i64::from((date.year_day + 7 - (date.weekday + 6) % 7) / 7), 2),
        b'V' => number(i64::from(iso_week), 2),
        b'q' => number(i64::from((date.month - 1) / 3 + 1), 1),
        b's' => number(seconds, 1),
        b'N' => {
            let digits = alloc::format!("{:09}", nanoseconds % 1_000_000_000);
            let width = flags.width.unwrap_or(9);
            let mut text: String = digits.chars().take(width).collect();
            text.extend(core::iter::repeat_n('0', width.saturating_sub(9)));
            text
        }
        b'z' => pad_text("+0000", flags, b'0'),
        b'F' => return recurse(b"%Y-%m-%d").map(|text| pad_text(&text, flags, b' ')),
        b'T' | b'X' => return recurse(b"%H:%M:%S").map(|text| pad_text(&text, flags, b' ')),
        b'R' => return recurse(b"%H:%M").map(|text| pad_text(&text, flags, b' ')),
        b'D' | b'x' => return recurse(b"%m/%d/%y").map(|text| pad_text(&text, flags, b' ')),
        b'r' => return recurse(b"%I:%M:%S %p").map(|text| pad_text(&text, flags, b' ')),
        b'c' => return recurse(b"%a %b %e %H:%M:%S %Y").map(|text| pad_text(&text, flags, b' ')),
        _ => return None,
    };
    Some(text)
}

/// A name with the case flags applied (`#` makes names upper case, and `AM`/`UTC` lower case,
/// as GNU does), padded to the width.
fn name(text: &str, flags: Flags, swap_to_upper: bool) -> String {
    let text = if flags.upper || (flags.swap_case && swap_to_upper) {
        text.to_ascii_uppercase()
    } else if flags.swap_case {
        text.to_ascii_lowercase()
    } else {
        String::from(text)
    };
    pad_text(&text, flags, b' ')
}

/// `text` padded on the left to the flags' width.
fn pad_text(text: &str, flags: Flags, default_padding: u8) -> String {
    let fill = match flags.padding.unwrap_or(default_padding) {
        b'0' => '0',
        _ => ' ',
    };
    let width = if flags.padding == Some(b'-') { 0 } else { flags.width.unwrap_or(0) };
    let mut padded: String = core::iter::repeat_n(fill, width.saturating_sub(text.chars().count())).collect();
    padded.push_str(text);
    if flags.upper { padded.to_ascii_uppercase() } else { padded }
}

/// A number padded to `default_width` (or the flags' width) with zeros (`default_padding`
/// `0`) or spaces (`_`); `-` turns padding off. A minus sign counts toward the width.
fn pad_number(value: i64, default_width: usize, default_padding: u8, flags: Flags) -> String {
    let padding = flags.padding.unwrap_or(default_padding);
    let width = match padding {
        b'-' => 0,
        _ => flags.width.unwrap_or(default_width),
    };
    let digits = alloc::format!("{}", value.unsigned_abs());
    let sign = if value < 0 { "-" } else { "" };
    let fill = width.saturating_sub(digits.len() + sign.len());
    if padding == b'_' {
        let mut text: String = core::iter::repeat_n(' ', fill).collect();
        text.push_str(sign);
        text.push_str(&digits);
        text
    } else {
        let mut text = String::from(sign);
        text.extend(core::iter::repeat_n('0', fill));
        text.push_str(&digits);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    /// The brief's example moment: Sat Nov 28 01:02:03 UTC 2026.
    const EXAMPLE: i64 = 1_795_827_723;

    fn date(seconds: i64, format: &str) -> String {
        String::from_utf8(format_date(seconds, 0, format.as_bytes())).unwrap()
    }

    #[test]
    fn default_format_like_gnu_date() {
        assert_eq!(date(EXAMPLE, "%a %b %e %H:%M:%S %Z %Y"), "Sat Nov 28 01:02:03 UTC 2026");
        assert_eq!(format_date(0, 0, DEFAULT_FORMAT), b"Thu Jan  1 00:00:00 UTC 1970");
        assert_eq!(format_date(-1, 0, DEFAULT_FORMAT), b"Wed Dec 31 23:59:59 UTC 1969");
        assert_eq!(format_date(-86_400_000_000, 0, DEFAULT_FORMAT), b"Wed Feb  4 00:00:00 UTC -768");
        assert_eq!(format_date(253_402_300_800, 0, DEFAULT_FORMAT), b"Sat Jan  1 00:00:00 UTC 10000");
    }

    #[test]
    fn all_common_conversions() {
        assert_eq!(
            date(
                EXAMPLE,
                "%Y %m %d %H %M %S %a %b %e %j %s %Z %y %T %D %F %A %B %h %I %l %k %p %u %w %C %R %r %U %W %V %G %g %N %z %P"
            ),
            "2026 11 28 01 02 03 Sat Nov 28 332 1795827723 UTC 26 01:02:03 11/28/26 2026-11-28 Saturday November Nov 01  1  1 AM 6 6 20 01:02 01:02:03 AM 47 47 48 2026 26 000000000 +0000 am"
        );
        assert_eq!(date(EXAMPLE, "%c|%x|%X|%q|%%|%n|%t"), "Sat Nov 28 01:02:03 2026|11/28/26|01:02:03|4|%|\n|\t");
        assert_eq!(date(951_782_400, "%j %F %a"), "060 2000-02-29 Tue");
    }

    #[test]
    fn flags_and_widths() {
        assert_eq!(date(0, "%e|%-d|%_m|%05Y|%^a|%#Z|%10A|%-j|%3d"), " 1|1| 1|01970|THU|utc|  Thursday|1|001");
        assert_eq!(
            date(EXAMPLE, "%#a|%#A|%#b|%^b|%#p|%^p|%-5d|%_5d|%05e|%Oy|%10s"),
            "SAT|SATURDAY|NOV|NOV|am|AM|28|   28|00028|26|1795827723"
        );
        assert_eq!(format_date(0, 123_456_789, b"%N|%3N|%-N"), b"123456789|123|123456789");
    }

    #[test]
    fn small_and_negative_years() {
        let year_nine = days_from_civil(9, 3, 4) * 86_400 + 5 * 3600 + 6 * 60 + 7;
        assert_eq!(
            date(year_nine, "%Y|%C|%y|%G|%g|%e|%-e|%_H|%k|%l|%I|%p|%j|%10Y|%-y"),
            "0009|00|09|0009|09| 4|4| 5| 5| 5|05|AM|063|0000000009|9"
        );
        assert_eq!(date(-62_135_596_801, "%F %T %s %C %y %G"), "0000-12-31 23:59:59 -62135596801 00 00 0000");
    }

    #[test]
    fn week_numbers_like_gnu() {
        let cases = [
            ((2020, 12, 31), "Thu 52 52 53 2020 20"),
            ((2021, 1, 1), "Fri 00 00 53 2020 20"),
            ((2021, 1, 3), "Sun 01 00 53 2020 20"),
            ((2021, 1, 4), "Mon 01 01 01 2021 21"),
            ((2024, 12, 30), "Mon 52 53 01 2025 25"),
            ((2027, 1, 1), "Fri 00 00 53 2026 26"),
            ((1970, 1, 1), "Thu 00 00 01 1970 70"),
        ];
        for ((year, month, day), expected) in cases {
            assert_eq!(
                date(days_from_civil(year, month, day) * 86_400, "%a %U %W %V %G %g"),
                expected,
                "{year}-{month}-{day}"
            );
        }
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in [-1_000_000i64, -719_468, -1, 0, 59, 10_957, 11_016, 20_000, 2_932_896] {
            let date = civil_from_unix(days * 86_400);
            assert_eq!(days_from_civil(date.year, date.month, date.day), days);
        }
        let extreme = civil_from_unix(i64::MAX);
        assert!(extreme.year > 292_000_000_000 && extreme.month <= 12 && extreme.hour < 24);
        let lowest = civil_from_unix(i64::MIN);
        assert!(lowest.year < -292_000_000_000 && lowest.day >= 1);
    }

    #[test]
    fn unknown_and_incomplete_conversions_stay() {
        assert_eq!(date(0, "%E|%Q|%"), "%E|%Q|%");
        assert_eq!(date(0, "%99999999999999999999d").len(), MAX_WIDTH);
    }
}
