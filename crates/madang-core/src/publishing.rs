//! Drafts and scheduled publishing: what the write form's buttons and its "Publish at"
//! field make of a post, decided once here from the form, the post as it is and the time.
//!
//! A post is a *draft* (status `draft`: only those who may edit it see it), *scheduled*
//! (published, but its publication time is still to come: hidden the same way until then)
//! or *published*. The "Publish at" field is a date and time in the site's time zone, as
//! `<input type="datetime-local">` sends it (`2026-12-01T09:30`); empty means now.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use crate::model::PostStatus;

/// The earliest accepted publication time: a back-dated post may be old, not pre-1970.
const EARLIEST_YEAR: i16 = 1970;
/// How far ahead a post may be scheduled; beyond is almost surely a typo in the year.
const LATEST_YEARS_AHEAD: i64 = 10;

/// Which button of the write form was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// "Publish" (or "Save" on a published post): at the typed time, else now.
    Publish,
    /// "Publish now", whatever time the field holds.
    PublishNow,
    /// "Save as draft".
    Draft,
}

impl Intent {
    /// The button's value; a form without one (an older page, a script) publishes, as the
    /// form always did.
    pub fn parse(value: &str) -> Option<Intent> {
        match value.trim() {
            "" | "publish" => Some(Intent::Publish),
            "publish_now" => Some(Intent::PublishNow),
            "draft" => Some(Intent::Draft),
            _ => None,
        }
    }
}

/// Where a post stands for its readers at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PostState {
    Draft,
    Scheduled,
    Published,
}

impl PostState {
    /// The state of a post with `status` and `published_at` at `now`.
    pub fn of(status: PostStatus, published_at: Timestamp, now: Timestamp) -> PostState {
        match status {
            PostStatus::Draft => PostState::Draft,
            PostStatus::Published if published_at > now => PostState::Scheduled,
            PostStatus::Published => PostState::Published,
        }
    }

    /// Whether readers see it (lists, feeds, search, its page).
    pub fn is_public(self) -> bool {
        self == PostState::Published
    }

    /// The name used in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            PostState::Draft => "draft",
            PostState::Scheduled => "scheduled",
            PostState::Published => "published",
        }
    }
}

/// What the form asked for: the status and publication time to store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publishing {
    pub status: PostStatus,
    pub published_at: Timestamp,
}

impl Publishing {
    /// The state this gives the post at `now`.
    pub fn state(&self, now: Timestamp) -> PostState {
        PostState::of(self.status, self.published_at, now)
    }
}

/// Why a typed "Publish at" was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishAtError {
    /// Not a date and time (or a day that does not exist, such as 30 February).
    Unreadable,
    /// Before 1970 or more than ten years ahead.
    OutOfRange,
}

impl PublishAtError {
    /// The UI message's key.
    pub fn message_key(self) -> &'static str {
        match self {
            PublishAtError::Unreadable => "write-error-publish-at",
            PublishAtError::OutOfRange => "write-error-publish-at-range",
        }
    }
}

/// Parses a typed "Publish at" in `zone`: `None` when empty. Accepts what
/// `datetime-local` sends (`2026-12-01T09:30`, seconds optional), a space for the `T`, or
/// a date alone (midnight). A local time that a clock change skips moves forward.
pub fn parse_publish_at(
    text: &str,
    zone: &TimeZone,
    now: Timestamp,
) -> Result<Option<Timestamp>, PublishAtError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    // Digits and separators only: a zone or offset (which the parser would ignore) is no
    // time in the site's zone.
    let plain = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | ':' | 'T' | ' ' | '.'));
    if text.len() > 40 || !plain {
        return Err(PublishAtError::Unreadable);
    }
    let civil: DateTime = text
        .replacen(' ', "T", 1)
        .parse()
        .map_err(|_| PublishAtError::Unreadable)?;
    if civil.year() < EARLIEST_YEAR {
        return Err(PublishAtError::OutOfRange);
    }
    let at = zone
        .to_ambiguous_zoned(civil)
        .compatible()
        .map_err(|_| PublishAtError::OutOfRange)?
        .timestamp();
    let latest = now.as_second() + LATEST_YEARS_AHEAD * 366 * 24 * 3600;
    if at.as_second() > latest {
        return Err(PublishAtError::OutOfRange);
    }
    Ok(Some(at))
}

