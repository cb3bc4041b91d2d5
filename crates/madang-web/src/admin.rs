//! The admin area for super administrators: site settings, boards, members (menu groups
//! are in `admin_groups`).
//! Every change goes through one store method and lands in the audit log.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use madang_core::registration::RegistrationMode;
use madang_core::titles::{TitlesByLang, valid_title};
use madang_core::uploads::{FileKind, FileKinds, LimitError, UploadLimits, max_file_mb_for};
use madang_core::{BoardLevels, Level, ListOrder, ListStyle, NewBoard, parse_home_count};
use madang_store::BoardSettings;
use minijinja::context;

use crate::AppState;
use crate::auth::{CurrentSession, client_ip};
use crate::error::AppError;
use crate::extract::{ClientAddr, PathParts};
use crate::extract::{field, form_fields, sent, trimmed};
use crate::i18n::{self, Lang, Language};
use crate::views::SiteView;

/// The admin routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard))
        .route("/admin/settings", post(save_settings))
        .route("/admin/boards", post(create_board))
        .route("/admin/boards/{slug}", get(board_form).post(save_board))
        .route("/admin/members/{login}", post(save_member))
}

/// The super administrator's session, after checking the form's token when there is one.
pub(crate) fn super_admin<'a>(
    current: &'a CurrentSession,
    csrf: Option<&str>,
) -> Result<&'a madang_store::Session, AppError> {
    let session = match csrf {
        Some(token) => current.check_csrf(token)?,
        None => current.require()?,
    };
    if !session.member.is_super_admin {
        return Err(AppError::Forbidden);
    }
    Ok(session)
}

fn level_field(fields: &[(String, String)], name: &str) -> Result<Level, &'static str> {
    trimmed(fields, name)
        .parse::<i64>()
        .ok()
        .and_then(Level::new)
        .ok_or("admin-error-level")
}

fn number_field(fields: &[(String, String)], name: &str, max: u32) -> Result<u32, &'static str> {
    trimmed(fields, name)
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or("admin-error-number")
}

/// The form field of the title in one UI language (`title_ko`).
fn title_field(lang: Language) -> String {
    format!("title_{}", lang.code())
}

/// Reads a board's or menu group's titles from a form: the default title (`title`, 1 to
/// 100 characters) and one per UI language (`title_en`, `title_ko`; empty means none).
/// Neither may hold control characters. The error is a message key.
pub(crate) fn titles_from_form(
    fields: &[(String, String)],
) -> Result<(String, TitlesByLang), &'static str> {
    let title = trimmed(fields, "title");
    if title.is_empty() || !valid_title(title) {
        return Err("admin-error-title");
    }
    let mut titles = TitlesByLang::new();
    for lang in Language::ALL {
        let local = trimmed(fields, &title_field(lang));
        if !valid_title(local) {
            return Err("admin-error-local-title");
        }
        if !local.is_empty() {
            titles.insert(lang.code().to_owned(), local.to_owned());
        }
    }
    Ok((title.to_owned(), titles))
}

/// The titles in each UI language as typed in a form (trimmed, empty ones kept), to show
/// them again with a message.
pub(crate) fn typed_titles(fields: &[(String, String)]) -> TitlesByLang {
    Language::ALL
        .iter()
        .map(|lang| {
            let typed = trimmed(fields, &title_field(*lang));
            (lang.code().to_owned(), typed.to_owned())
        })
        .collect()
}

/// The form's fields for the titles in each UI language, with their current values.
pub(crate) fn title_fields(titles: &TitlesByLang) -> Vec<minijinja::Value> {
    Language::ALL
        .iter()
        .map(|lang| {
            context! {
                name => title_field(*lang), lang => lang.code(),
                label => format!("admin-title-in-{}", lang.code()),
                value => titles.get(lang.code()).cloned().unwrap_or_default(),
            }
        })
        .collect()
}

/// Reads the board settings part of a form.
fn board_settings(fields: &[(String, String)]) -> Result<BoardSettings, &'static str> {
    let (title, titles) = titles_from_form(fields)?;
    let group_id = match trimmed(fields, "group") {
        "" => None,
        id => Some(id.parse::<i64>().map_err(|_| "admin-error-group")?),
    };
    Ok(BoardSettings {
        title,
        titles,
        group_id,
        title_len: number_field(fields, "title_len", 1000)?,
        excerpt_len: number_field(fields, "excerpt_len", 100_000)?,
        page_size: number_field(fields, "page_size", 200)?.max(1),
        list_order: ListOrder::parse(trimmed(fields, "list_order")),
        list_style: ListStyle::parse(trimmed(fields, "list_style"))
            .ok_or("admin-error-list-style")?,
        home_count: parse_home_count(trimmed(fields, "home_count"))
            .ok_or("admin-error-home-count")?,
        levels: BoardLevels {
            list: level_field(fields, "level_list")?,
            read: level_field(fields, "level_read")?,
            write: level_field(fields, "level_write")?,
            reply: level_field(fields, "level_reply")?,
            comment: level_field(fields, "level_comment")?,
            upload: level_field(fields, "level_upload")?,
            download: level_field(fields, "level_download")?,
        },
        uploads: upload_limits(fields)?,
        categories: madang_core::categories::parse_list(field(fields, "categories"))
            .map_err(|e| e.message_key())?,
    })
}

