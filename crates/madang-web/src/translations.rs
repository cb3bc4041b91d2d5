//! Translations on the post page: links to a post's other languages, the language switch
//! that lands on them, and staff linking and unlinking posts as translations.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use madang_core::Post;
use madang_core::permission::{BoardAction, Viewer, may, may_edit};
use madang_core::translation::{TranslationError, missing_languages, parse_post_reference};
use madang_store::{StoreError, Translation};
use minijinja::{Value, context};

use crate::AppState;
use crate::auth::CurrentSession;
use crate::error::AppError;
use crate::extract::{ClientAddr, PathParts, field, form_fields, path_id};
use crate::i18n::{self, Lang, Language};

/// The translations of `post` this viewer may read: on boards they may read, in the site's
/// UI languages.
pub(crate) async fn readable_translations(
    state: &AppState,
    viewer: &Viewer,
    post: &Post,
    now: jiff::Timestamp,
) -> Result<Vec<Translation>, AppError> {
    let found = state.store().translations(post, now).await?;
    if found.is_empty() {
        return Ok(found);
    }
    let shell = state.shell().await;
    Ok(found
        .into_iter()
        .filter(|t| Language::from_code(&t.lang).is_some())
        .filter(|t| {
            shell
                .board(&t.board_slug)
                .is_some_and(|b| may(viewer, b, BoardAction::Read))
        })
        .collect())
}

/// Where the language switch of a post page leads: the post's translation in the other
/// language, else that language's list of the same board (an untranslated post would
/// otherwise show the same text under the other language's menus).
///
/// `post` is the post's (id, language): a post shown under the other language's menus
/// switches to itself under its own.
pub(crate) fn post_switch_path(
    lang: Lang,
    board_slug: &str,
    post: (i64, Option<&str>),
    translations: &[Translation],
) -> String {
    let other = lang.other();
    if post.1 == Some(other.code()) {
        return format!("{}/b/{board_slug}/{}", other.prefix(), post.0);
    }
    match translations.iter().find(|t| t.lang == other.code()) {
        Some(t) => format!("{}/b/{}/{}", other.prefix(), t.board_slug, t.post_id),
        None => format!("{}/b/{board_slug}", other.prefix()),
    }
}

/// The `hreflang` versions of a translated post (`None` for one without translations, or
/// without a language of its own): each language's post under that language's prefix.
pub(crate) fn post_versions(
    default: Language,
    origin: &str,
    board_slug: &str,
    post: &Post,
    translations: &[Translation],
) -> Option<Vec<(&'static str, String)>> {
    let own = post
        .lang
        .as_deref()
        .filter(|l| Language::from_code(l).is_some())?;
    if translations.is_empty() {
        return None;
    }
    let mut posts = vec![(own, format!("/b/{board_slug}/{}", post.id))];
    for t in translations {
        posts.push((
            t.lang.as_str(),
            format!("/b/{}/{}", t.board_slug, t.post_id),
        ));
    }
    Some(crate::seo::translated_versions(default, origin, &posts))
}

/// The translation links for the template, each named and titled in its own language and
/// under its prefix on the site of `ui`.
pub(crate) fn translation_links(ui: Lang, translations: &[Translation]) -> Vec<Value> {
    translations
        .iter()
        .filter_map(|t| {
            let lang = ui.with_code(&t.lang)?;
            Some(context! {
                lang => lang.code(),
                name => i18n::text(lang, "language-name"),
                title => t.title,
                href => format!("{}/b/{}/{}", lang.prefix(), t.board_slug, t.post_id),
            })
        })
        .collect()
}

/// The languages staff may still write a translation in, named in the page's language,
/// with the address of the write form that creates it (that language's form, so the new
/// post is in that language).
pub(crate) fn translation_offers(
    ui: Lang,
    board_slug: &str,
    post: &Post,
    translations: &[Translation],
) -> Vec<Value> {
    let Some(own) = post.lang.as_deref() else {
        return Vec::new();
    };
    let mut members: Vec<Option<&str>> = vec![Some(own)];
    members.extend(translations.iter().map(|t| Some(t.lang.as_str())));
    let codes: Vec<&str> = Lang::all(ui.site_default())
        .iter()
        .map(|l| l.code())
        .collect();
    missing_languages(&members, &codes)
        .into_iter()
        .filter_map(|code| ui.with_code(code))
        .map(|lang| {
            context! {
                lang => lang.code(),
                name => language_name(ui, lang),
                href => format!("{}/b/{board_slug}/write?translation_of={}", lang.prefix(), post.id),
            }
        })
        .collect()
}

/// The post a new translation is written for (`?translation_of=` on the write form): a
/// post of this board, not deleted, that the viewer may edit.
pub(crate) async fn translation_source(
    state: &AppState,
    viewer: &Viewer,
    board: &madang_core::Board,
    post_id: i64,
) -> Result<Post, AppError> {
    let not_found = AppError::BadRequest(TranslationError::NotFound.message_key());
    let (post, deleted) = state
        .store()
        .post_for_staff(board.id, post_id)
        .await?
        .ok_or(not_found.clone())?;
    if deleted.is_some() {
        return Err(not_found);
    }
    if !may_edit_group(state, viewer, post.id).await? {
        return Err(AppError::Forbidden);
    }
    Ok(post)
}

