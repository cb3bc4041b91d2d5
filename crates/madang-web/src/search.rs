//! Site-wide and per-board search: `/search?q=…`.

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::Uri;
use axum::response::{Html, IntoResponse, Response};
use fluent_templates::fluent_bundle::FluentValue;
use madang_core::permission::{BoardAction, may};
use madang_core::search::{QueryError, parse_query, snippet};
use madang_core::time::{iso, long_date};
use madang_store::{SearchField, SearchRequest};
use minijinja::context;

use crate::AppState;
use crate::auth::CurrentSession;
use crate::error::AppError;
use crate::i18n::{self, Lang};
use crate::views::SiteView;

/// Results per page.
const PAGE_SIZE: u32 = 20;
/// Characters of passage shown under each result.
const SNIPPET_CHARS: usize = 160;

fn error_key(error: &QueryError) -> &'static str {
    match error {
        QueryError::Empty => "search-error-empty",
        QueryError::TooLong { .. } => "search-error-too-long",
        QueryError::UnbalancedQuote => "search-error-quote",
        QueryError::MisplacedOr => "search-error-or",
        QueryError::OnlyExclusions => "search-error-only-exclusions",
        QueryError::NothingSearchable => "search-error-nothing",
    }
}

/// A `YYYY-MM-DD` day in the site's time zone: its first instant.
fn day_start(text: &str, zone: &jiff::tz::TimeZone) -> Option<jiff::Timestamp> {
    let date: jiff::civil::Date = text.trim().parse().ok()?;
    date.to_zoned(zone.clone()).ok().map(|z| z.timestamp())
}

/// GET /search
pub(crate) async fn search(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    RawQuery(raw): RawQuery,
    uri: Uri,
) -> Result<Response, AppError> {
    let params: Vec<(String, String)> = raw
        .as_deref()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let (q, board_slug, category, field, author, from, to, sort) = (
        param("q"),
        param("board"),
        param("category"),
        param("field"),
        param("author"),
        param("from"),
        param("to"),
        param("sort"),
    );
    let page: u32 = match param("page").as_str() {
        "" => 1,
        p => p
            .parse()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or(AppError::BadRequest("invalid-page-number"))?,
    };
    let viewer = current.viewer();
    let zone = &state.zone().await;
    let shell = state.shell().await;
    let boards: Vec<_> = state
        .store()
        .boards()
        .await?
        .into_iter()
        .filter(|b| may(&viewer, b, BoardAction::Read))
        .collect();
    // Results name their board in the page's language, as the filter does.
    let board_title = |slug: &str, default: &str| {
        boards
            .iter()
            .find(|b| b.slug == slug)
            .map_or(default, |b| shell.board_title(b, lang))
            .to_owned()
    };
    let board = if board_slug.is_empty() {
        None
    } else {
        boards.iter().find(|b| b.slug == board_slug)
    };

    let mut problem: Option<String> = None;
    let from_ts = if from.is_empty() {
        None
    } else {
        day_start(&from, zone)
    };
    let until_ts = if to.is_empty() {
        None
    } else {
        day_start(&to, zone).map(|t| t + jiff::SignedDuration::from_hours(24))
    };
    if (!from.is_empty() && from_ts.is_none()) || (!to.is_empty() && until_ts.is_none()) {
        problem = Some(i18n::text(lang, "search-error-date"));
    }
    // A category is a board's own (GnuBoard5's 분류): it filters only with its board.
    if !category.is_empty() && !board.is_some_and(|b| b.categories.contains(&category)) {
        problem = Some(i18n::text_with(
            lang,
            "search-error-category",
            &[("category", FluentValue::from(category.clone()))],
        ));
    }
    let query = if q.is_empty() {
        None
    } else {
        match parse_query(&q) {
            Ok(query) => Some(query),
            Err(e) => {
                let detail = e.to_string();
                problem = Some(i18n::text_with(
                    lang,
                    error_key(&e),
                    &[("detail", FluentValue::from(detail))],
                ));
                None
            }
        }
    };
    let mut results = Vec::new();
    let mut total = 0i64;
    let mut more = false;
    if let (Some(query), None) = (&query, &problem) {
        let request = SearchRequest {
            query,
            field: match field.as_str() {
                "title" => SearchField::Title,
                "body" => SearchField::Body,
                "comments" => SearchField::Comments,
                _ => SearchField::TitleAndBody,
            },
            board_id: board.map(|b| b.id),
            category: (!category.is_empty()).then_some(category.as_str()),
            author: (!author.is_empty()).then_some(author.as_str()),
            from: from_ts,
            until: until_ts,
            newest_first: sort == "newest",
            reader_level: viewer.level.get(),
            reader_is_super_admin: viewer.is_super_admin,
            page,
            page_size: PAGE_SIZE,
            now: jiff::Timestamp::now(),
        };
        let found = state.store().search(&request).await?;
        total = found.total;
        more = found.more;
        results = found
            .hits
            .iter()
            .map(|hit| {
                context! {
                    url => format!(
                        "{}/b/{}/{}{}",
                        lang.prefix(),
                        hit.board_slug,
                        hit.post_id,
                        hit.comment_id.map(|c| format!("#comment-{c}")).unwrap_or_default()
                    ),
                    comment => hit.comment_id.is_some(),
                    board_title => board_title(&hit.board_slug, &hit.board_title),
                    title => hit.title,
                    // Escaped text with <mark> around matches: safe to insert as is.
                    snippet => minijinja::Value::from_safe_string(snippet(&hit.body_text, query, SNIPPET_CHARS)),
                    date => long_date(hit.published_at, zone, lang.code()),
                    date_iso => iso(hit.published_at, zone),
                    author => hit.author_name,
                }
            })
            .collect();
    }
    let pages = ((total + i64::from(PAGE_SIZE) - 1) / i64::from(PAGE_SIZE)).max(1);
    // Page links keep every filter; only the page number changes.
    let base: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().filter(|(k, _)| k != "page"))
        .finish();
    let site = SiteView::load(&state, lang, &current).await;
    // A board's categories are offered once that board is chosen (GnuBoard5's 분류).
    let categories: Vec<String> = board.map(|b| b.categories.clone()).unwrap_or_default();
    let board_options: Vec<_> = boards
        .iter()
        .map(|b| context! { slug => b.slug, title => shell.board_title(b, lang) })
        .collect();
    let html = state.theme().render(
        "search.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}{}", lang.other().prefix(), uri),
            q => q, board => board_slug, category => category, categories => categories, field => field, author => author, from => from, to => to, sort => sort,
            boards => board_options, problem => problem, searched => query.is_some() && total >= 0,
            results => results, total => total, more => more, window => madang_store::SEARCH_WINDOW, page => page, pages => pages, base => base,
        },
    )?;
    Ok(Html(html).into_response())
}
