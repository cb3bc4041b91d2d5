//! Search benchmark: loads posts (half Korean, half English, 2–4 KB each) and times mixed
//! queries on SQLite and, when a server is given, PostgreSQL. Prints figures; asserts
//! nothing. See BENCHMARKS.md for the method and the latest figures.
//!
//! ```sh
//! cargo run --release -p madang --example search_bench -- --posts 100000 --queries 1000 \
//!     --postgres postgres://postgres@127.0.0.1:5432/postgres
//! ```

use std::time::{Duration, Instant};

use madang_core::search::parse_query;
use madang_core::{NewBoard, NewPost, PostBody};
use madang_store::{SearchRequest, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::Connection;

const KOREAN_NOUNS: &[&str] = &[
    "북한",
    "인권",
    "탈북민",
    "강제북송",
    "난민",
    "정치범수용소",
    "유엔",
    "조사위원회",
    "성명",
    "세미나",
    "청소년",
    "교육",
    "구출",
    "중국",
    "베트남",
    "라오스",
    "대사관",
    "가족",
    "증언",
    "고문",
    "구금",
    "국제사회",
    "인도주의",
    "식량",
    "보건",
    "여성",
    "아동",
    "노동",
    "자유",
    "민주주의",
    "평화",
    "통일",
    "시민단체",
    "연대",
    "캠페인",
    "보고서",
    "국회",
    "정부",
    "외교부",
    "인권위원회",
    "탈북청소년",
    "장학금",
    "멘토링",
    "정착",
    "지원",
    "상담",
    "기록",
    "기억",
    "정의",
    "책임",
    "처벌",
    "피해자",
    "생존자",
    "북한인권시민연합",
    "서울",
    "제네바",
    "뉴욕",
    "워싱턴",
    "도쿄",
    "회의",
    "토론회",
    "발표",
    "자원봉사자",
];
const KOREAN_PARTICLES: &[&str] = &[
    "", "", "의", "을", "를", "이", "가", "은", "는", "에", "에서", "과", "와", "도",
];
const KOREAN_VERBS: &[&str] = &[
    "발표했다",
    "요구했다",
    "촉구했다",
    "개최했다",
    "지원한다",
    "기록했다",
    "증언했다",
    "만났다",
    "참석했다",
    "논의했다",
    "밝혔다",
    "전했다",
];
const ENGLISH_WORDS: &[&str] = &[
    "north",
    "korea",
    "korean",
    "human",
    "rights",
    "refugees",
    "refugee",
    "repatriation",
    "repatriated",
    "forced",
    "china",
    "vietnam",
    "laos",
    "embassy",
    "united",
    "nations",
    "commission",
    "inquiry",
    "crimes",
    "against",
    "humanity",
    "prison",
    "camps",
    "camp",
    "survivors",
    "survivor",
    "testimony",
    "statement",
    "seminar",
    "conference",
    "youth",
    "education",
    "rescue",
    "advocacy",
    "campaign",
    "families",
    "family",
    "torture",
    "detention",
    "execution",
    "freedom",
    "justice",
    "accountability",
    "victims",
    "government",
    "ministry",
    "report",
    "reports",
    "delegation",
    "geneva",
    "seoul",
    "meeting",
    "appeal",
    "urgent",
    "international",
    "community",
    "humanitarian",
    "food",
    "health",
    "women",
    "children",
    "labour",
    "democracy",
    "peace",
    "unification",
    "civil",
    "society",
    "solidarity",
    "volunteers",
    "scholarship",
    "mentoring",
    "settlement",
    "support",
    "counselling",
    "record",
    "memory",
    "responsibility",
    "officials",
    "arrested",
    "transferred",
    "border",
    "shenyang",
    "dongxing",
    "protocol",
    "convention",
    "obligations",
    "law",
    "policy",
    "economic",
    "migrants",
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "for",
    "on",
    "with",
    "by",
    "was",
    "were",
    "is",
    "are",
];

fn korean_sentence(rng: &mut StdRng) -> String {
    let words = rng.random_range(5..12);
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(KOREAN_NOUNS[rng.random_range(0..KOREAN_NOUNS.len())]);
        s.push_str(KOREAN_PARTICLES[rng.random_range(0..KOREAN_PARTICLES.len())]);
    }
    s.push(' ');
    s.push_str(KOREAN_VERBS[rng.random_range(0..KOREAN_VERBS.len())]);
    s.push('.');
    s
}

