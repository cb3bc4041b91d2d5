//! The page cache: anonymous readers' pages are rendered once and served from memory until
//! something they show changes.
//!
//! Every write bumps the site generation in the database, inside its own transaction (see
//! `madang_store`). A cached page remembers the generation it was rendered at and is served
//! only while the generation is the same. A node reads the generation at most every
//! [`GENERATION_RECHECK`], and at once after a write it handled itself; on PostgreSQL a
//! notification from the database (see `Store::listen_generation`) tells every node of
//! every other node's write as it commits, and the periodic read covers a lost notification.
//! So a cache hit costs no database query, and another node's write shows within a second.
//! Pages are compressed once (gzip and brotli) and answered with 304 when the browser has
//! them.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::CurrentSession;
use crate::i18n::Lang;

/// Longest a page is kept even without writes (scheduled posts appear at their time).
const PAGE_TTL: Duration = Duration::from_secs(60);
/// Memory the cache may hold, all variants counted.
const MAX_BYTES: usize = 64 * 1024 * 1024;
/// How long a node trusts the generation it last read before reading it again.
pub const GENERATION_RECHECK: Duration = Duration::from_millis(250);
/// Largest page worth caching.
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// A post view to count even when its page comes from the cache; put on a response by the
/// post handler.
#[derive(Debug, Clone, Copy)]
pub struct CountView(pub i64);

struct CachedPage {
    generation: i64,
    rendered: Instant,
    /// When it was rendered, for Last-Modified and If-Modified-Since.
    modified: jiff::Timestamp,
    etag: HeaderValue,
    content_type: HeaderValue,
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
    count_view: Option<i64>,
}

impl CachedPage {
    fn bytes(&self) -> usize {
        self.identity.len() + self.gzip.len() + self.brotli.len()
    }
}

#[derive(Default)]
struct Pages {
    generation: i64,
    bytes: usize,
    map: HashMap<String, CachedPage>,
}

/// The cache of one node.
#[derive(Default)]
pub struct PageCache {
    pages: Mutex<Pages>,
    /// One lock per page being rendered (see `page_cache`).
    rendering: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The generation last read and when; `None` after a write on this node.
    known: Mutex<Option<(i64, Instant)>>,
    /// Counts [`PageCache::generation_changed`] calls, so what is kept per generation
    /// (the shell) also notices writes that change no generation, like a new member.
    changes: std::sync::atomic::AtomicU64,
}

impl PageCache {
    /// Makes the next request read the generation (after a write, or when another node
    /// says it wrote).
    pub fn generation_changed(&self) {
        self.changes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut known) = self.known.lock() {
            *known = None;
        }
    }

    /// How many times [`PageCache::generation_changed`] was called.
    pub(crate) fn changes(&self) -> u64 {
        self.changes.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Forgets every page (the tests and `madang` commands that write behind the server's
    /// back use the generation instead; this is for shutdown and tests).
    pub fn clear(&self) {
        if let Ok(mut pages) = self.pages.lock() {
            pages.map.clear();
            pages.bytes = 0;
        }
    }
}

/// Which pages may be cached: the public reading pages, never forms, files or sign-in.
fn cacheable_path(path: &str) -> bool {
    if path == "/" || path == "/search" {
        return true;
    }
    if let Some(slug) = path.strip_prefix("/pages/") {
        return !slug.is_empty() && !slug.contains('/');
    }
    let Some(rest) = path.strip_prefix("/b/") else {
        return false;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [_board] => true,
        [_board, post] => post.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    }
}

/// The encodings the browser accepts, best first.
fn preferred_encoding(headers: &HeaderMap) -> &'static str {
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let accepts = |name: &str| {
        accept.split(',').any(|part| {
            let mut pieces = part.trim().split(';');
            let coding = pieces.next().unwrap_or("").trim();
            let refused = pieces.any(|p| p.trim().replace(' ', "") == "q=0");
            coding.eq_ignore_ascii_case(name) && !refused
        })
    };
    if accepts("br") {
        "br"
    } else if accepts("gzip") {
        "gzip"
    } else {
        "identity"
    }
}

fn compress_gzip(data: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = encoder.write_all(data);
    encoder.finish().map(Bytes::from).unwrap_or_default()
}

