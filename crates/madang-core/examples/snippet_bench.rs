//! Snippet benchmark: the time to make one search result's highlighted passage from 3 KB
//! of English and of Korean text, as the search page does 20 times per page. Prints
//! figures; asserts nothing. See BENCHMARKS.md ("Search page snippets").
//!
//! ```sh
//! cargo run --release -p madang-core --example snippet_bench
//! ```

use std::time::Instant;

use madang_core::search::{parse_query, snippet};

fn main() {
    // Words of an NGO's English posts, in a fixed pseudo-random order.
    let words = [
        "rights",
        "human",
        "north",
        "korea",
        "china",
        "refugees",
        "forced",
        "labour",
        "camp",
        "report",
        "government",
        "international",
        "detention",
        "families",
        "statement",
        "repatriation",
        "freedom",
        "justice",
        "women",
        "children",
    ];
    let mut text = String::new();
    let mut seed = 7u64;
    while text.len() < 3000 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        text.push_str(words[(seed >> 33) as usize % words.len()]);
        text.push(' ');
    }
    let q = parse_query("rights").unwrap();
    let n = 2000;
    let t = Instant::now();
    let mut total = 0;
    for _ in 0..n {
        total += snippet(&text, &q, 160).len();
    }
    println!(
        "english snippet: {:.1} us per call ({total})",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let ko = "북한 인권 상황에 대한 국제사회의 관심이 필요합니다. 탈북민 강제북송을 중단하라. "
        .repeat(40);
    let q = parse_query("인권").unwrap();
    let t = Instant::now();
    for _ in 0..n {
        total += snippet(&ko, &q, 160).len();
    }
    println!(
        "korean snippet: {:.1} us per call ({total})",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
