//! The public pages: home, board lists, posts, downloads.

use axum::Extension;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use futures::StreamExt;
use madang_core::ListStyle;
use madang_core::download::content_disposition;
use madang_core::permission::{BoardAction, administers, may, may_edit, may_read_secret};
use madang_core::time::{iso, long_date};
use minijinja::context;

use crate::AppState;
use crate::auth::CurrentSession;
use crate::error::AppError;
use crate::extract::{PathParts, path_id, query_param};
use crate::i18n::Lang;
use crate::views::{AttachmentView, BoardView, PostItemView, SiteView};

/// The highest page number accepted in a list address.
const MAX_PAGE: u32 = 1_000_000;

/// Parses `page=`: absent means 1; anything but a whole number from 1 up is a bad request.
fn page_number(query: Option<&str>) -> Result<u32, AppError> {
    match query_param(query, "page") {
        None => Ok(1),
        Some(text) => text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or(AppError::BadRequest("invalid-page-number")),
    }
}

fn render(
    state: &AppState,
    template: &str,
    context: minijinja::Value,
) -> Result<Response, AppError> {
    let html = state.theme().render(template, context)?;
    Ok(Html(html).into_response())
}

/// The address of the same page in the other language, for the language switch.
fn switch_path(lang: Lang, uri: &Uri) -> String {
    let mut path = format!("{}{}", lang.other().prefix(), uri.path());
    if let Some(q) = uri.query() {
        path.push('?');
        path.push_str(q);
    }
    path
}

/// The home page: each menu group with its boards' latest posts.
pub(crate) async fn home(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    origin: crate::feeds::Origin,
    uri: Uri,
) -> Result<Response, AppError> {
    let site = SiteView::load(&state, lang, &current).await;
    let meta = crate::seo::home_meta(&origin, lang, &site.name);
    let viewer = current.viewer();
    let now = jiff::Timestamp::now();
    let shell = state.shell().await;
    let mut sections = Vec::new();
    // A board with no posts to show there (its home page count is 0) is left off.
    let boards: Vec<madang_core::Board> = state
        .store()
        .boards()
        .await?
        .into_iter()
        .filter(|b| b.home_count > 0 && may(&viewer, b, BoardAction::List))
        .collect();
    let latest = state.store().latest_posts(&boards, now).await?;
    let zone = state.zone().await;
    for (board, posts) in boards.iter().zip(latest) {
        let posts: Vec<minijinja::Value> = posts
            .iter()
            .map(|p| PostItemView::new(board, p, lang, &zone).into_value())
            .collect();
        let title = shell.board_title(board, lang);
        sections.push(context! { slug => board.slug, title => title, posts => posts });
    }
    render(
        &state,
        "home.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => switch_path(lang, &uri), sections => sections, meta => meta,
        },
    )
}