fn english_sentence(rng: &mut StdRng) -> String {
    let words = rng.random_range(8..20);
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(ENGLISH_WORDS[rng.random_range(0..ENGLISH_WORDS.len())]);
    }
    s.push('.');
    s
}

/// A post of 2–4 KB of HTML in paragraphs.
fn post(rng: &mut StdRng, korean: bool, at: jiff::Timestamp) -> NewPost {
    let target = rng.random_range(2048..4096);
    let mut body = String::new();
    while body.len() < target {
        body.push_str("<p>");
        for _ in 0..3 {
            body.push_str(&if korean {
                korean_sentence(rng)
            } else {
                english_sentence(rng)
            });
            body.push(' ');
        }
        body.push_str("</p>");
    }
    let title = if korean {
        korean_sentence(rng)
    } else {
        english_sentence(rng)
    };
    NewPost {
        title: title.chars().take(80).collect(),
        body: PostBody::Html(body),
        author_id: None,
        author_name: "bench".into(),
        lang: Some(if korean { "ko" } else { "en" }.into()),
        pinned: false,
        secret: false,
        published_at: at,
        links: Vec::new(),
    }
}

/// The kinds of query the benchmark mixes, in the order of `query`'s branches.
const KINDS: [&str; 6] = [
    "one Korean word",
    "Korean word with particle + word",
    "one English word",
    "two English words",
    "English phrase in quotes",
    "Korean word + English word",
];

