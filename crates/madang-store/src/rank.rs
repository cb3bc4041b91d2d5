//! `madang_rank`: BM25 for SQLite's FTS5, registered on every SQLite connection, with a
//! bounded cost per query.
//!
//! FTS5's own `bm25()` counts, once per query, every post that holds each phrase of the
//! query: for a Korean word (a phrase of bigrams) found in half the archive, that is a check
//! of word positions in 50,000 posts, 9–12 ms on the 100,000-post benchmark site, while
//! finding the newest 500 matches took under 1 ms. The count only feeds each phrase's IDF,
//! and IDFs only weigh a query's phrases against each other. So here:
//!
//! - a query of one phrase gets no count at all (its IDF would scale every score alike);
//! - a query of several phrases counts each one's matches up to [`COUNTED_MATCHES`], and
//!   estimates the rest from how densely those first matches lie among the post ids.
//!
//! Everything else is BM25 as FTS5 computes it: column weights from the arguments, term
//! frequency saturated by `k1`, length normalised by `b` against the table's average. Lower
//! is better, as with `bm25()`. The IDF is Lucene's form, `ln(1 + (N − n + ½) / (n + ½))`,
//! which stays positive for words found in most posts (FTS5 clamps those to 1e-6).
//!
//! This is the one module of Madang with `unsafe` code: FTS5's extension interface is a C
//! table of function pointers, reached through the raw connection handle. Every pointer
//! comes from SQLite and is used only during the call that received it.

use std::ffi::{c_int, c_void};
use std::ptr;

use rusqlite::ffi;

/// How many matches of each phrase are counted before its number is estimated.
pub(crate) const COUNTED_MATCHES: i64 = 1000;

const K1: f64 = 1.2;
const B: f64 = 0.75;

/// What one query's ranking computes once and keeps for each of its rows.
struct QueryStats {
    average_length: f64,
    idf: Vec<f64>,
}

/// The IDF of a phrase found in `matches` of `rows` posts.
fn idf(rows: f64, matches: f64) -> f64 {
    (1.0 + (rows - matches + 0.5) / (matches + 0.5)).ln()
}

/// How many posts hold a phrase: exact when fewer than [`COUNTED_MATCHES`] were counted;
/// otherwise the density of the counted matches over the ids they span, times all rows.
fn estimated_matches(counted: i64, first_id: i64, last_id: i64, rows: f64) -> f64 {
    if counted < COUNTED_MATCHES {
        return counted as f64;
    }
    let span = (last_id.saturating_sub(first_id)).saturating_add(1).max(1) as f64;
    (counted as f64 * rows / span).clamp(counted as f64, rows.max(counted as f64))
}

/// BM25 of one row, negated so that lower is better.
fn score(stats: &QueryStats, frequencies: &[f64], row_length: f64) -> f64 {
    let average = if stats.average_length > 0.0 {
        stats.average_length
    } else {
        1.0
    };
    let norm = K1 * (1.0 - B + B * row_length / average);
    let total: f64 = frequencies
        .iter()
        .zip(&stats.idf)
        .filter(|(f, _)| **f > 0.0)
        .map(|(f, idf)| idf * f * (K1 + 1.0) / (f + norm))
        .sum();
    -total
}

/// A phrase's matches counted so far, in post-id order.
struct Counter {
    counted: i64,
    first_id: i64,
    last_id: i64,
}

unsafe extern "C" fn count_match(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    user: *mut c_void,
) -> c_int {
    // SAFETY: `user` is the `Counter` that `phrase_matches` passed to xQueryPhrase, alive
    // for the whole call; `api` and `fts` are SQLite's, valid during this callback.
    unsafe {
        let counter = &mut *(user as *mut Counter);
        let id = match (*api).xRowid {
            Some(row_id) => row_id(fts),
            None => return ffi::SQLITE_MISUSE,
        };
        if counter.counted == 0 {
            counter.first_id = id;
        }
        counter.last_id = id;
        counter.counted += 1;
        if counter.counted >= COUNTED_MATCHES {
            // Stops xQueryPhrase early without an error.
            ffi::SQLITE_DONE
        } else {
            ffi::SQLITE_OK
        }
    }
}