fn compress_brotli(data: &[u8]) -> Bytes {
    // A window no larger than the page: the encoder's memory grows with the window, and
    // the default (4 MiB) made each compression of a 20 KB page cost about 16 MiB.
    let lgwin = (16..=22)
        .find(|&bits| (1usize << bits) >= data.len())
        .unwrap_or(22);
    // Quality 4: from 5 up, this encoder builds hash tables that cost 38 MiB of memory and
    // 2.2 ms for a 21 KB list page, against 1.7 MiB and 0.26 ms at 4, for a page 9% larger
    // (4,664 against 4,282 bytes; measured in session 13, BENCHMARKS.md). A node renders
    // pages after every write; its memory and time matter more than those 400 bytes.
    let mut writer = brotli::CompressorWriter::new(Vec::new(), 4096, 4, lgwin);
    if writer.write_all(data).is_err() {
        return Bytes::new();
    }
    // Finishes the stream (no separate flush: that would add an empty metablock).
    Bytes::from(writer.into_inner())
}

impl AppState {
    /// The site generation, as this node knows it: re-read when older than
    /// [`GENERATION_RECHECK`] or after a write here or a notification from another node.
    pub(crate) async fn generation(&self) -> Option<i64> {
        let cache = self.page_cache();
        let trusted = cache
            .known
            .lock()
            .ok()
            .and_then(|known| *known)
            .filter(|(_, read)| read.elapsed() < GENERATION_RECHECK)
            .map(|(generation, _)| generation);
        if trusted.is_some() {
            return trusted;
        }
        let generation = self.store().generation().await.ok()?;
        if let Ok(mut known) = cache.known.lock() {
            *known = Some((generation, Instant::now()));
        }
        Some(generation)
    }
}

async fn current_generation(state: &AppState, cache: &PageCache) -> Option<i64> {
    let generation = state.generation().await?;
    let mut pages = cache.pages.lock().ok()?;
    if pages.generation != generation {
        pages.map.clear();
        pages.bytes = 0;
        pages.generation = generation;
    }
    Some(generation)
}

fn respond(page: &CachedPage, request_headers: &HeaderMap, head: bool) -> Response {
    // If-None-Match decides when present (RFC 9110 §13.2.2); otherwise If-Modified-Since.
    let fresh = match request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(tags) => tags
            .split(',')
            .any(|t| t.trim() == page.etag.to_str().unwrap_or("")),
        None => request_headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                jiff::fmt::rfc2822::DateTimeParser::new()
                    .parse_timestamp(v)
                    .ok()
            })
            .is_some_and(|since| since.as_second() >= page.modified.as_second()),
    };
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let (body, encoding) = match preferred_encoding(request_headers) {
            "br" if !page.brotli.is_empty() => (page.brotli.clone(), Some("br")),
            "gzip" | "br" if !page.gzip.is_empty() => (page.gzip.clone(), Some("gzip")),
            _ => (page.identity.clone(), None),
        };
        let length = body.len();
        let mut response = if head {
            Body::empty().into_response()
        } else {
            Body::from(body).into_response()
        };
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, page.content_type.clone());
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        if let Some(encoding) = encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, page.etag.clone());
    if let Ok(value) = jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&page.modified)
        .map_err(|_| ())
        .and_then(|s| HeaderValue::from_str(&s).map_err(|_| ()))
    {
        headers.insert(header::LAST_MODIFIED, value);
    }
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Cookie"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, no-cache"),
    );
    headers.insert("x-madang-cache", HeaderValue::from_static("hit"));
    response
}

/// The cache layer; it sits inside the session layer, so it knows who is asking.
pub(crate) async fn page_cache(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let cache = state.page_cache();
    let method = request.method().clone();
    let read = method == Method::GET || method == Method::HEAD;
    if !read {
        let response = next.run(request).await;
        // Whatever it changed, this node's next reader sees it.
        cache.generation_changed();
        return response;
    }
    let anonymous = request
        .extensions()
        .get::<CurrentSession>()
        .is_none_or(|c| c.session.is_none());
    let path = request.uri().path().to_owned();
    if !anonymous || !cacheable_path(&path) || !state.config().page_cache {
        return count_views(&state, next.run(request).await).await;
    }
    let lang = request.extensions().get::<Lang>().copied();
    let lang = match lang {
        Some(lang) => lang,
        None => state.default_lang().await,
    };
    // Pages carry absolute links built from the Host header when no base URL is set; the
    // host is then part of the key, so a forged Host can never fill the cache for others.
    let host = match state.config().base_url.as_deref() {
        Some(_) => "",
        None => request
            .headers()
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or(""),
    };
    let key = format!("{}|{}|{}", lang.code(), host, request.uri());
    let Some(generation) = current_generation(&state, cache).await else {
        return count_views(&state, next.run(request).await).await;
    };
    let head = method == Method::HEAD;
    if let Some((response, count_view)) = lookup(cache, &key, generation, request.headers(), head) {
        if let Some(post_id) = count_view {
            state.count_view(post_id).await;
        }
        return response;
    }
    // One render per page: requests for a page being rendered wait for it (after a write,
    // a busy page would otherwise be rendered, and compressed, by every waiting reader).
    let gate = cache
        .rendering
        .lock()
        .map(|mut gates| gates.entry(key.clone()).or_default().clone())
        .unwrap_or_default();
    let turn = gate.lock().await;
    let response = match lookup(cache, &key, generation, request.headers(), head) {
        Some((response, count_view)) => {
            if let Some(post_id) = count_view {
                state.count_view(post_id).await;
            }
            response
        }
        None => render_and_keep(&state, cache, key.clone(), generation, request, next).await,
    };
    drop(turn);
    // The last one through forgets the gate (the map holds one reference, this request
    // another).
    if let Ok(mut gates) = cache.rendering.lock()
        && Arc::strong_count(&gate) <= 2
    {
        gates.remove(&key);
    }
    response
}

