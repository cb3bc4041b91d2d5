//! Titles of boards and menu groups per UI language (`board_titles`, `group_titles`).
//! They are written with their owner's settings (see `admin`), in the same transaction.

use madang_core::titles::{LocalTitles, TitlesByLang, title_lang, valid_title};

use crate::{Result, Store, StoreError, on_db};

/// Replaces the per-language titles of one board or menu group inside the caller's
/// transaction: `$delete` and `$insert` name the table (`board_titles` or `group_titles`);
/// an empty title is no title.
macro_rules! replace_titles {
    ($tx:expr, $delete:expr, $insert:expr, $owner:expr, $titles:expr) => {
        sqlx::query($delete).bind($owner).execute(&mut *$tx).await?;
        for (lang, title) in $titles {
            let title = title.trim();
            if title.is_empty() {
                continue;
            }
            sqlx::query($insert)
                .bind($owner)
                .bind(lang.as_str())
                .bind(title)
                .execute(&mut *$tx)
                .await?;
        }
    };
}
pub(crate) use replace_titles;

/// Refuses a default title that is empty or too long, and any per-language title for an
/// unknown language, too long, or with control characters. The web layer checks first with
/// a translated message; this keeps other callers from storing what a menu cannot show.
pub(crate) fn check_titles(title: &str, titles: &TitlesByLang) -> Result<()> {
    let title = title.trim();
    if title.is_empty() || !valid_title(title) {
        return Err(StoreError::Invalid(
            "a title is 1 to 100 characters, without control characters".into(),
        ));
    }
    for (lang, local) in titles {
        if !title_lang(lang) {
            return Err(StoreError::Invalid(format!("no UI language {lang:?}")));
        }
        if !valid_title(local.trim()) {
            return Err(StoreError::Invalid(format!(
                "the {lang} title is at most 100 characters, without control characters"
            )));
        }
    }
    Ok(())
}

impl Store {
    /// Every per-language title of boards and menu groups (two small tables, read whole).
    pub async fn local_titles(&self) -> Result<LocalTitles> {
        let rows: Vec<(String, i64, String, String)> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT 'board', board_id, lang, title FROM board_titles
                 UNION ALL
                 SELECT 'group', group_id, lang, title FROM group_titles",
            )
            .fetch_all(pool)
            .await?
        });
        let mut titles = LocalTitles::default();
        for (kind, id, lang, title) in rows {
            let owner = if kind == "board" {
                &mut titles.boards
            } else {
                &mut titles.groups
            };
            owner.entry(id).or_default().insert(lang, title);
        }
        Ok(titles)
    }
}
