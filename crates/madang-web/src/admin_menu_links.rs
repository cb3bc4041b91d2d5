//! Menu links from the admin area: a super administrator adds to a menu group an entry that
//! opens an address (an http(s) URL or a path of this site, `madang_core::menu_link`),
//! titled like boards and groups, then edits or removes it; it is moved among the group's
//! entries on the group's page (`admin_groups`). Each change is one audited store call; a
//! bad title or address is shown again with the reason and changes nothing.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Router, routing::get, routing::post};
use madang_core::Group;
use madang_core::menu_link::MenuAddress;
use madang_core::titles::TitlesByLang;
use madang_store::{MenuLink, MenuLinkSettings};
use minijinja::context;

use crate::AppState;
use crate::admin::{super_admin, title_fields, titles_from_form, typed_titles};
use crate::admin_groups::group_or_404;
use crate::auth::{CurrentSession, client_ip};
use crate::error::AppError;
use crate::extract::{ClientAddr, PathParts, form_fields, path_id, trimmed};
use crate::i18n::{self, Lang};
use crate::views::SiteView;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/groups/{id}/links", post(create))
        .route("/admin/groups/{id}/links/new", get(new_form))
        .route("/admin/links/{id}", get(edit_form).post(save))
        .route("/admin/links/{id}/delete", post(delete))
}

/// What the form shows: the default title, the titles per language and the address.
struct Typed<'a> {
    title: &'a str,
    titles: TitlesByLang,
    url: &'a str,
}

/// The link's form, for a new link (`link` is `None`) or an existing one; with a message
/// key, as a 422 that shows what was typed.
async fn render(
    state: &AppState,
    lang: Lang,
    current: &CurrentSession,
    (group, link): (&Group, Option<&MenuLink>),
    typed: Typed<'_>,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let session = super_admin(current, None)?;
    let site = SiteView::load(state, lang, current).await;
    let path = match link {
        Some(l) => format!("/admin/links/{}", l.id),
        None => format!("/admin/groups/{}/links/new", group.id),
    };
    let group_title = state
        .shell()
        .await
        .group_title(group.id, lang)
        .unwrap_or(&group.title)
        .to_owned();
    let html = state.theme().render(
        "admin_menu_link.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}{path}", lang.other().prefix()),
            csrf => session.csrf_token.clone(),
            group => context! { id => group.id, title => group_title },
            link => link.map(|l| context! { id => l.id, heading => l.title_in(lang.code()) }),
            title => typed.title, url => typed.url,
            title_fields => title_fields(&typed.titles),
            error => error.map(|k| i18n::text(lang, k)),
        },
    )?;
    let mut response = Html(html).into_response();
    if error.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// The form's titles and address, checked (the store checks again); else the message key.
fn settings(fields: &[(String, String)]) -> Result<MenuLinkSettings, &'static str> {
    let (title, titles) = titles_from_form(fields)?;
    let url = MenuAddress::parse(trimmed(fields, "url")).ok_or("admin-error-menu-address")?;
    Ok(MenuLinkSettings {
        title,
        titles,
        url: url.as_str().to_owned(),
    })
}

async fn link_or_404(state: &AppState, id: &str) -> Result<(Group, MenuLink), AppError> {
    let link = state.store().menu_link(path_id(id)?).await?;
    let group = group_or_404(state, &link.group_id.to_string()).await?;
    Ok((group, link))
}

fn back_to_group(lang: Lang, group_id: i64) -> Response {
    Redirect::to(&format!(
        "{}/admin/groups/{group_id}#entries-heading",
        lang.prefix()
    ))
    .into_response()
}

/// GET /admin/groups/{id}/links/new
async fn new_form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts(id): PathParts<String>,
) -> Result<Response, AppError> {
    super_admin(&current, None)?;
    let group = group_or_404(&state, &id).await?;
    let typed = Typed {
        title: "",
        titles: TitlesByLang::new(),
        url: "",
    };
    render(&state, lang, &current, (&group, None), typed, None).await
}

/// POST /admin/groups/{id}/links: adds the link at the end of the group's entries.
async fn create(
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
    let settings = match settings(&fields) {
        Ok(s) => s,
        Err(key) => {
            let typed = typed(&fields);
            return render(&state, lang, &current, (&group, None), typed, Some(key)).await;
        }
    };
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    state
        .store()
        .add_menu_link(group.id, &settings, actor, jiff::Timestamp::now())
        .await?;
    Ok(back_to_group(lang, group.id))
}

fn typed(fields: &[(String, String)]) -> Typed<'_> {
    Typed {
        title: trimmed(fields, "title"),
        titles: typed_titles(fields),
        url: trimmed(fields, "url"),
    }
}

/// GET /admin/links/{id}
async fn edit_form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts(id): PathParts<String>,
) -> Result<Response, AppError> {
    super_admin(&current, None)?;
    let (group, link) = link_or_404(&state, &id).await?;
    let typed = Typed {
        title: &link.title,
        titles: link.titles.clone(),
        url: &link.url,
    };
    render(&state, lang, &current, (&group, Some(&link)), typed, None).await
}

/// POST /admin/links/{id}: saves the titles and address.
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
    let (group, link) = link_or_404(&state, &id).await?;
    let settings = match settings(&fields) {
        Ok(s) => s,
        Err(key) => {
            let typed = typed(&fields);
            let page = (&group, Some(&link));
            return render(&state, lang, &current, page, typed, Some(key)).await;
        }
    };
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    state
        .store()
        .update_menu_link(link.id, &settings, actor, jiff::Timestamp::now())
        .await?;
    Ok(back_to_group(lang, group.id))
}

/// POST /admin/links/{id}/delete: removes the link from the menu.
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
    let (group, link) = link_or_404(&state, &id).await?;
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    state
        .store()
        .delete_menu_link(link.id, actor, jiff::Timestamp::now())
        .await?;
    Ok(back_to_group(lang, group.id))
}
