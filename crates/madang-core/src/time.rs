//! Dates as readers see them: in the site's time zone, in the reader's language.

use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

/// The time zone GnuBoard5 forces and the seed site uses.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Seoul";

/// Looks up a time zone by IANA name.
pub fn zone(name: &str) -> Option<TimeZone> {
    TimeZone::get(name).ok()
}

/// The most characters a time zone's name may have as a site setting.
pub const MAX_ZONE_NAME_CHARS: usize = 64;

/// A time zone an administrator may set for the site: an IANA name the time zone database
/// knows (`Asia/Seoul`, `Europe/Berlin`, `UTC`), written as a name — letters, digits and
/// `_ + - /`, no empty or `.` parts — so nothing typed is read as a path; `None` otherwise.
pub fn site_zone(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    let plain = !name.is_empty()
        && name.len() <= MAX_ZONE_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+-/".contains(c))
        && name
            .split('/')
            .all(|part| !part.is_empty() && !part.starts_with('.'));
    if !plain {
        return None;
    }
    zone(name).filter(|z| z.iana_name().is_some())
}

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

/// A long date: "1 December 2015" in English, "2015년 12월 1일" in Korean.
pub fn long_date(at: Timestamp, zone: &TimeZone, lang: &str) -> String {
    long_date_of(&at.to_zoned(zone.clone()), lang)
}

fn long_date_of(d: &Zoned, lang: &str) -> String {
    // Written digit by digit rather than with `format!`: twenty per list page.
    let mut out = String::with_capacity(24);
    match lang {
        "ko" => {
            push_number(&mut out, d.year().into(), 1);
            out.push_str("년 ");
            push_number(&mut out, d.month().into(), 1);
            out.push_str("월 ");
            push_number(&mut out, d.day().into(), 1);
            out.push('일');
        }
        _ => {
            push_number(&mut out, d.day().into(), 1);
            out.push(' ');
            out.push_str(MONTHS[(d.month() - 1) as usize]);
            out.push(' ');
            push_number(&mut out, d.year().into(), 1);
        }
    }
    out
}

/// Appends `value` in decimal with at least `width` digits (zeros in front). Negative
/// values get a minus sign before the digits.
fn push_number(out: &mut String, value: i64, width: usize) {
    if value < 0 {
        out.push('-');
    }
    let mut digits = [0u8; 20];
    let mut rest = value.unsigned_abs();
    let mut len = 0;
    while rest > 0 || len < width.max(1) {
        digits[len] = (rest % 10) as u8;
        rest /= 10;
        len += 1;
    }
    for &digit in digits[..len].iter().rev() {
        out.push(char::from(b'0' + digit));
    }
}

/// A list entry's two dates, [`long_date`] and [`iso`], from one conversion to the zone:
/// a list page shows twenty, and the conversion and `strftime` were a tenth of the time
/// it spent making its entries.
pub fn list_dates(at: Timestamp, zone: &TimeZone, lang: &str) -> (String, String) {
    let d = at.to_zoned(zone.clone());
    (long_date_of(&d, lang), iso_of(&d))
}

/// A long date with the time of day: "1 December 2015, 14:30" in English, "2015년 12월
/// 1일 14:30" in Korean (for a scheduled post, whose hour matters).
pub fn long_date_time(at: Timestamp, zone: &TimeZone, lang: &str) -> String {
    let time = at.to_zoned(zone.clone()).strftime("%H:%M").to_string();
    match lang {
        "ko" => format!("{} {time}", long_date(at, zone, lang)),
        _ => format!("{}, {time}", long_date(at, zone, lang)),
    }
}

/// A machine-readable date-time for `<time datetime>`, with the zone's offset:
/// "2015-12-01T08:30:00+09:00".
pub fn iso(at: Timestamp, zone: &TimeZone) -> String {
    iso_of(&at.to_zoned(zone.clone()))
}

fn iso_of(d: &Zoned) -> String {
    let offset = d.offset().seconds();
    // `%:z` has no seconds; an offset with seconds (local mean time before 1908 in Seoul)
    // is left to strftime so both agree on it.
    if offset % 60 != 0 || !(0..=9999).contains(&d.year()) {
        return d.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
    }
    let minutes = offset.abs() / 60;
    let mut out = String::with_capacity(25);
    push_number(&mut out, d.year().into(), 4);
    out.push('-');
    push_number(&mut out, d.month().into(), 2);
    out.push('-');
    push_number(&mut out, d.day().into(), 2);
    out.push('T');
    push_number(&mut out, d.hour().into(), 2);
    out.push(':');
    push_number(&mut out, d.minute().into(), 2);
    out.push(':');
    push_number(&mut out, d.second().into(), 2);
    out.push(if offset < 0 { '-' } else { '+' });
    push_number(&mut out, (minutes / 60).into(), 2);
    out.push(':');
    push_number(&mut out, (minutes % 60).into(), 2);
    out
}

