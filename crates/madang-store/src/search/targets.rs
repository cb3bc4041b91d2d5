//! Where each kind of search looks, as SQL for SQLite FTS5 or PostgreSQL full text.

use madang_core::search::SearchQuery;

use super::SearchField;

/// Where one kind of search looks, as SQL fragments for one engine.
pub(super) struct Target {
    /// Tables and joins; `p` is the post, `b` its board.
    pub(super) from: String,
    /// The full-text condition.
    pub(super) matching: String,
    /// Lower is better.
    pub(super) score: String,
    /// Newest first through the index.
    pub(super) newest: &'static str,
    /// What the window returns as each result's id.
    pub(super) id: &'static str,
    /// The result's own conditions, besides the post's.
    pub(super) own: &'static [&'static str],
    /// The result's time and author columns.
    pub(super) time: &'static str,
    pub(super) author: &'static str,
}
/// Restricts every term of a `to_tsquery` expression to one weight (A = title, B = body).
/// Terms are single-quoted and never contain quotes (see `madang_core::search`).
pub(super) fn weighted_tsquery(query: &str, weight: char) -> String {
    let mut out = String::with_capacity(query.len() + 8);
    let mut inside = false;
    for c in query.chars() {
        out.push(c);
        if c == '\'' {
            if inside {
                out.push(':');
                out.push(weight);
            }
            inside = !inside;
        }
    }
    out
}
/// Where a search of `field` looks on SQLite; `q` is the bound FTS5 expression.
pub(super) fn sqlite_target(field: SearchField, query: &SearchQuery, q: &str) -> (Target, String) {
    let expression = match field {
        SearchField::TitleAndBody | SearchField::Comments => query.to_fts5(),
        SearchField::Title => format!("search_title : ({})", query.to_fts5()),
        SearchField::Body => format!("search_body : ({})", query.to_fts5()),
    };
    let target = if field == SearchField::Comments {
        Target {
            // Both covering indexes: a comment's filters and its post's, without the wide
            // rows of either.
            from: "comment_search JOIN comments c INDEXED BY comments_search_filter \
                   ON c.id = comment_search.rowid \
                   JOIN posts p INDEXED BY posts_search_filter ON p.id = c.post_id \
                   JOIN boards b ON b.id = p.board_id"
                .to_owned(),
            matching: format!("comment_search MATCH {q}"),
            score: "madang_rank(comment_search)".to_owned(),
            newest: "comment_search.rowid DESC",
            id: "c.id",
            own: &["c.deleted_at IS NULL", "c.secret = FALSE"],
            time: "c.created_at",
            author: "c.author_name",
        }
    } else {
        Target {
            // The covering index holds every filtered column; SQLite's planner would pick
            // the wide table rows by rowid otherwise.
            from: "post_search JOIN posts p INDEXED BY posts_search_filter \
                   ON p.id = post_search.rowid JOIN boards b ON b.id = p.board_id"
                .to_owned(),
            matching: format!("post_search MATCH {q}"),
            // BM25 at a bounded cost (rank.rs). Title terms count four times as much as
            // body terms; lower is better.
            score: "madang_rank(post_search, 4.0, 1.0)".to_owned(),
            // SQLite walks the FTS5 doclist backwards only when the order names its rowid.
            newest: "post_search.rowid DESC",
            id: "p.id",
            own: &[],
            time: "p.published_at",
            author: "p.author_name",
        }
    };
    (target, expression)
}

/// Where a search of `field` looks on PostgreSQL; `q` is the bound `to_tsquery` text.
pub(super) fn postgres_target(
    field: SearchField,
    query: &SearchQuery,
    q: &str,
) -> (Target, String) {
    let tsquery = match field {
        SearchField::TitleAndBody | SearchField::Comments => query.to_tsquery(),
        SearchField::Title => weighted_tsquery(&query.to_tsquery(), 'A'),
        SearchField::Body => weighted_tsquery(&query.to_tsquery(), 'B'),
    };
    // Higher is better in PostgreSQL; negated so lower is better on both.
    let target = if field == SearchField::Comments {
        Target {
            from: "comments c JOIN posts p ON p.id = c.post_id JOIN boards b ON b.id = p.board_id"
                .to_owned(),
            matching: format!("c.search_vector @@ to_tsquery('simple', {q})"),
            score: format!("-(ts_rank_cd(r.search_vector, to_tsquery('simple', {q}))::float8)"),
            newest: "c.id DESC",
            id: "c.id",
            own: &["c.deleted_at IS NULL", "c.secret = FALSE"],
            time: "c.created_at",
            author: "c.author_name",
        }
    } else {
        Target {
            from: "posts p JOIN boards b ON b.id = p.board_id".to_owned(),
            matching: format!("p.search_vector @@ to_tsquery('simple', {q})"),
            score: format!("-(ts_rank_cd(r.search_vector, to_tsquery('simple', {q}))::float8)"),
            newest: "p.id DESC",
            id: "p.id",
            own: &[],
            time: "p.published_at",
            author: "p.author_name",
        }
    };
    (target, tsquery)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_every_term() {
        assert_eq!(
            weighted_tsquery("('북한' <-> '한인') & !'china'", 'A'),
            "('북한':A <-> '한인':A) & !'china':A"
        );
    }
}