/// A board's list page.
pub(crate) async fn board(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts(slug): PathParts<String>,
    RawQuery(query): RawQuery,
    origin: crate::feeds::Origin,
    uri: Uri,
) -> Result<Response, AppError> {
    let page_no = page_number(query.as_deref())?;
    // Titled in the page's language: the heading, <title>, meta and JSON-LD name it so.
    let board = state
        .shell()
        .await
        .board_in(&slug, lang)
        .ok_or(AppError::NotFound)?;
    if !may(&current.viewer(), &board, BoardAction::List) {
        return Err(AppError::Forbidden);
    }
    // `?category=` filters by one of the board's categories; any other value is no page.
    let category = match query_param(query.as_deref(), "category").filter(|c| !c.is_empty()) {
        Some(asked) => Some(
            madang_core::categories::filter(&board.categories, &asked)
                .ok_or(AppError::NotFound)?
                .to_owned(),
        ),
        None => None,
    };
    let now = jiff::Timestamp::now();
    let page = match &category {
        Some(category) => {
            state
                .store()
                .category_page(&board, category, page_no, now)
                .await?
        }
        None => {
            let generation = state.generation().await;
            state
                .store()
                .board_page_at(&board, page_no, now, generation)
                .await?
        }
    };
    if page_no > page.pages {
        return Err(AppError::NotFound);
    }
    let may_download = may(&current.viewer(), &board, BoardAction::Download);
    let zone = state.zone().await;
    let item = |p: &madang_core::PostSummary| {
        let view = PostItemView::new(&board, p, lang, &zone);
        match board.list_style {
            ListStyle::Gallery => view.with_thumbnail(&board, p, &origin.0, may_download),
            ListStyle::List | ListStyle::Webzine => view,
        }
        .into_value()
    };
    let pinned: Vec<minijinja::Value> = page.pinned.iter().map(item).collect();
    let posts: Vec<minijinja::Value> = page.posts.iter().map(item).collect();
    let site = SiteView::load(&state, lang, &current).await;
    render(
        &state,
        "board.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => switch_path(lang, &uri),
            board => BoardView::new(&state, &board, lang).await,
            list_style => board.list_style,
            may_write => current.session.is_some() && may(&current.viewer(), &board, BoardAction::Write),
            categories => crate::views::category_links(lang, &board, category.as_deref()),
            category => category,
            page_href => crate::views::page_href(lang, &board.slug, category.as_deref()),
            current_board => board.slug,
            pinned => pinned, posts => posts,
            page => page.page, pages => page.pages,
            page_links => madang_core::paging::page_links(page.page, page.pages),
            meta => crate::seo::board_meta(&origin, lang, &board, page.page, category.as_deref()),
        },
    )
}