/// A time as the "Publish at" field shows it: `2026-12-01T09:30` in `zone`.
pub fn field_value(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// What the edit form's "Publish at" shows for a post: its publication time, except for a
/// draft with no time to come (it was saved without one, so publishing it means now).
pub fn field_for(
    status: PostStatus,
    published_at: Timestamp,
    zone: &TimeZone,
    now: Timestamp,
) -> String {
    match status {
        PostStatus::Draft if published_at <= now => String::new(),
        _ => field_value(published_at, zone),
    }
}

/// Decides the status and publication time from the button (`intent`), the typed field
/// (`typed`), the post's current status and publication time when it is edited
/// (`current`) and `now`.
///
/// - "Save as draft": a draft; a typed time is kept for later.
/// - "Publish": the typed time (a future one schedules the post, a past one back-dates
///   it).
/// - "Publish now": now, whatever is typed.
///
/// With no time typed, a published or scheduled post keeps its time (a form that never
/// had the field changes nothing), and a new post or a draft gets now. A typed time
/// equal to the current one to the minute (the edit form shows it that way) keeps the
/// current one to the second, so saving an edit never moves a post.
/// A time that cannot be read is an error even for "Publish now": nothing is saved
/// from a form that says something else than it seems.
pub fn decide(
    intent: Intent,
    typed: &str,
    current: Option<(PostStatus, Timestamp)>,
    zone: &TimeZone,
    now: Timestamp,
) -> Result<Publishing, PublishAtError> {
    let current_at = current.map(|(_, at)| at);
    let chosen = parse_publish_at(typed, zone, now)?.map(|at| match current_at {
        Some(current) if field_value(current, zone) == field_value(at, zone) => current,
        _ => at,
    });
    let kept = current
        .filter(|(status, _)| *status == PostStatus::Published)
        .map(|(_, at)| at);
    let chosen = chosen.or(kept);
    Ok(match intent {
        Intent::Draft => Publishing {
            status: PostStatus::Draft,
            published_at: chosen.unwrap_or(now),
        },
        Intent::Publish => Publishing {
            status: PostStatus::Published,
            published_at: chosen.unwrap_or(now),
        },
        Intent::PublishNow => Publishing {
            status: PostStatus::Published,
            published_at: now,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seoul() -> TimeZone {
        crate::time::zone("Asia/Seoul").unwrap()
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    const NOW: &str = "2026-11-28T03:00:00Z"; // 12:00 in Seoul

    #[test]
    fn reads_what_datetime_local_sends_in_the_site_zone() {
        let now = at(NOW);
        let z = seoul();
        assert_eq!(
            parse_publish_at("2026-12-01T09:30", &z, now),
            Ok(Some(at("2026-12-01T00:30:00Z")))
        );
        assert_eq!(
            parse_publish_at(" 2026-12-01 09:30:15 ", &z, now),
            Ok(Some(at("2026-12-01T00:30:15Z")))
        );
        assert_eq!(
            parse_publish_at("2026-12-01", &z, now),
            Ok(Some(at("2026-11-30T15:00:00Z")))
        );
        assert_eq!(parse_publish_at("", &z, now), Ok(None));
        assert_eq!(parse_publish_at("   ", &z, now), Ok(None));
        // The same wall time in another zone is another instant.
        assert_eq!(
            parse_publish_at("2026-12-01T09:30", &TimeZone::UTC, now),
            Ok(Some(at("2026-12-01T09:30:00Z")))
        );
    }

    #[test]
    fn refuses_bad_dates() {
        let now = at(NOW);
        let z = seoul();
        for bad in [
            "tomorrow",
            "2026-02-30T10:00",
            "2026-13-01T10:00",
            "2026-12-01T25:00",
            "12/01/2026 10:00",
            "2026-12-01T10:00+09:00[Asia/Seoul]",
            "2026-12-01T10:00:00Z",
            "２０２６-12-01T10:00",
        ] {
            assert_eq!(
                parse_publish_at(bad, &z, now),
                Err(PublishAtError::Unreadable),
                "{bad}"
            );
        }
        assert_eq!(
            parse_publish_at("1969-12-31T23:00", &z, now),
            Err(PublishAtError::OutOfRange)
        );
        assert_eq!(
            parse_publish_at("2040-01-01T00:00", &z, now),
            Err(PublishAtError::OutOfRange)
        );
        assert_eq!(
            parse_publish_at("9999-12-31T23:59", &z, now),
            Err(PublishAtError::OutOfRange)
        );
        assert_eq!(
            parse_publish_at(&"2026-12-01T10:00 ".repeat(10), &z, now),
            Err(PublishAtError::Unreadable)
        );
    }

    #[test]
    fn skipped_local_times_move_forward() {
        let ny = crate::time::zone("America/New_York").unwrap();
        // 02:30 on 8 March 2026 does not exist in New York (clocks jump 02:00 → 03:00).
        let got = parse_publish_at("2026-03-08T02:30", &ny, at(NOW)).unwrap();
        assert_eq!(got, Some(at("2026-03-08T07:30:00Z")));
    }

    #[test]
    fn buttons_and_times_decide_the_state() {
        let now = at(NOW);
        let z = seoul();
        let publish = decide(Intent::Publish, "", None, &z, now).unwrap();
        assert_eq!(publish.status, PostStatus::Published);
        assert_eq!(publish.published_at, now);
        assert_eq!(publish.state(now), PostState::Published);

        let later = decide(Intent::Publish, "2026-12-01T09:00", None, &z, now).unwrap();
        assert_eq!(later.published_at, at("2026-12-01T00:00:00Z"));
        assert_eq!(later.state(now), PostState::Scheduled);
        assert_eq!(
            later.state(at("2026-12-01T00:00:00Z")),
            PostState::Published
        );

        let backdated = decide(Intent::Publish, "2015-12-01T10:00", None, &z, now).unwrap();
        assert_eq!(backdated.state(now), PostState::Published);
        assert_eq!(backdated.published_at, at("2015-12-01T01:00:00Z"));

        let draft = decide(Intent::Draft, "", None, &z, now).unwrap();
        assert_eq!(draft.status, PostStatus::Draft);
        assert_eq!(draft.state(now), PostState::Draft);
        let draft_for_later = decide(Intent::Draft, "2026-12-01T09:00", None, &z, now).unwrap();
        assert_eq!(draft_for_later.state(now), PostState::Draft);
        assert_eq!(draft_for_later.published_at, at("2026-12-01T00:00:00Z"));

        let now_anyway = decide(Intent::PublishNow, "2026-12-01T09:00", None, &z, now).unwrap();
        assert_eq!(now_anyway.published_at, now);
        assert_eq!(now_anyway.state(now), PostState::Published);

        assert_eq!(
            decide(Intent::PublishNow, "soon", None, &z, now),
            Err(PublishAtError::Unreadable)
        );
        assert_eq!(
            decide(Intent::Draft, "2026-02-30T09:00", None, &z, now),
            Err(PublishAtError::Unreadable)
        );
    }

    #[test]
    fn saving_an_edit_keeps_the_time_to_the_second() {
        let now = at(NOW);
        let z = seoul();
        let current = at("2015-12-01T01:02:03Z");
        let shown = field_value(current, &z);
        assert_eq!(shown, "2015-12-01T10:02");
        let published = Some((PostStatus::Published, current));
        let kept = decide(Intent::Publish, &shown, published, &z, now).unwrap();
        assert_eq!(kept.published_at, current);
        // A form without the field keeps the time of a published post too, also when it
        // goes back to draft; a draft without one is published now.
        let kept = decide(Intent::Publish, "", published, &z, now).unwrap();
        assert_eq!(kept.published_at, current);
        let to_draft = decide(Intent::Draft, "", published, &z, now).unwrap();
        assert_eq!(
            (to_draft.status, to_draft.published_at),
            (PostStatus::Draft, current)
        );
        let draft = Some((PostStatus::Draft, current));
        let out = decide(Intent::Publish, "", draft, &z, now).unwrap();
        assert_eq!((out.status, out.published_at), (PostStatus::Published, now));
        // Another minute is a new time.
        let moved = decide(Intent::Publish, "2015-12-01T10:03", published, &z, now).unwrap();
        assert_eq!(moved.published_at, at("2015-12-01T01:03:00Z"));
        // Rescheduling a scheduled post, and publishing it now.
        let scheduled = at("2026-12-24T00:00:00Z");
        let it = Some((PostStatus::Published, scheduled));
        let again = decide(Intent::Publish, "2026-12-25T09:00", it, &z, now);
        assert_eq!(again.unwrap().published_at, at("2026-12-25T00:00:00Z"));
        let field = field_value(scheduled, &z);
        let now_please = decide(Intent::PublishNow, &field, it, &z, now).unwrap();
        assert_eq!(now_please.published_at, now);
        let still = decide(Intent::Publish, "", it, &z, now).unwrap();
        assert_eq!(still.state(now), PostState::Scheduled);
    }

    #[test]
    fn the_edit_form_shows_a_time_except_for_a_draft_without_one() {
        let now = at(NOW);
        let z = seoul();
        let past = at("2026-11-01T00:00:00Z");
        let future = at("2026-12-01T00:00:00Z");
        assert_eq!(field_for(PostStatus::Draft, past, &z, now), "");
        assert_eq!(
            field_for(PostStatus::Draft, future, &z, now),
            "2026-12-01T09:00"
        );
        assert_eq!(
            field_for(PostStatus::Published, past, &z, now),
            "2026-11-01T09:00"
        );
        assert_eq!(
            field_for(PostStatus::Published, future, &z, now),
            "2026-12-01T09:00"
        );
    }

    #[test]
    fn intents_parse() {
        assert_eq!(Intent::parse(""), Some(Intent::Publish));
        assert_eq!(Intent::parse("publish"), Some(Intent::Publish));
        assert_eq!(Intent::parse("publish_now"), Some(Intent::PublishNow));
        assert_eq!(Intent::parse("draft"), Some(Intent::Draft));
        assert_eq!(Intent::parse("delete"), None);
    }
}