/// A kept page for `key` at `generation`, answered for these request headers.
fn lookup(
    cache: &PageCache,
    key: &str,
    generation: i64,
    headers: &HeaderMap,
    head: bool,
) -> Option<(Response, Option<i64>)> {
    let pages = cache.pages.lock().ok()?;
    pages
        .map
        .get(key)
        .filter(|p| p.generation == generation && p.rendered.elapsed() < PAGE_TTL)
        .map(|p| (respond(p, headers, head), p.count_view))
}

/// Renders a page, keeps it when it may be kept, and answers it.
async fn render_and_keep(
    state: &AppState,
    cache: &PageCache,
    key: String,
    generation: i64,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let request_headers = request.headers().clone();
    let response = next.run(request).await;
    let count_view = response.extensions().get::<CountView>().map(|c| c.0);
    let storable = response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !storable {
        return count_views(state, response).await;
    }
    let (parts, body) = response.into_parts();
    let Ok(identity) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Some(post_id) = count_view {
        state.count_view(post_id).await;
    }
    let page = CachedPage {
        generation,
        rendered: Instant::now(),
        modified: jiff::Timestamp::now(),
        etag: HeaderValue::from_str(&format!(
            "\"{}\"",
            hex::encode(&Sha256::digest(&identity)[..12])
        ))
        .unwrap_or(HeaderValue::from_static("\"0\"")),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .cloned()
            .unwrap_or(HeaderValue::from_static("text/html; charset=utf-8")),
        gzip: compress_gzip(&identity),
        brotli: compress_brotli(&identity),
        identity,
        count_view,
    };
    let response = respond(&page, &request_headers, method == Method::HEAD);
    if let Ok(mut pages) = cache.pages.lock()
        && pages.generation == generation
    {
        if pages.bytes + page.bytes() > MAX_BYTES {
            pages.map.clear();
            pages.bytes = 0;
        }
        pages.bytes += page.bytes();
        if let Some(old) = pages.map.insert(key, page) {
            pages.bytes -= old.bytes();
        }
    }
    let mut response = response;
    response
        .headers_mut()
        .insert("x-madang-cache", HeaderValue::from_static("miss"));
    response
}

/// Counts a post view for a response that is not cached.
async fn count_views(state: &AppState, response: Response) -> Response {
    if let Some(CountView(post_id)) = response.extensions().get::<CountView>().copied() {
        state.count_view(post_id).await;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reading_pages_are_cached() {
        for path in ["/", "/search", "/b/news", "/b/news/12", "/pages/about"] {
            assert!(cacheable_path(path), "{path}");
        }
        for path in [
            "/login",
            "/setup/abc",
            "/b/news/write",
            "/b/news/12/edit",
            "/b/news/12/files/3",
            "/admin/audit",
            "/admin/pages",
            "/pages/",
            "/static/style.css",
        ] {
            assert!(!cacheable_path(path), "{path}");
        }
    }

    #[test]
    fn encodings_follow_the_browser() {
        let mut headers = HeaderMap::new();
        assert_eq!(preferred_encoding(&headers), "identity");
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate"),
        );
        assert_eq!(preferred_encoding(&headers), "gzip");
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, br;q=0"),
        );
        assert_eq!(preferred_encoding(&headers), "gzip");
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip"),
        );
        assert_eq!(preferred_encoding(&headers), "br");
    }

    #[test]
    fn compressed_pages_round_trip() {
        let page = "<p>북한인권</p>".repeat(100);
        let gz = compress_gzip(page.as_bytes());
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out)
            .unwrap();
        assert_eq!(out, page);
        assert!(gz.len() < page.len() / 5);
        let br = compress_brotli(page.as_bytes());
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut decoded).unwrap();
        assert_eq!(decoded, page.as_bytes());
    }
}