/// Computes the query's statistics.
///
/// # Safety
/// `api` and `fts` must be the pointers SQLite passed to the running auxiliary function.
unsafe fn query_stats(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
) -> Result<QueryStats, c_int> {
    let (Some(row_count), Some(total_size), Some(phrase_count), Some(query_phrase)) = (
        api.xRowCount,
        api.xColumnTotalSize,
        api.xPhraseCount,
        api.xQueryPhrase,
    ) else {
        return Err(ffi::SQLITE_MISUSE);
    };
    // SAFETY: the caller's contract; each function is called with SQLite's own context.
    unsafe {
        let mut rows: i64 = 0;
        check(row_count(fts, &mut rows))?;
        let mut tokens: i64 = 0;
        check(total_size(fts, -1, &mut tokens))?;
        let rows = rows.max(0) as f64;
        let phrases = phrase_count(fts).max(0) as usize;
        let mut idf_of = Vec::with_capacity(phrases);
        if phrases <= 1 {
            idf_of.resize(phrases, 1.0);
        } else {
            for phrase in 0..phrases {
                let mut counter = Counter {
                    counted: 0,
                    first_id: 0,
                    last_id: 0,
                };
                check(query_phrase(
                    fts,
                    phrase as c_int,
                    (&mut counter as *mut Counter).cast(),
                    Some(count_match),
                ))?;
                let matches =
                    estimated_matches(counter.counted, counter.first_id, counter.last_id, rows);
                idf_of.push(idf(rows, matches));
            }
        }
        Ok(QueryStats {
            average_length: if rows > 0.0 {
                tokens as f64 / rows
            } else {
                0.0
            },
            idf: idf_of,
        })
    }
}

fn check(rc: c_int) -> Result<(), c_int> {
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(rc)
    }
}

unsafe extern "C" fn drop_query_stats(stats: *mut c_void) {
    // SAFETY: FTS5 calls this once with the pointer `rank_row` gave to xSetAuxdata, which
    // came from `Box::into_raw`.
    drop(unsafe { Box::from_raw(stats as *mut QueryStats) });
}

/// The score of the current row.
///
/// # Safety
/// As for [`query_stats`]; `values` holds `count` SQLite values.
unsafe fn rank_row(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    count: c_int,
    values: *mut *mut ffi::sqlite3_value,
) -> Result<f64, c_int> {
    let (
        Some(get_aux),
        Some(set_aux),
        Some(column_count),
        Some(column_size),
        Some(inst_count),
        Some(inst),
    ) = (
        api.xGetAuxdata,
        api.xSetAuxdata,
        api.xColumnCount,
        api.xColumnSize,
        api.xInstCount,
        api.xInst,
    )
    else {
        return Err(ffi::SQLITE_MISUSE);
    };
    // SAFETY: the caller's contract. The statistics pointer is FTS5's to keep between rows
    // of one query and to free through `drop_query_stats`; it is read only here.
    unsafe {
        let mut stats = get_aux(fts, 0) as *const QueryStats;
        if stats.is_null() {
            let fresh = Box::into_raw(Box::new(query_stats(api, fts)?));
            // On failure FTS5 has already freed `fresh` through the destructor.
            check(set_aux(fts, fresh.cast(), Some(drop_query_stats)))?;
            stats = fresh;
        }
        let stats = &*stats;
        let columns = column_count(fts).max(0) as usize;
        let weight = |column: c_int| -> f64 {
            let column = column.max(0) as usize;
            if column < columns && (column as c_int) < count && !values.is_null() {
                ffi::sqlite3_value_double(*values.add(column))
            } else {
                1.0
            }
        };
        let mut length: c_int = 0;
        check(column_size(fts, -1, &mut length))?;
        let mut instances: c_int = 0;
        check(inst_count(fts, &mut instances))?;
        let mut frequencies = vec![0.0; stats.idf.len()];
        for i in 0..instances {
            let (mut phrase, mut column, mut offset) = (0, 0, 0);
            check(inst(fts, i, &mut phrase, &mut column, &mut offset))?;
            if let Some(frequency) = frequencies.get_mut(phrase.max(0) as usize) {
                *frequency += weight(column);
            }
        }
        Ok(score(stats, &frequencies, length.max(0) as f64))
    }
}

unsafe extern "C" fn madang_rank(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    context: *mut ffi::sqlite3_context,
    count: c_int,
    values: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite calls this with its own valid pointers for the current row. No panic
    // may cross into C: a panic becomes an SQL error.
    unsafe {
        if api.is_null() {
            ffi::sqlite3_result_error_code(context, ffi::SQLITE_MISUSE);
            return;
        }
        let api = &*api;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rank_row(api, fts, count, values)
        }));
        match outcome {
            Ok(Ok(score)) => ffi::sqlite3_result_double(context, score),
            Ok(Err(rc)) => ffi::sqlite3_result_error_code(context, rc),
            Err(_) => ffi::sqlite3_result_error_code(context, ffi::SQLITE_INTERNAL),
        }
    }
}