/// A post page.
pub(crate) async fn post(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts((slug, post_id)): PathParts<(String, String)>,
    origin: crate::feeds::Origin,
) -> Result<Response, AppError> {
    let post_id = path_id(&post_id)?;
    // Titled in the page's language: the heading, <title>, meta and JSON-LD name it so.
    let board = state
        .shell()
        .await
        .board_in(&slug, lang)
        .ok_or(AppError::NotFound)?;
    let viewer = current.viewer();
    if !may(&viewer, &board, BoardAction::Read) {
        return Err(AppError::Forbidden);
    }
    let now = jiff::Timestamp::now();
    // The revision count comes with the post: staff's "History (N)" link costs no query.
    // A draft or scheduled post is its editors' only; to anyone else it is not there.
    let (post, revision_count, hidden) = match state
        .store()
        .post_with_revision_count(board.id, post_id, now)
        .await?
    {
        Some((post, revisions)) => (post, revisions, false),
        None => crate::drafts::post_for_editor(&state, &viewer, &board, post_id, now)
            .await?
            .map(|(post, revisions)| (post, revisions, true))
            .ok_or(AppError::NotFound)?,
    };
    if !crate::replies::may_read_post(&state, &viewer, &board, &post).await? {
        return Err(AppError::Forbidden);
    }
    // A reply links to the post it answers, while readers can see that post.
    let in_reply_to = match post.parent_id {
        Some(parent) => state
            .store()
            .post(board.id, parent, now)
            .await?
            .map(|p| context! { title => p.title, href => format!("{}/b/{}/{}", lang.prefix(), board.slug, p.id) }),
        None => None,
    };
    let files = state.store().attachments(post.id).await?;
    let attachments: Vec<AttachmentView> = files.iter().map(AttachmentView::from).collect();
    let translations =
        crate::translations::readable_translations(&state, &viewer, &post, now).await?;
    let neighbours = state.store().neighbours(&board, &post, now).await?;
    let comment_zone = state.zone().await;
    let comments: Vec<_> = state
        .store()
        .comments(post.id)
        .await?
        .into_iter()
        .map(|c| {
            let readable = !c.secret || may_read_secret(&viewer, &board, c.author_id) || (viewer.member_id.is_some() && viewer.member_id == post.author_id);
            context! {
                id => c.id,
                depth => c.depth.min(5),
                author => c.author_name,
                date => long_date(c.created_at, &comment_zone, lang.code()),
                date_iso => iso(c.created_at, &comment_zone),
                deleted => c.deleted,
                secret => c.secret,
                readable => readable,
                may_delete => !c.deleted && (administers(&viewer, &board) || (c.author_id.is_some() && c.author_id == viewer.member_id)),
                // Sanitised when saved or imported.
                body_html => if readable && !c.deleted { Some(minijinja::Value::from_safe_string(c.body_html)) } else { None },
            }
        })
        .collect();
    let zone = &state.zone().await;
    let site = SiteView::load(&state, lang, &current).await;
    let versions = crate::translations::post_versions(
        lang.site_default(),
        &origin.0,
        &board.slug,
        &post,
        &translations,
    );
    let meta = crate::seo::post_meta(
        &origin, lang, &site.name, &board, &post, &files, versions, zone,
    );
    let may_edit_post = may_edit(&viewer, &board, post.author_id);
    let translation_offers = if may_edit_post {
        crate::translations::translation_offers(lang, &board.slug, &post, &translations)
    } else {
        Vec::new()
    };
    let post_id = post.id;
    let unpublished = current
        .session
        .as_ref()
        .filter(|_| hidden)
        .map(|s| crate::drafts::unpublished_view(lang, &post, &s.csrf_token, now, zone));
    let mut response = render(
        &state,
        "post.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => crate::translations::post_switch_path(lang, &board.slug, (post.id, post.lang.as_deref()), &translations),
            board => BoardView::new(&state, &board, lang).await,
            list_style => board.list_style,
            current_board => board.slug,
            translations => crate::translations::translation_links(lang, &translations),
            post => context! {
                id => post.id,
                title => post.title,
                // Marks the title and body when they are in another language than the page.
                lang => post.lang,
                // Sanitised on save: safe to insert as is.
                body_html => minijinja::Value::from_safe_string(post.body_html),
                author => post.author_name,
                date => long_date(post.published_at, zone, lang.code()),
                date_iso => iso(post.published_at, zone),
                views => post.views + 1,
                links => post.links,
                pinned => post.pinned,
                category_href => crate::views::category_href(lang, &board, &post.category),
                category => post.category,
            },
            unpublished => unpublished,
            in_reply_to => in_reply_to,
            // A draft or scheduled post is answered once it is out.
            reply_href => current.session.as_ref().filter(|_| !hidden && may(&viewer, &board, BoardAction::Reply)).map(|_| format!("{}/b/{}/{}/reply", lang.prefix(), board.slug, post_id)),
            staff => current.session.as_ref().filter(|_| may_edit_post || administers(&viewer, &board)).map(|s| context! {
                edit => may_edit_post,
                revisions => revision_count,
                translate => translation_offers,
                translated => post.translation_group.is_some(),
                admin => administers(&viewer, &board),
                csrf => s.csrf_token.clone(),
            }),

            attachments => attachments,
            comments => comments,
            comment_form => current.session.as_ref().filter(|_| !hidden && may(&viewer, &board, BoardAction::Comment)).map(|s| context! { csrf => s.csrf_token.clone() }),
            may_download => may(&viewer, &board, BoardAction::Download),
            previous => neighbours.previous.map(|(id, title)| context! { id => id, title => title }),
            next => neighbours.next.map(|(id, title)| context! { id => id, title => title }),
            meta => meta,
        },
    )?;
    // Counted by the cache layer, also when the page is served from the cache; an
    // editor's look at a draft is not a view.
    if !hidden {
        response
            .extensions_mut()
            .insert(crate::cache::CountView(post_id));
    }
    Ok(response)
}

