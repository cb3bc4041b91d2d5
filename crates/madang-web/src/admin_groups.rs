//! The admin page of a menu group: its default title and its title in each UI language, and
//! the order of its boards, content pages and links in the menu (links are added and edited
//! in `admin_menu_links`); the menu's order of groups and
//! removing an empty group, from the dashboard. Super administrators only; each change is
//! one audited store call.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Router, routing::get};
use madang_core::Group;
use madang_core::menu::{MenuKey, MenuSlot};
use madang_core::titles::TitlesByLang;
use madang_store::{GroupSettings, StoreError};
use minijinja::context;

use crate::AppState;
use crate::admin::{super_admin, title_fields, titles_from_form, typed_titles};
use crate::auth::{CurrentSession, client_ip};
use crate::error::AppError;
use crate::extract::{ClientAddr, PathParts, form_fields, path_id, trimmed};
use crate::i18n::{self, Lang};
use crate::views::SiteView;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/groups", axum::routing::post(create))
        .route("/admin/groups/{id}", get(form).post(save))
        .route("/admin/groups/{id}/move", axum::routing::post(move_group))
        .route("/admin/groups/{id}/delete", axum::routing::post(delete))
        .route(
            "/admin/groups/{id}/entries/move",
            axum::routing::post(move_entry),
        )
}

/// The group's boards, pages and links in menu order, as the form lists them: each with its
/// form value (`madang_core::menu::MenuKey`), its title in the page's language and its kind
/// (and a link's id, for its edit page).
pub(crate) async fn entries(state: &AppState, group_id: i64, lang: Lang) -> Vec<minijinja::Value> {
    let shell = state.shell().await;
    let mut slots = Vec::new();
    let mut titles: Vec<(MenuKey, String, &'static str)> = Vec::new();
    for board in shell.boards.iter().filter(|b| b.group_id == Some(group_id)) {
        let key = MenuKey::Board(board.id);
        slots.push(MenuSlot {
            key: key.clone(),
            position: board.position,
            id: board.id,
        });
        titles.push((
            key,
            shell.board_title(board, lang).to_owned(),
            "admin-menu-board",
        ));
    }
    let pages: Vec<&madang_store::PageEntry> = shell
        .pages
        .iter()
        .filter(|p| p.group_id == Some(group_id))
        .collect();
    let mut slugs: Vec<&str> = pages.iter().map(|p| p.slug.as_str()).collect();
    slugs.sort_unstable();
    slugs.dedup();
    for slug in slugs {
        let rows: Vec<&&madang_store::PageEntry> =
            pages.iter().filter(|p| p.slug == slug).collect();
        let ids: Vec<(String, i64)> = rows.iter().map(|p| (p.lang.clone(), p.id)).collect();
        let shown = madang_core::page::pick_page_row(&ids, lang.code())
            .and_then(|id| rows.iter().find(|p| p.id == id))
            .map_or(slug, |p| p.title.as_str());
        let key = MenuKey::Page(slug.to_owned());
        slots.push(MenuSlot {
            key: key.clone(),
            position: rows.iter().map(|p| p.position).min().unwrap_or(0),
            id: rows.iter().map(|p| p.id).min().unwrap_or(0),
        });
        titles.push((key, shown.to_owned(), "admin-menu-page"));
    }
    for link in shell.links.iter().filter(|l| l.group_id == group_id) {
        let key = MenuKey::Link(link.id);
        slots.push(MenuSlot {
            key: key.clone(),
            position: link.position,
            id: link.id,
        });
        titles.push((
            key,
            link.title_in(lang.code()).to_owned(),
            "admin-menu-link",
        ));
    }
    madang_core::menu::in_order(slots)
        .into_iter()
        .filter_map(|key| {
            let (_, title, kind) = titles.iter().find(|(k, _, _)| *k == key)?;
            let link = match key {
                MenuKey::Link(id) => Some(id),
                _ => None,
            };
            Some(context! { field => key.to_field(), title => title, kind => kind, link => link })
        })
        .collect()
}

pub(crate) async fn group_or_404(state: &AppState, id: &str) -> Result<Group, AppError> {
    let id = path_id(id)?;
    state
        .store()
        .groups()
        .await?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or(AppError::NotFound)
}

/// The form with `title` and `titles` as its values; with a message key, as a 422 that
/// shows what was typed.
async fn render(
    state: &AppState,
    lang: Lang,
    current: &CurrentSession,
    group: &Group,
    (title, titles): (&str, &TitlesByLang),
    error: Option<&str>,
) -> Result<Response, AppError> {
    let session = super_admin(current, None)?;
    let site = SiteView::load(state, lang, current).await;
    let html = state.theme().render(
        "admin_group.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}/admin/groups/{}", lang.other().prefix(), group.id),
            csrf => session.csrf_token.clone(),
            group => context! { id => group.id, slug => group.slug.clone(), heading => group.title.clone(), title => title },
            title_fields => title_fields(titles),
            entries => entries(state, group.id, lang).await,
            error => error.map(|k| i18n::text(lang, k)),
        },
    )?;
    let mut response = Html(html).into_response();
    if error.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// GET /admin/groups/{id}