/// Reads a board's attachment limits: `max_files`, `max_file_mb` and one `kind` field per
/// kind of file ticked. The error is a message key.
fn upload_limits(fields: &[(String, String)]) -> Result<UploadLimits, &'static str> {
    let number = |name: &str, error: LimitError| {
        trimmed(fields, name)
            .parse::<u32>()
            .map_err(|_| error.message_key())
    };
    let mut kinds = Vec::new();
    for (_, value) in fields.iter().filter(|(k, _)| k == "kind") {
        kinds.push(FileKind::parse(value.trim()).ok_or("admin-error-allowed-kinds")?);
    }
    let limits = UploadLimits {
        max_files: number("max_files", LimitError::Files)?,
        max_file_mb: number("max_file_mb", LimitError::Size)?,
        kinds: FileKinds::of(&kinds),
    };
    limits
        .validate(crate::staff::MAX_UPLOAD_BYTES)
        .map_err(LimitError::message_key)?;
    Ok(limits)
}

pub(crate) async fn render_dashboard(
    state: &AppState,
    lang: Lang,
    current: &CurrentSession,
    message: Option<String>,
) -> Result<Response, AppError> {
    let session = super_admin(current, None)?;
    let site = SiteView::load(state, lang, current).await;
    let groups = state.store().groups().await?;
    let boards: Vec<_> = state
        .store()
        .boards()
        .await?
        .into_iter()
        .map(|b| {
            let group = groups
                .iter()
                .find(|g| Some(g.id) == b.group_id)
                .map(|g| g.title.clone());
            context! { slug => b.slug, title => b.title, group => group, posts => b.post_count }
        })
        .collect();
    let members: Vec<_> = state
        .store()
        .members()
        .await?
        .into_iter()
        .map(|(m, blocked)| {
            context! { login => m.login, nickname => m.nickname, level => m.level.get(), is_super_admin => m.is_super_admin, blocked => blocked }
        })
        .collect();
    let html = state.theme().render(
        "admin.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}/admin", lang.other().prefix()),
            csrf => session.csrf_token.clone(),
            site_name => state.store().setting(crate::SITE_NAME_SETTING).await?.unwrap_or_default(),
            require_2fa => state.store().setting(crate::auth::REQUIRE_TWO_FACTOR).await?.is_some_and(|v| v == "1"),
            registration => state.store().registration_mode().await?.as_str(),
            registration_modes => RegistrationMode::ALL.iter().map(|m| context! {
                value => m.as_str(), label => format!("admin-registration-{}", m.as_str()),
            }).collect::<Vec<_>>(),
            groups => groups.iter().map(|g| context! { id => g.id, slug => g.slug.clone(), title => g.title.clone() }).collect::<Vec<_>>(),
            boards => boards, members => members, message => message,
            levels => (1..=10).collect::<Vec<i64>>(),
            logo_kb => madang_core::logo::MAX_LOGO_BYTES / 1024,
            time_zone => state.store().setting(madang_store::TIME_ZONE_SETTING).await?.unwrap_or_default(),
            default_zone => state.config().zone.iana_name().unwrap_or("UTC"),
            default_language => state.store().setting(madang_store::DEFAULT_LANGUAGE_SETTING).await?.unwrap_or_default(),
            configured_language => format!("lang-name-{}", state.config().default_language.code()),
            languages => crate::Language::ALL.iter().map(|l| context! {
                value => l.code(), label => format!("lang-name-{}", l.code()),
            }).collect::<Vec<_>>(),
        },
    )?;
    Ok(Html(html).into_response())
}

/// GET /admin
async fn dashboard(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
) -> Result<Response, AppError> {
    render_dashboard(&state, lang, &current, None).await
}