/// Streams an attachment with its type and file name, and counts the download.
pub(crate) async fn download(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
    method: axum::http::Method,
    headers: axum::http::HeaderMap,
    PathParts((slug, post_id, file_id)): PathParts<(String, String, String)>,
) -> Result<Response, AppError> {
    let (post_id, file_id) = (path_id(&post_id)?, path_id(&file_id)?);
    let board = state
        .store()
        .board(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let viewer = current.viewer();
    if !may(&viewer, &board, BoardAction::Download) || !may(&viewer, &board, BoardAction::Read) {
        return Err(AppError::Forbidden);
    }
    let now = jiff::Timestamp::now();
    let post = match state.store().post(board.id, post_id, now).await? {
        Some(post) => post,
        // The files of a draft or scheduled post, for its editors.
        None => crate::drafts::post_for_editor(&state, &viewer, &board, post_id, now)
            .await?
            .map(|(post, _)| post)
            .ok_or(AppError::NotFound)?,
    };
    if !crate::replies::may_read_post(&state, &viewer, &board, &post).await? {
        return Err(AppError::Forbidden);
    }
    let attachment = state
        .store()
        .attachment(post.id, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let file = match state.files().open(&attachment.storage_key).await {
        Ok(file) => file,
        Err(madang_files::FilesError::NotFound) => {
            tracing::error!(key = %attachment.storage_key, "attachment missing from storage");
            return Err(AppError::NotFound);
        }
        Err(e) => return Err(e.into()),
    };
    // A HEAD request (a link checker, a download manager probing size) is not a download,
    // nor is a gallery list's thumbnail loading in an `<img>` (`Sec-Fetch-Dest: image`):
    // counting those would count list views and invalidate this node's cached pages.
    if method != axum::http::Method::HEAD && !fetched_as_image(&headers) {
        state.store().count_download(attachment.id).await?;
        // The post page shows the count: this node's next reader gets a fresh one.
        state.page_cache().generation_changed();
    }
    let body = Body::from_stream(file.chunks.map(|c| c.map_err(std::io::Error::other)));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let content_type = HeaderValue::from_str(&attachment.mime)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&attachment.name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(response)
}

/// Whether a request is a browser loading an image for a page (`Sec-Fetch-Dest: image`).
fn fetched_as_image(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("sec-fetch-dest")
        .is_some_and(|dest| dest.as_bytes().eq_ignore_ascii_case(b"image"))
}

/// GnuBoard5's `/bbs/board.php?bo_table=X[&wr_id=N]` addresses, redirected for good: an
/// imported site's addresses through the importer's table (ids changed), otherwise by slug.
pub(crate) async fn legacy_board(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> Result<Response, AppError> {
    let param = |name: &str| query_param(query.as_deref(), name).unwrap_or_default();
    let (sfl, stx, sop, sca) = (param("sfl"), param("stx"), param("sop"), param("sca"));
    let wr_id = query_param(query.as_deref(), "wr_id");
    // A recorded address names a post or a board; its search and category parameters are
    // not part of it (the import's table keeps bo_table and wr_id), so a board's search
    // or category list is read here.
    let list_of_some = wr_id.is_none() && (!stx.trim().is_empty() || !sca.trim().is_empty());
    if !list_of_some && let Some(target) = legacy_target(&state, lang, &uri).await? {
        return moved_permanently(&Method::GET, &target);
    }
    let bo_table = query_param(query.as_deref(), "bo_table").ok_or(AppError::NotFound)?;
    // An imported board may have a new slug: the import recorded its old address.
    let recorded = state
        .store()
        .legacy_redirect(&format!("/bbs/board.php?bo_table={bo_table}"))
        .await?;
    let slug = recorded
        .as_deref()
        .and_then(|t| t.strip_prefix("/b/"))
        .and_then(|t| t.split(['/', '?']).next())
        .unwrap_or(&bo_table);
    let board = state.store().board(slug).await?.ok_or(AppError::NotFound)?;
    let target = match wr_id {
        Some(id) => format!("{}/b/{}/{}", lang.prefix(), board.slug, path_id(&id)?),
        None => match madang_core::search::gnuboard_search(&sfl, &stx, &sop, &sca) {
            // A board's search: the same search here, on the same board.
            Some(pairs) => search_address(lang, Some(&board.slug), pairs),
            // A list of one category.
            None if !sca.trim().is_empty() => {
                let query = form_urlencoded::Serializer::new(String::new())
                    .append_pair("category", sca.trim())
                    .finish();
                format!("{}/b/{}?{query}", lang.prefix(), board.slug)
            }
            None => format!("{}/b/{}", lang.prefix(), board.slug),
        },
    };
    moved_permanently(&Method::GET, &target)
}

/// GnuBoard5's site-wide search, `/bbs/search.php?sfl=…&stx=…&sop=…`: the same search here
/// (the group filter, `gr_id`, has no equivalent and is left out).
pub(crate) async fn legacy_search(
    Extension(lang): Extension<Lang>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let param = |name: &str| query_param(query.as_deref(), name).unwrap_or_default();
    let target =
        match madang_core::search::gnuboard_search(&param("sfl"), &param("stx"), &param("sop"), "")
        {
            Some(pairs) => search_address(lang, None, pairs),
            None => format!("{}/search", lang.prefix()),
        };
    moved_permanently(&Method::GET, &target)
}

/// `/search?…` with these parameters, on `board` when given.
fn search_address(lang: Lang, board: Option<&str>, pairs: Vec<(&'static str, String)>) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(board.map(|slug| ("board", slug.to_owned())))
        .extend_pairs(pairs)
        .finish();
    format!("{}/search?{query}", lang.prefix())
}

/// The permanent redirect from an old address to its new page: 301, which every browser,
/// crawler and feed reader knows, for reads (the and GnuBoard5 users' expectation);
/// 308 for any other method, so that a form posted to an old address stays a POST.
pub(crate) fn moved_permanently(method: &Method, target: &str) -> Result<Response, AppError> {
    let status = if method == Method::GET || method == Method::HEAD {
        StatusCode::MOVED_PERMANENTLY
    } else {
        StatusCode::PERMANENT_REDIRECT
    };
    // Targets are this site's own paths; one that is no header value is no page either.
    let location = HeaderValue::from_str(target).map_err(|_| AppError::NotFound)?;
    Ok((status, [(header::LOCATION, location)]).into_response())
}

/// The new address of an old one recorded by an import, in the reader's language.
async fn legacy_target(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
) -> Result<Option<String>, AppError> {
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let target = state.store().legacy_redirect(path_and_query).await?;
    // Only paths on this site: the table is ours, but a redirect must never leave the site.
    Ok(target
        .filter(|t| crate::auth::safe_next(Some(t)) == *t)
        .map(|t| format!("{}{t}", lang.prefix())))
}

/// Images and files an imported post's body points at (`/files/legacy/editor/…`): public,
/// as they were on the old site, served with their stored type and never as HTML.
pub(crate) async fn legacy_file(
    State(state): State<AppState>,
    PathParts(path): PathParts<String>,
) -> Result<Response, AppError> {
    let file = state
        .store()
        .legacy_file(&path)
        .await?
        .ok_or(AppError::NotFound)?;
    let stream = match state.files().open(&file.storage_key).await {
        Ok(stream) => stream,
        Err(madang_files::FilesError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let body = Body::from_stream(stream.chunks.map(|c| c.map_err(std::io::Error::other)));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let inline_ok = file.mime.starts_with("image/") && file.mime != "image/svg+xml";
    let content_type = if inline_ok || file.mime == "application/pdf" {
        file.mime.as_str()
    } else {
        "application/octet-stream"
    };
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(stream.size));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(response)
}

/// Any address no route matches: an old address an import recorded redirects; anything
/// else is not found.
pub(crate) async fn not_found(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    method: Method,
    uri: Uri,
) -> Result<Response, AppError> {
    match legacy_target(&state, lang, &uri).await? {
        Some(target) => moved_permanently(&method, &target),
        None => Err(AppError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers() {
        assert_eq!(page_number(None).unwrap(), 1);
        assert_eq!(page_number(Some("page=3")).unwrap(), 3);
        assert!(page_number(Some("page=abc")).is_err());
        assert!(page_number(Some("page=-5")).is_err());
        assert!(page_number(Some("page=0")).is_err());
        assert!(page_number(Some("page=99999999999999999999")).is_err());
        assert!(page_number(Some("page=%FF")).is_err());
    }

    #[test]
    fn ids() {
        assert_eq!(path_id("42").unwrap(), 42);
        assert!(path_id("9223372036854775808").is_err());
        assert!(path_id("-1").is_err());
        assert!(path_id("x").is_err());
    }
}