/// Parses a local date-time "YYYY-MM-DD HH:MM:SS" in `zone` (GnuBoard5's format).
pub fn parse_local(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    let civil: jiff::civil::DateTime = text.trim().replace(' ', "T").parse().ok()?;
    civil.to_zoned(zone.clone()).ok().map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_zones_are_iana_names() {
        for name in [
            "Asia/Seoul",
            "Europe/Berlin",
            "UTC",
            "America/Argentina/Buenos_Aires",
            " Asia/Tokyo ",
        ] {
            let zone = site_zone(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(zone.iana_name(), Some(name.trim()));
        }
        for name in [
            "",
            "Mars/Olympus",
            "Asia/Seoul/",
            "/etc/passwd",
            "../../etc/passwd",
            "Asia/../UTC",
            "Asia//Seoul",
            "Asia/Se oul",
            "Asia/Seoul\u{0}",
            "+09:00",
            "KST 9",
            &"A".repeat(MAX_ZONE_NAME_CHARS + 1),
        ] {
            assert!(site_zone(name).is_none(), "{name:?}");
        }
    }

    #[test]
    fn iso_dates_agree_with_strftime_in_every_zone_kind() {
        let zones = [
            zone(DEFAULT_TIME_ZONE).unwrap(),
            zone("America/New_York").unwrap(),
            zone("Asia/Kolkata").unwrap(),
            zone("Asia/Kathmandu").unwrap(),
            TimeZone::UTC,
        ];
        // From before Seoul's standard time (an offset with seconds) to far ahead, through
        // daylight-saving changes.
        let mut at: Timestamp = "1900-01-01T00:00:00Z".parse().unwrap();
        let end: Timestamp = "2100-01-01T00:00:00Z".parse().unwrap();
        let step = jiff::SignedDuration::from_hours(24 * 37 + 5);
        while at < end {
            for zone in &zones {
                let expected = at
                    .to_zoned(zone.clone())
                    .strftime("%Y-%m-%dT%H:%M:%S%:z")
                    .to_string();
                assert_eq!(iso(at, zone), expected);
                let (long, iso_date) = list_dates(at, zone, "ko");
                assert_eq!(iso_date, expected);
                let zoned = at.to_zoned(zone.clone());
                assert_eq!(long, zoned.strftime("%Y년 %-m월 %-d일").to_string());
                let (long_en, _) = list_dates(at, zone, "en");
                assert_eq!(long_en, zoned.strftime("%-d %B %Y").to_string());
            }
            at = at.checked_add(step).unwrap();
        }
    }

    #[test]
    fn long_dates_in_both_languages() {
        let seoul = zone(DEFAULT_TIME_ZONE).unwrap();
        // 23:30 UTC on 30 November is already 1 December in Seoul.
        let at: Timestamp = "2015-11-30T23:30:00Z".parse().unwrap();
        assert_eq!(long_date(at, &seoul, "en"), "1 December 2015");
        assert_eq!(long_date(at, &seoul, "ko"), "2015년 12월 1일");
        assert_eq!(iso(at, &seoul), "2015-12-01T08:30:00+09:00");
        assert_eq!(long_date_time(at, &seoul, "en"), "1 December 2015, 08:30");
        assert_eq!(long_date_time(at, &seoul, "ko"), "2015년 12월 1일 08:30");
    }

    #[test]
    fn numbers_are_padded_to_their_width() {
        let written = |value: i64, width: usize| {
            let mut out = String::new();
            push_number(&mut out, value, width);
            out
        };
        assert_eq!(written(0, 1), "0");
        assert_eq!(written(7, 2), "07");
        assert_eq!(written(2015, 4), "2015");
        assert_eq!(written(12345, 4), "12345");
        assert_eq!(written(-5, 2), "-05");
        assert_eq!(written(i64::MIN, 1), i64::MIN.to_string());
    }

    #[test]
    fn parses_kst_text() {
        let seoul = zone(DEFAULT_TIME_ZONE).unwrap();
        let at = parse_local("2015-12-08 15:47:51", &seoul).unwrap();
        assert_eq!(at.to_string(), "2015-12-08T06:47:51Z");
        assert!(parse_local("0000-00-00 00:00:00", &seoul).is_none());
    }
}