async fn form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts(id): PathParts<String>,
) -> Result<Response, AppError> {
    super_admin(&current, None)?;
    let group = group_or_404(&state, &id).await?;
    let titles = state.store().local_titles().await?.of_group(group.id);
    render(
        &state,
        lang,
        &current,
        &group,
        (&group.title, &titles),
        None,
    )
    .await
}

/// POST /admin/groups/{id}: saves the titles; bad input is shown again with the reason
/// and changes nothing.
async fn save(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    PathParts(id): PathParts<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = super_admin(&current, Some(trimmed(&fields, "csrf")))?;
    let group = group_or_404(&state, &id).await?;
    let (title, titles) = match titles_from_form(&fields) {
        Ok(parsed) => parsed,
        Err(key) => {
            let typed = (trimmed(&fields, "title"), &typed_titles(&fields));
            return render(&state, lang, &current, &group, typed, Some(key)).await;
        }
    };
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    state
        .store()
        .update_group(
            group.id,
            &GroupSettings { title, titles },
            actor,
            jiff::Timestamp::now(),
        )
        .await?;
    Ok(Redirect::to(&format!("{}/admin/groups/{}", lang.prefix(), group.id)).into_response())
}

/// POST /admin/groups: a new menu group (address and title); bad input is shown on the
/// dashboard with the reason and changes nothing.
async fn create(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = super_admin(&current, Some(trimmed(&fields, "csrf")))?;
    let (slug, title) = (trimmed(&fields, "slug"), trimmed(&fields, "title"));
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    let refused = match state
        .store()
        .add_group(slug, title, actor, jiff::Timestamp::now())
        .await
    {
        Ok(id) => {
            return Ok(
                Redirect::to(&format!("{}/admin/groups/{id}", lang.prefix())).into_response(),
            );
        }
        Err(StoreError::Conflict(_)) => "admin-error-group-taken",
        Err(StoreError::Invalid(_)) => "admin-error-new-group",
        Err(e) => return Err(e.into()),
    };
    let message = i18n::text(lang, refused);
    let mut page = crate::admin::render_dashboard(&state, lang, &current, Some(message)).await?;
    *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(page)
}

/// POST /admin/groups/{id}/move with `dir=up|down`: the group one place earlier or later
/// in the menu (the first stays first); back to the dashboard.
async fn move_group(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    PathParts(id): PathParts<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = super_admin(&current, Some(trimmed(&fields, "csrf")))?;
    let group = group_or_404(&state, &id).await?;
    let up = match trimmed(&fields, "dir") {
        "up" => true,
        "down" => false,
        _ => return Err(AppError::BadRequest("admin-error-move")),
    };
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    state
        .store()
        .move_group(group.id, up, actor, jiff::Timestamp::now())
        .await?;
    Ok(Redirect::to(&format!("{}/admin#groups-heading", lang.prefix())).into_response())
}

/// POST /admin/groups/{id}/entries/move with `entry=board:ID|page:ADDRESS` and
/// `dir=up|down`: the board or page one place earlier or later among the group's entries
/// (the first stays first); back to the group's page.
async fn move_entry(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    PathParts(id): PathParts<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = super_admin(&current, Some(trimmed(&fields, "csrf")))?;
    let group = group_or_404(&state, &id).await?;
    let up = match trimmed(&fields, "dir") {
        "up" => true,
        "down" => false,
        _ => return Err(AppError::BadRequest("admin-error-move")),
    };
    let key = MenuKey::from_field(trimmed(&fields, "entry"))
        .ok_or(AppError::BadRequest("admin-error-move"))?;
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    state
        .store()
        .move_menu_entry(group.id, &key, up, actor, jiff::Timestamp::now())
        .await?;
    Ok(Redirect::to(&format!(
        "{}/admin/groups/{}#entries-heading",
        lang.prefix(),
        group.id
    ))
    .into_response())
}

/// POST /admin/groups/{id}/delete: removes a group that holds no board or page; one that
/// still does is refused on the dashboard with the reason, and nothing changes.
async fn delete(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    PathParts(id): PathParts<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = super_admin(&current, Some(trimmed(&fields, "csrf")))?;
    let group = group_or_404(&state, &id).await?;
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    match state
        .store()
        .delete_group(group.id, actor, jiff::Timestamp::now())
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("{}/admin#groups-heading", lang.prefix())).into_response())
        }
        Err(StoreError::Conflict(_)) => {
            let message = i18n::text_with(
                lang,
                "admin-error-group-not-empty",
                &[("name", group.title.clone().into())],
            );
            let mut page =
                crate::admin::render_dashboard(&state, lang, &current, Some(message)).await?;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(page)
        }
        Err(e) => Err(e.into()),
    }
}