fn query(rng: &mut StdRng) -> (usize, String) {
    let korean = || KOREAN_NOUNS;
    let kind = rng.random_range(0..6);
    let text = match kind {
        0 => korean()[rng.random_range(0..KOREAN_NOUNS.len())].to_owned(),
        1 => format!(
            "{}{} {}",
            KOREAN_NOUNS[rng.random_range(0..KOREAN_NOUNS.len())],
            KOREAN_PARTICLES[rng.random_range(0..KOREAN_PARTICLES.len())],
            KOREAN_NOUNS[rng.random_range(0..KOREAN_NOUNS.len())]
        ),
        2 => ENGLISH_WORDS[rng.random_range(0..90)].to_owned(),
        3 => format!(
            "{} {}",
            ENGLISH_WORDS[rng.random_range(0..90)],
            ENGLISH_WORDS[rng.random_range(0..90)]
        ),
        4 => format!(
            "\"{} {}\"",
            ENGLISH_WORDS[rng.random_range(0..90)],
            ENGLISH_WORDS[rng.random_range(0..90)]
        ),
        _ => format!(
            "{} {}",
            KOREAN_NOUNS[rng.random_range(0..KOREAN_NOUNS.len())],
            ENGLISH_WORDS[rng.random_range(0..90)]
        ),
    };
    (kind, text)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

async fn run(label: &str, url: &str, posts: usize, queries: usize) -> anyhow::Result<()> {
    let store = Store::connect(url).await?;
    let now = jiff::Timestamp::now();
    let mut rng = StdRng::seed_from_u64(20_151_208);
    // A database kept from an earlier run with the same size is reused: loading is measured
    // once, queries as often as wanted.
    let loaded = match store.board("bench").await? {
        Some(board) if board.post_count == posts as i64 => {
            println!("{label}: reusing {posts} posts loaded earlier");
            true
        }
        Some(_) => anyhow::bail!("{label}: the kept database has another size; remove it first"),
        None => false,
    };
    if !loaded {
        let mut board = NewBoard::new("bench", "Bench", None);
        board.page_size = 20;
        let board = store.create_board(&board, now).await?;
        let start = jiff::Timestamp::from_second(1_300_000_000)?;
        let load_started = Instant::now();
        let mut batch = Vec::with_capacity(1000);
        for i in 0..posts {
            let at = start + jiff::SignedDuration::from_secs(i as i64 * 600);
            batch.push(post(&mut rng, i % 2 == 0, at));
            if batch.len() == 1000 || i + 1 == posts {
                store.create_posts(board.id, &batch, now).await?;
                batch.clear();
            }
        }
        let load = load_started.elapsed();
        println!(
            "{label}: loaded {posts} posts in {:.1} s ({:.0} posts/s, sanitising + tokenising + indexing included)",
            load.as_secs_f64(),
            posts as f64 / load.as_secs_f64()
        );
    }
    // Queries come from their own seed, so a reused database gets the same queries.
    let mut query_rng = StdRng::seed_from_u64(7);
    let mut times = Vec::with_capacity(queries);
    let mut by_kind: Vec<Vec<Duration>> = vec![Vec::new(); KINDS.len()];
    let mut found = 0i64;
    for _ in 0..queries {
        let (kind, text) = query(&mut query_rng);
        let parsed = parse_query(&text)?;
        let request = SearchRequest::new(&parsed, now);
        let started = Instant::now();
        let results = store.search(&request).await?;
        times.push(started.elapsed());
        by_kind[kind].push(started.elapsed());
        found += results.total;
    }
    times.sort();
    println!(
        "{label}: {queries} queries: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; mean hits per query {}",
        percentile(&times, 0.5).as_secs_f64() * 1000.0,
        percentile(&times, 0.99).as_secs_f64() * 1000.0,
        times
            .last()
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0),
        found / queries.max(1) as i64
    );
    for (kind, mut times) in KINDS.iter().zip(by_kind) {
        times.sort();
        if !times.is_empty() {
            println!(
                "{label}:   {kind}: {} queries, p50 {:.2} ms, p99 {:.2} ms",
                times.len(),
                percentile(&times, 0.5).as_secs_f64() * 1000.0,
                percentile(&times, 0.99).as_secs_f64() * 1000.0
            );
        }
    }
    store.close().await;
    Ok(())
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let posts: usize = arg(&args, "--posts")
        .map(|v| v.parse())
        .transpose()?
        .unwrap_or(100_000);
    let queries: usize = arg(&args, "--queries")
        .map(|v| v.parse())
        .transpose()?
        .unwrap_or(1000);
    // --keep DIR keeps the SQLite file (and the PostgreSQL database) for the next run.
    let keep = arg(&args, "--keep");
    let dir = match &keep {
        Some(dir) => std::path::PathBuf::from(dir),
        None => std::env::temp_dir().join(format!("madang-search-bench-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("bench.db");
    run(
        "sqlite",
        &format!("sqlite:{}", db.display()),
        posts,
        queries,
    )
    .await?;
    let size = |suffix: &str| {
        std::fs::metadata(format!("{}{suffix}", db.display()))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", db.display())).await?;
    let fts: Option<(i64,)> =
        sqlx::query_as("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'post_search%'")
            .fetch_optional(&mut conn)
            .await
            .ok()
            .flatten();
    println!(
        "sqlite: database {:.1} MB (+ WAL {:.1} MB); FTS5 tables {}",
        size("") as f64 / 1e6,
        size("-wal") as f64 / 1e6,
        fts.map(|(b,)| format!("{:.1} MB", b as f64 / 1e6))
            .unwrap_or_else(|| "(dbstat unavailable)".into())
    );
    conn.close().await?;
    if keep.is_none() {
        std::fs::remove_dir_all(&dir)?;
    }

    if let Some(server) = arg(&args, "--postgres") {
        let name = match &keep {
            Some(_) => "madang_search_bench_kept".to_owned(),
            None => format!("madang_search_bench_{}", std::process::id()),
        };
        let mut admin = sqlx::PgConnection::connect(&server).await?;
        let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
            .bind(&name)
            .fetch_optional(&mut admin)
            .await?;
        if exists.is_none() {
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await?;
        }
        let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(&server);
        let url = format!("{base}/{name}");
        run("postgres", &url, posts, queries).await?;
        let mut conn = sqlx::PgConnection::connect(&url).await?;
        let (gin, table): (i64, i64) = sqlx::query_as(
            "SELECT pg_relation_size('posts_search_vector'), pg_total_relation_size('posts')",
        )
        .fetch_one(&mut conn)
        .await?;
        println!(
            "postgres: GIN index {:.1} MB; posts table with indexes {:.1} MB",
            gin as f64 / 1e6,
            table as f64 / 1e6
        );
        conn.close().await?;
        if keep.is_none() {
            sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await?;
        }
    }
    Ok(())
}
