//! Dates as readers see them: in the site's time zone, in the reader's language.

use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

/// The time zone GnuBoard5 forces and the seed site uses.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Seoul";

/// Looks up a time zone by IANA name.
pub fn zone(name: &str) -> Option<TimeZone> {
    TimeZone::get(name).ok()
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
    match lang {
        "ko" => format!("{}년 {}월 {}일", d.year(), d.month(), d.day()),
        _ => format!(
            "{} {} {}",
            d.day(),
            MONTHS[(d.month() - 1) as usize],
            d.year()
        ),
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
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.abs() / 60;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        d.year(),
        d.month(),
        d.day(),
        d.hour(),
        d.minute(),
        d.second(),
        minutes / 60,
        minutes % 60
    )
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
                assert_eq!((long, iso_date), (long_date(at, zone, "ko"), expected));
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
    fn parses_kst_text() {
        let seoul = zone(DEFAULT_TIME_ZONE).unwrap();
        let at = parse_local("2015-12-08 15:47:51", &seoul).unwrap();
        assert_eq!(at.to_string(), "2015-12-08T06:47:51Z");
        assert!(parse_local("0000-00-00 00:00:00", &seoul).is_none());
    }
}