/// POST /admin/settings: the site's name, two-factor sign-in for administrators, the time zone,
/// the default language and the registration mode. Everything is checked before anything is
/// saved.
async fn save_settings(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = super_admin(&current, Some(trimmed(&fields, "csrf")))?;
    let name = trimmed(&fields, "site_name");
    if name.is_empty() || name.chars().count() > 200 {
        let message = i18n::text(lang, "admin-error-site-name");
        return render_dashboard(&state, lang, &current, Some(message)).await;
    }
    // An empty time zone goes back to the configuration's; a name must be one the time
    // zone database knows. Checked before anything is saved; a form without the field
    // (an older page) leaves it as it is.
    let zone = sent(&fields, "time_zone");
    if let Some(zone) = zone.filter(|z| !z.is_empty() && madang_core::time::site_zone(z).is_none())
    {
        let message = i18n::text_with(
            lang,
            "admin-error-time-zone",
            &[("name", zone.to_owned().into())],
        );
        let mut page = render_dashboard(&state, lang, &current, Some(message)).await?;
        *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(page);
    }
    // The default language: empty goes back to the configuration's; a form without the
    // field (an older page) leaves it as it is.
    let language = sent(&fields, "default_language");
    if language.is_some_and(|l| !l.is_empty() && crate::Language::from_code(l).is_none()) {
        let message = i18n::text(lang, "admin-error-default-language");
        let mut page = render_dashboard(&state, lang, &current, Some(message)).await?;
        *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(page);
    }
    // A form without the field (an older page) leaves the mode as it is.
    let registration = match trimmed(&fields, "registration") {
        "" => None,
        value => match RegistrationMode::parse(value) {
            Some(mode) => Some(mode),
            None => {
                let message = i18n::text(lang, "admin-error-registration");
                return render_dashboard(&state, lang, &current, Some(message)).await;
            }
        },
    };
    let require = if trimmed(&fields, "require_2fa") == "1" {
        "1"
    } else {
        "0"
    };
    if require == "1" && !session.has_totp {
        // Otherwise the setting would take this administrator's own rights away at once.
        let message = i18n::text(lang, "admin-error-require-2fa-self");
        return render_dashboard(&state, lang, &current, Some(message)).await;
    }
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    state
        .store()
        .set_site_setting(
            crate::SITE_NAME_SETTING,
            name,
            actor,
            jiff::Timestamp::now(),
        )
        .await?;
    state
        .store()
        .set_site_setting(
            crate::auth::REQUIRE_TWO_FACTOR,
            require,
            actor,
            jiff::Timestamp::now(),
        )
        .await?;
    let zone_before = state
        .store()
        .setting(madang_store::TIME_ZONE_SETTING)
        .await?
        .unwrap_or_default();
    if let Some(zone) = zone.filter(|z| *z != zone_before) {
        state
            .store()
            .set_site_setting(
                madang_store::TIME_ZONE_SETTING,
                zone,
                actor,
                jiff::Timestamp::now(),
            )
            .await?;
    }
    let language_before = state
        .store()
        .setting(madang_store::DEFAULT_LANGUAGE_SETTING)
        .await?
        .unwrap_or_default();
    if let Some(language) = language.filter(|l| *l != language_before) {
        state
            .store()
            .set_site_setting(
                madang_store::DEFAULT_LANGUAGE_SETTING,
                language,
                actor,
                jiff::Timestamp::now(),
            )
            .await?;
    }
    let current_mode = state.store().registration_mode().await?;
    if let Some(mode) = registration.filter(|m| *m != current_mode) {
        state
            .store()
            .set_site_setting(
                madang_store::REGISTRATION_SETTING,
                mode.as_str(),
                actor,
                jiff::Timestamp::now(),
            )
            .await?;
    }
    Ok(Redirect::to(&format!("{}/admin", lang.prefix())).into_response())
}