/// Registers `madang_rank(post_search, title_weight, body_weight)` on a connection. Returns SQLite's error code on failure.
///
/// # Safety
/// `db` must be an open connection that no other thread uses during the call.
pub(crate) unsafe fn register(db: *mut ffi::sqlite3) -> Result<(), c_int> {
    // SAFETY: the caller's contract; the statement is finalised before returning and the
    // pointer it fills is FTS5's global, valid as long as the connection.
    unsafe {
        let mut statement: *mut ffi::sqlite3_stmt = ptr::null_mut();
        check(ffi::sqlite3_prepare_v2(
            db,
            c"SELECT fts5(?1)".as_ptr(),
            -1,
            &mut statement,
            ptr::null_mut(),
        ))?;
        let mut fts5: *mut ffi::fts5_api = ptr::null_mut();
        let bound = ffi::sqlite3_bind_pointer(
            statement,
            1,
            (&mut fts5 as *mut *mut ffi::fts5_api).cast(),
            c"fts5_api_ptr".as_ptr(),
            None,
        );
        let stepped = if bound == ffi::SQLITE_OK {
            ffi::sqlite3_step(statement)
        } else {
            bound
        };
        ffi::sqlite3_finalize(statement);
        if stepped != ffi::SQLITE_ROW && stepped != ffi::SQLITE_DONE {
            return Err(stepped);
        }
        if fts5.is_null() {
            return Err(ffi::SQLITE_ERROR);
        }
        let Some(create) = (*fts5).xCreateFunction else {
            return Err(ffi::SQLITE_ERROR);
        };
        check(create(
            fts5,
            c"madang_rank".as_ptr(),
            ptr::null_mut(),
            Some(madang_rank),
            None,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(idf: &[f64]) -> QueryStats {
        QueryStats {
            average_length: 100.0,
            idf: idf.to_vec(),
        }
    }

    #[test]
    fn more_occurrences_rank_better_with_diminishing_returns() {
        let s = stats(&[1.0]);
        let one = score(&s, &[1.0], 100.0);
        let two = score(&s, &[2.0], 100.0);
        let twenty = score(&s, &[20.0], 100.0);
        let forty = score(&s, &[40.0], 100.0);
        assert!(two < one && twenty < two && forty < twenty);
        assert!((one - two) > (twenty - forty));
        // Never better than (k1 + 1) × idf.
        assert!(score(&s, &[1e9], 100.0) > -(K1 + 1.0));
    }

    #[test]
    fn a_shorter_post_with_the_same_occurrences_ranks_better() {
        let s = stats(&[1.0]);
        assert!(score(&s, &[3.0], 50.0) < score(&s, &[3.0], 500.0));
    }

    #[test]
    fn the_rarer_phrase_weighs_more() {
        let s = stats(&[idf(100_000.0, 50_000.0), idf(100_000.0, 100.0)]);
        // Many of the common phrase and one of the rare one lose to the reverse.
        assert!(score(&s, &[1.0, 10.0], 100.0) < score(&s, &[10.0, 1.0], 100.0));
        assert!(idf(100_000.0, 99_999.0) > 0.0);
    }

    #[test]
    fn a_phrase_missing_from_a_row_adds_nothing() {
        let s = stats(&[1.0, 1.0]);
        assert_eq!(
            score(&s, &[2.0, 0.0], 100.0),
            score(&stats(&[1.0]), &[2.0], 100.0)
        );
        assert_eq!(score(&s, &[0.0, 0.0], 100.0), 0.0);
    }

    #[test]
    fn counts_below_the_bound_are_exact_and_above_it_follow_density() {
        assert_eq!(estimated_matches(7, 10, 500, 100_000.0), 7.0);
        // 1,000 matches over ids 1..=2,000: every other post, so half of all rows.
        let half = estimated_matches(COUNTED_MATCHES, 1, 2_000, 100_000.0);
        assert!((half - 50_000.0).abs() < 1.0, "{half}");
        // Never fewer than counted, never more than there are rows.
        assert_eq!(
            estimated_matches(COUNTED_MATCHES, 5, 5, 100_000.0),
            100_000.0
        );
        assert_eq!(
            estimated_matches(COUNTED_MATCHES, 1, 10_000_000, 100_000.0),
            COUNTED_MATCHES as f64
        );
        assert_eq!(
            estimated_matches(COUNTED_MATCHES, i64::MIN, i64::MAX, 10.0),
            COUNTED_MATCHES as f64
        );
    }
}