/// Whether the viewer may edit every post of `post_id`'s translation group (the post
/// alone when it has none): joining a group changes what each member's page links to.
async fn may_edit_group(state: &AppState, viewer: &Viewer, post_id: i64) -> Result<bool, AppError> {
    let members = state.store().translation_members(post_id).await?;
    let shell = state.shell().await;
    Ok(!members.is_empty()
        && members.iter().all(|(_, board_id, author_id)| {
            shell
                .boards
                .iter()
                .find(|b| b.id == *board_id)
                .is_some_and(|b| may_edit(viewer, b, *author_id))
        }))
}

/// The write form's note on the post being translated.
pub(crate) fn source_view(ui: Lang, source: &Post) -> Value {
    context! {
        id => source.id,
        note => i18n::text_with(ui, "translation-of", &[
            ("language", language_name(ui, ui).into()),
            ("title", source.title.clone().into()),
        ]),
    }
}

/// `lang`'s name in the `ui` language ("Korean", "영어").
pub(crate) fn language_name(ui: Lang, lang: Lang) -> String {
    i18n::text(ui, &format!("lang-name-{}", lang.code()))
}

/// POST /b/{slug}/{id}/translations: `op=link` with `other` (a post number or address)
/// links the two posts; `op=unlink` takes this post out of its group. Staff must be able to
/// edit every post they link.
pub(crate) async fn translation_action(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    connect: ClientAddr,
    PathParts((slug, id)): PathParts<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let board = state
        .store()
        .board(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let id = path_id(&id)?;
    let fields = form_fields(&body);
    let session = current.check_csrf(field(&fields, "csrf"))?;
    let viewer = current.viewer();
    let (post, deleted) = state
        .store()
        .post_for_staff(board.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if deleted.is_some() {
        return Err(AppError::NotFound);
    }
    if !may_edit(&viewer, &board, post.author_id) {
        return Err(AppError::Forbidden);
    }
    let ip = crate::auth::client_ip(connect.0);
    let actor = crate::auth::actor(session, &ip);
    let now = jiff::Timestamp::now();
    let result = match field(&fields, "op") {
        "link" => {
            let other_id = parse_post_reference(field(&fields, "other"))
                .ok_or(AppError::BadRequest("translation-error-reference"))?;
            let other_board_id = state
                .store()
                .post_board_id(other_id)
                .await?
                .ok_or(AppError::BadRequest("translation-error-not-found"))?;
            let other_board = state
                .store()
                .board_by_id(other_board_id)
                .await?
                .ok_or(AppError::BadRequest("translation-error-not-found"))?;
            let (other, _) = state
                .store()
                .post_for_staff(other_board.id, other_id)
                .await?
                .ok_or(AppError::BadRequest("translation-error-not-found"))?;
            if !may_edit_group(&state, &viewer, post.id).await?
                || !may_edit_group(&state, &viewer, other.id).await?
            {
                return Err(AppError::Forbidden);
            }
            state
                .store()
                .link_translation(post.id, other.id, actor, now)
                .await
        }
        "unlink" => state.store().unlink_translation(post.id, actor, now).await,
        _ => return Err(AppError::BadRequest("translation-error-reference")),
    };
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("{}/b/{}/{}", lang.prefix(), board.slug, post.id))
                .into_response(),
        ),
        Err(StoreError::Translation(e)) => Err(AppError::BadRequest(e.message_key())),
        Err(StoreError::NotFound) => Err(AppError::BadRequest(
            TranslationError::NotFound.message_key(),
        )),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn translation(id: i64, slug: &str, lang: &str) -> Translation {
        Translation {
            post_id: id,
            board_slug: slug.into(),
            lang: lang.into(),
            title: "t".into(),
        }
    }

    #[test]
    fn the_switch_lands_on_the_translation_or_the_board() {
        let english = Lang::default_of(Language::English);
        let korean = english.other();
        let ko = [translation(9, "seongmyeong", "ko")];
        assert_eq!(
            post_switch_path(english, "news", (1, None), &ko),
            "/ko/b/seongmyeong/9"
        );
        assert_eq!(
            post_switch_path(english, "news", (1, None), &[]),
            "/ko/b/news"
        );
        let en = [translation(3, "news", "en")];
        assert_eq!(
            post_switch_path(korean, "seongmyeong", (1, None), &en),
            "/b/news/3"
        );
        // A Korean translation does not answer the switch from Korean.
        assert_eq!(post_switch_path(korean, "news", (1, None), &ko), "/b/news");
    }

    #[test]
    fn on_a_korean_first_site_the_switch_lands_under_en() {
        let korean = Lang::default_of(Language::Korean);
        let en = [translation(3, "news", "en")];
        assert_eq!(
            post_switch_path(korean, "seongmyeong", (1, None), &en),
            "/en/b/news/3"
        );
        let ko = [translation(9, "seongmyeong", "ko")];
        assert_eq!(
            post_switch_path(korean.other(), "news", (1, None), &ko),
            "/b/seongmyeong/9"
        );
        assert_eq!(
            post_switch_path(korean, "news", (1, None), &[]),
            "/en/b/news"
        );
    }

    #[test]
    fn a_post_shown_under_the_other_language_switches_to_itself() {
        let english = Lang::default_of(Language::English);
        let ko = [translation(9, "seongmyeong", "ko")];
        // A Korean post on an English page goes to the same post in Korean, not to its
        // (English) translation's counterpart or the board.
        assert_eq!(
            post_switch_path(english, "news", (4, Some("ko")), &ko),
            "/ko/b/news/4"
        );
        assert_eq!(
            post_switch_path(english.other(), "news", (4, Some("en")), &[]),
            "/b/news/4"
        );
    }
}
