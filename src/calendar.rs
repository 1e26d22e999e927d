//! Dates and times: ISO dates as days since 1970-01-01, and the clock built-ins
//! (`today`, `hour`, `add_days`, `days_between`, `weekday`).
//!
//! The calendar and the IANA time-zone rules are `jiff`'s, with its database compiled
//! into the binary (`tzdb-bundle-always`), so a zone means the same on every host and
//! nothing here reads the system's clock or files: the time is the input's `at`.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// 1970-01-01, the day a `Value::Date` counts from.
const EPOCH: Date = Date::constant(1970, 1, 1);

/// Parses exactly `YYYY-MM-DD` (four-digit year, a real day) into days since 1970-01-01.
/// The shape is checked here because `jiff` also reads other ISO 8601 forms (`20240229`,
/// a date with a time), which a `date` answer must not accept.
pub fn parse_date(text: &str) -> Option<i32> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i16>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let date = Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()?;
    Some(days_of(date))
}

/// Days since 1970-01-01 of a calendar date (every `jiff` date fits an `i32`).
fn days_of(date: Date) -> i32 {
    let days = date.duration_since(EPOCH).as_hours() / 24;
    i32::try_from(days).unwrap_or(if days < 0 { i32::MIN } else { i32::MAX })
}

/// The calendar date of a day count, when it is within the calendar's range
/// (years -9999 to 9999).
fn date_of(days: i32) -> Option<Date> {
    EPOCH
        .checked_add(SignedDuration::from_hours(i64::from(days) * 24))
        .ok()
}

/// Renders days since 1970-01-01 as `YYYY-MM-DD`.
pub fn format_date(days: i32) -> String {
    match date_of(days) {
        Some(date) if (0..=9999).contains(&date.year()) => date.to_string(),
        // Beyond what `add_days` can produce from a real date, but a hand-made bundle
        // may hold any constant: still a text, never a panic.
        Some(date) => format!("{}-{:02}-{:02}", date.year(), date.month(), date.day()),
        None => format!("day {days} since 1970-01-01"),
    }
}

/// `add_days(date, n)`: `None` when the result leaves the calendar's range.
pub fn add_days(days: i32, n: i64) -> Option<i32> {
    let sum = i64::from(days).checked_add(n)?;
    let sum = i32::try_from(sum).ok()?;
    date_of(sum).map(|_| sum)
}

/// `weekday(date)`: `"monday"` … `"sunday"`.
pub fn weekday(days: i32) -> Option<&'static str> {
    use jiff::civil::Weekday;
    Some(match date_of(days)?.weekday() {
        Weekday::Monday => "monday",
        Weekday::Tuesday => "tuesday",
        Weekday::Wednesday => "wednesday",
        Weekday::Thursday => "thursday",
        Weekday::Friday => "friday",
        Weekday::Saturday => "saturday",
        Weekday::Sunday => "sunday",
    })
}

/// The IANA time zone of that name (`"Europe/Amsterdam"`, `"UTC"`), from the bundled
/// database; `None` when it has no such zone.
pub fn time_zone(name: &str) -> Option<TimeZone> {
    jiff::tz::db().get(name).ok()
}

/// Whether the bundled database knows the zone (the compiler's check of a zone literal).
pub fn is_time_zone(name: &str) -> bool {
    time_zone(name).is_some()
}

/// `today()` / `today(ZONE)`: the date of instant `at` in the zone (UTC without one).
pub fn today(at: Timestamp, zone: &TimeZone) -> i32 {
    days_of(at.to_zoned_datetime(zone.clone()).date())
}

/// `hour()` / `hour(ZONE)`: the hour (0–23) of instant `at` in the zone.
pub fn hour(at: Timestamp, zone: &TimeZone) -> i64 {
    i64::from(at.to_zoned_datetime(zone.clone()).hour())
}

/// Parses an RFC 3339 instant (`2026-03-02T09:30:00Z`, `2026-03-02T10:30:00+01:00`).
pub fn parse_instant(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(format_date(19_782), "2024-02-29");
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-13-01"), None);
        assert_eq!(parse_date("2023-1-01"), None);
        assert_eq!(parse_date("+023-01-01"), None);
        assert_eq!(parse_date("20230101"), None);
        assert!(!format_date(i32::MIN).is_empty());
        assert!(!format_date(i32::MAX).is_empty());
        for days in [-700_000, -1, 0, 1, 59, 60, 365, 11_016, 2_932_896] {
            assert_eq!(parse_date(&format_date(days)), Some(days));
        }
    }

    #[test]
    fn arithmetic_and_weekdays() {
        let monday = parse_date("2026-03-02").unwrap_or_default();
        assert_eq!(weekday(monday), Some("monday"));
        assert_eq!(add_days(monday, 6).and_then(weekday), Some("sunday"));
        assert_eq!(
            add_days(monday, -1).map(format_date).as_deref(),
            Some("2026-03-01")
        );
        assert_eq!(add_days(monday, i64::MAX), None);
        assert_eq!(add_days(i32::MAX, 1), None);
    }

    #[test]
    fn the_hour_and_the_day_follow_the_zone() {
        let at = parse_instant("2026-03-02T23:30:00Z").expect("RFC 3339");
        let amsterdam = time_zone("Europe/Amsterdam").expect("bundled");
        assert_eq!(hour(at, &TimeZone::UTC), 23);
        assert_eq!(hour(at, &amsterdam), 0);
        assert_eq!(format_date(today(at, &TimeZone::UTC)), "2026-03-02");
        assert_eq!(format_date(today(at, &amsterdam)), "2026-03-03");
        assert!(is_time_zone("America/New_York"));
        assert!(!is_time_zone("Mars/Olympus_Mons"));
        assert_eq!(parse_instant("yesterday"), None);
    }
}