/// POST /admin/boards: a new board.
async fn create_board(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = super_admin(&current, Some(trimmed(&fields, "csrf")))?;
    let slug = trimmed(&fields, "slug").to_owned();
    let title = trimmed(&fields, "title").to_owned();
    let group_id = match trimmed(&fields, "group") {
        "" => None,
        id => id.parse::<i64>().ok(),
    };
    let new = NewBoard::new(&slug, &title, group_id);
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    match state
        .store()
        .create_board_audited(&new, actor, jiff::Timestamp::now())
        .await
    {
        Ok(board) => Ok(
            Redirect::to(&format!("{}/admin/boards/{}", lang.prefix(), board.slug)).into_response(),
        ),
        Err(madang_store::StoreError::Invalid(reason)) => {
            render_dashboard(&state, lang, &current, Some(reason)).await
        }
        Err(madang_store::StoreError::Conflict(_)) => {
            let message = i18n::text(lang, "admin-error-slug-taken");
            render_dashboard(&state, lang, &current, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// GET /admin/boards/{slug}: a board's settings.
async fn board_form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts(slug): PathParts<String>,
) -> Result<Response, AppError> {
    board_page(&state, lang, &current, &slug, None, None).await
}

/// The board settings page; with an error, `typed_categories` shows the refused list again.
async fn board_page(
    state: &AppState,
    lang: Lang,
    current: &CurrentSession,
    slug: &str,
    error: Option<&str>,
    typed_categories: Option<&str>,
) -> Result<Response, AppError> {
    let session = super_admin(current, None)?;
    let board = state.store().board(slug).await?.ok_or(AppError::NotFound)?;
    let site = SiteView::load(state, lang, current).await;
    let groups = state.store().groups().await?;
    let titles = state.store().local_titles().await?.of_board(board.id);
    let l = &board.levels;
    let html = state.theme().render(
        "admin_board.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}/admin/boards/{}", lang.other().prefix(), board.slug),
            csrf => session.csrf_token.clone(),
            board => context! {
                slug => board.slug, title => board.title, group_id => board.group_id,
                title_len => board.title_len, excerpt_len => board.excerpt_len, page_size => board.page_size,
                list_order => board.list_order.as_str(),
                list_style => board.list_style.as_str(), home_count => board.home_count,
                max_files => board.uploads.max_files, max_file_mb => board.uploads.max_file_mb,
                categories => typed_categories.map_or_else(|| board.categories.join("\n"), str::to_owned),
            },
            kinds => FileKind::ALL.iter().map(|k| context! {
                value => k.as_str(), label => format!("upload-kind-{}", k.as_str()),
                checked => board.uploads.kinds.contains(*k),
            }).collect::<Vec<_>>(),
            max_files_limit => madang_core::uploads::MAX_FILES_LIMIT,
            max_file_mb_limit => max_file_mb_for(crate::staff::MAX_UPLOAD_BYTES),
            list_styles => ListStyle::ALL.iter().map(|s| context! { value => s.as_str(), label => format!("admin-style-{}", s.as_str()) }).collect::<Vec<_>>(),
            max_home_count => madang_core::MAX_HOME_COUNT,
            title_fields => title_fields(&titles),
            level_fields => vec![
                ("level_list", "admin-level-list", l.list.get()),
                ("level_read", "admin-level-read", l.read.get()),
                ("level_write", "admin-level-write", l.write.get()),
                ("level_reply", "admin-level-reply", l.reply.get()),
                ("level_comment", "admin-level-comment", l.comment.get()),
                ("level_upload", "admin-level-upload", l.upload.get()),
                ("level_download", "admin-level-download", l.download.get()),
            ],
            groups => groups.iter().map(|g| context! { id => g.id, title => g.title.clone() }).collect::<Vec<_>>(),
            levels => (1..=10).collect::<Vec<i64>>(),
            logo_kb => madang_core::logo::MAX_LOGO_BYTES / 1024,
            error => error.map(|k| i18n::text(lang, k)),
        },
    )?;
    let mut response = Html(html).into_response();
    if error.is_some() {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// POST /admin/boards/{slug}: saves a board's settings.
async fn save_board(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    PathParts(slug): PathParts<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = super_admin(&current, Some(trimmed(&fields, "csrf")))?;
    let board = state
        .store()
        .board(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let settings = match board_settings(&fields) {
        Ok(settings) => settings,
        Err(key) => {
            let typed = field(&fields, "categories");
            return board_page(&state, lang, &current, &slug, Some(key), Some(typed)).await;
        }
    };
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    state
        .store()
        .update_board(board.id, &settings, actor, jiff::Timestamp::now())
        .await?;
    Ok(Redirect::to(&format!("{}/admin/boards/{}", lang.prefix(), board.slug)).into_response())
}

/// POST /admin/members/{login}: level and blocking.
async fn save_member(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    PathParts(login): PathParts<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = super_admin(&current, Some(trimmed(&fields, "csrf")))?;
    let level = level_field(&fields, "level").map_err(AppError::BadRequest)?;
    let blocked = trimmed(&fields, "blocked") == "1";
    let member = state
        .store()
        .member_by_login(&login)
        .await?
        .ok_or(AppError::NotFound)?;
    if member.id == session.member.id && (blocked || level != member.level) {
        // Locking oneself out of the admin area is never what was meant.
        return Err(AppError::BadRequest("admin-error-self"));
    }
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    state
        .store()
        .set_member_access(member.id, level, blocked, actor, jiff::Timestamp::now())
        .await?;
    Ok(Redirect::to(&format!("{}/admin#members", lang.prefix())).into_response())
}
