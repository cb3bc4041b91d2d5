//! Writes a synthetic GnuBoard5 mysqldump for the import benchmark (issue 4; `bench/import.sh`).
//!
//! ```sh
//! cargo run --release -p madang-import --example gnuboard_dump_gen -- \
//!     --posts 100000 --comments 200000 --out /var/tmp/g5.sql \
//!     [--boards 4] [--members 200] [--seed 1]
//! madang --data-dir /tmp/site import gnuboard --dump /var/tmp/g5.sql --files /tmp/empty
//! ```
//!
//! The dump has the shape of the real fixture (`fixtures/gnuboard5/dump.sql`, written by
//! GnuBoard5 5.6.34 and MariaDB's mysqldump), which is compiled in: its header and footer, and
//! every table's `CREATE TABLE` exactly as there, in mysqldump's order (table prefix `g5_`,
//! utf8mb3 tables, `LOCK TABLES` / `DISABLE KEYS` around the data, extended `INSERT`s with one
//! row a line, a new `INSERT` whenever a statement would pass mysqldump's default
//! `net_buffer_length`, 1 MiB: about 400 rows of posts alone, up to about 1,100 where short
//! comments are many). Each board's posts table is
//! the fixture's `g5_write_advocacy` renamed. `g5_config`, `g5_content`, `g5_faq_master` and
//! `g5_qa_config` keep the fixture's rows (one site's settings); the groups, boards, members
//! and posts tables are generated; every other table is left empty (as a pruned site has them).
//!
//! What is generated, deterministically from `--seed`:
//!
//! - `--boards` boards (4 by default, named as in the fixture: `advocacy` with categories
//!   and a board admin, `education`, `rescue` (plain text, secret posts allowed), `news`;
//!   more boards go on with `youth` (plain text), `free`, `qa`, … then `board11`, …), in
//!   groups `work`, `news` and `community`. Posts and comments are shared out evenly. Two
//!   early posts per board are pinned (`bo_notice`).
//! - `--members` members: the super admin `admin` (최고관리자, as in the fixture and
//!   `cf_admin`), a group admin, a board admin, then members with Korean names, levels 2–7,
//!   some blocked (`mb_intercept_date`). Passwords are PBKDF2 hashes in GnuBoard5's form
//!   `sha256:12000:<salt>:<hash>` made of random base64: they have the fixture's shape and
//!   verify nothing. Join dates are spread over the site's life; a member writes only after
//!   joining. No deleted or left members (they would be reported as skipped rows).
//! - `--posts` posts (rows with `wr_is_comment = 0`), from 2016-01-12 to 2025-03-10 in KST
//!   `YYYY-MM-DD HH:MM:SS`, `wr_id` growing with time as GnuBoard writes them. Titles and
//!   bodies are Korean, English or mixed; bodies are 1–3 KB (HTML from an editor, `html1`, a
//!   few `html2`; plain text on plain-text boards). About 5 % are replies, encoded as
//!   GnuBoard5 does: the thread's `wr_num`, `wr_reply` `A`, `B`, … one letter a level (at most
//!   10 levels, 26 replies a post), `wr_parent` = the reply's own `wr_id`, title `Re: …`.
//!   Some are by guests (`mb_id` empty, a hashed `wr_password`), some secret where the board
//!   allows it (replies to secret posts are secret), some have links, a few end with
//!   GnuBoard's "moved" line from another board (`[이 게시물은 최고관리자님에 의해 … 이동 됨]`).
//!   `wr_seo_title` is made as GnuBoard5 makes it (first 8 words, `-1`, `-2` … when taken).
//! - `--comments` comments: rows with `wr_is_comment = 1`, `wr_parent` = their post's
//!   `wr_id`, the post's `wr_num` and `ca_name`, `wr_comment` the comment thread (1, 2, …)
//!   and `wr_comment_reply` `A`, `AA`, … for replies to comments (at most 5 levels). Most go
//!   to recent posts. The post's `wr_comment` is its number of comments and its `wr_last`
//!   the time of its last comment, as GnuBoard keeps them.
//!
//! Out of scope: attachments and editor images (`g5_board_file` is empty and no body refers
//! to `data/`; import with an empty folder as `--files`), copies (a copy needs its source
//! post), points, visits, menus, deleted members and double-encoded text.

use std::collections::{HashMap, HashSet};
use std::error::Error;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The real dump whose shape the output copies.
const FIXTURE: &str = include_str!("../../../fixtures/gnuboard5/dump.sql");
/// The fixture's posts table used as every board's posts table.
const WRITE_TEMPLATE: &str = "g5_write_advocacy";
/// Tables whose rows are taken from the fixture as they are.
const KEPT_TABLES: &[&str] = &["g5_config", "g5_content", "g5_faq_master", "g5_qa_config"];
/// mysqldump's default `net_buffer_length`: a new `INSERT` starts once a statement is longer.
const NET_BUFFER_LENGTH: usize = 1_046_528;

/// The site's life: GnuBoard's install (the fixture's `admin` join) and its last post.
const SITE_START: (i64, i64, i64) = (2016, 1, 11);
const SITE_END: (i64, i64, i64) = (2025, 3, 10);

// ---------------------------------------------------------------------------------------
// Command line

struct Args {
    posts: usize,
    comments: usize,
    out: PathBuf,
    boards: usize,
    members: usize,
    seed: u64,
}

const USAGE: &str = "usage: gnuboard_dump_gen --posts N --comments M --out FILE.sql \
                     [--boards 4] [--members 200] [--seed 1]";

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut posts = None;
    let mut comments = None;
    let mut out = None;
    let mut boards = 4usize;
    let mut members = 200usize;
    let mut seed = 1u64;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--posts" => posts = Some(value.parse()?),
            "--comments" => comments = Some(value.parse()?),
            "--out" => out = Some(PathBuf::from(value)),
            "--boards" => boards = value.parse()?,
            "--members" => members = value.parse()?,
            "--seed" => seed = value.parse()?,
            _ => return Err(format!("unknown argument {flag}\n{USAGE}").into()),
        }
    }
    let (Some(posts), Some(comments), Some(out)) = (posts, comments, out) else {
        return Err(USAGE.into());
    };
    if boards == 0 || members == 0 {
        return Err("--boards and --members must be at least 1".into());
    }
    if comments > 0 && posts == 0 {
        return Err("comments need posts".into());
    }
    Ok(Args {
        posts,
        comments,
        out,
        boards,
        members,
        seed,
    })
}

// ---------------------------------------------------------------------------------------
// The fixture, cut into tables

struct FixtureTable<'a> {
    name: &'a str,
    /// From the line after `-- Table structure for table …` to the end of the structure
    /// (DROP, CREATE, the character-set lines, a blank line).
    structure: &'a str,
    /// Its `INSERT` statements (with their `;\n`), if any.
    inserts: &'a str,
    /// Column names, in order.
    columns: Vec<&'a str>,
}

struct Fixture<'a> {
    header: String,
    tables: Vec<FixtureTable<'a>>,
    footer: &'a str,
}

fn read_fixture() -> Fixture<'static> {
    const MARK: &str = "--\n-- Table structure for table `";
    let mut pieces = FIXTURE.split(MARK);
    let header = pieces.next().expect("fixture header");
    let mut tables = Vec::new();
    let mut footer = "";
    for piece in pieces {
        let name = &piece[..piece.find('`').expect("table name")];
        let structure_start = piece.find('\n').expect("line") + 1;
        let data_at = piece
            .find("--\n-- Dumping data for table")
            .unwrap_or(piece.len());
        let structure = &piece[structure_start..data_at];
        let data = &piece[data_at..];
        let inserts = match (data.find("INSERT INTO"), data.find("/*!40000 ALTER TABLE")) {
            (Some(start), _) => {
                let end = data.rfind("/*!40000 ALTER TABLE").expect("ENABLE KEYS");
                &data[start..end]
            }
            _ => "",
        };
        if let Some(unlock) = data.rfind("UNLOCK TABLES;\n") {
            footer = &data[unlock + "UNLOCK TABLES;\n".len()..];
        }
        let columns = structure
            .lines()
            .skip_while(|l| !l.starts_with("CREATE TABLE"))
            .skip(1)
            .take_while(|l| l.starts_with("  `"))
            .map(|l| &l[3..3 + l[3..].find('`').expect("column name")])
            .collect();
        tables.push(FixtureTable {
            name,
            structure,
            inserts,
            columns,
        });
    }
    Fixture {
        // The generated site is another database, so that it is another import source.
        header: header.replace("Database: g5a", "Database: g5bench"),
        tables,
        footer,
    }
}

// ---------------------------------------------------------------------------------------
// Dates: naive KST seconds (GnuBoard stores local time) to text

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = (if y >= 0 { y } else { y - 399 }) / 400;
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = (if z >= 0 { z } else { z - 146_096 }) / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn at(date: (i64, i64, i64), h: i64, min: i64, s: i64) -> i64 {
    days_from_civil(date.0, date.1, date.2) * 86_400 + h * 3600 + min * 60 + s
}

/// `YYYY-MM-DD HH:MM:SS`.
fn datetime(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `YYYY-MM-DD`.
fn date(t: i64) -> String {
    datetime(t)[..10].to_owned()
}

/// `YYYYMMDD`, as GnuBoard keeps `mb_intercept_date`.
fn date8(t: i64) -> String {
    date(t).replace('-', "")
}

// ---------------------------------------------------------------------------------------
// Words

const KO_NOUNS: &[&str] = &[
    "인권",
    "북한",
    "탈북민",
    "난민",
    "청소년",
    "교육",
    "캠페인",
    "성명서",
    "보고서",
    "세미나",
    "토론회",
    "후원",
    "후원자",
    "자원봉사",
    "멘토링",
    "장학금",
    "정착",
    "상담",
    "긴급구조",
    "가족",
    "증언",
    "기록",
    "유엔",
    "국회",
    "정부",
    "시민단체",
    "연대",
    "평화",
    "통일",
    "자유",
    "민주주의",
    "여성",
    "아동",
    "노동",
    "보건",
    "식량",
    "구금",
    "강제송환",
    "피해자",
    "생존자",
    "지역사회",
    "프로그램",
    "캠프",
    "워크숍",
    "강사",
    "수강생",
    "회원",
    "사무실",
    "홈페이지",
    "뉴스레터",
    "서명운동",
    "결의안",
    "실태조사",
    "정책",
    "활동가",
    "인턴",
    "모금",
    "재정",
    "사업",
    "일정",
    "신청서",
    "참가자",
    "결과",
    "기금",
    "영수증",
    "설문",
    "자료집",
    "간담회",
    "공청회",
    "기자회견",
];

/// Particles in pairs: after a final consonant, after a vowel.
const KO_PARTICLES: &[(&str, &str)] = &[
    ("은", "는"),
    ("이", "가"),
    ("을", "를"),
    ("과", "와"),
    ("으로", "로"),
    ("의", "의"),
    ("에", "에"),
    ("에서", "에서"),
    ("도", "도"),
    ("에게", "에게"),
    ("까지", "까지"),
];

const KO_ENDINGS: &[&str] = &[
    "진행합니다",
    "안내드립니다",
    "모집합니다",
    "요청드립니다",
    "확인해 주세요",
    "참여해 주시기 바랍니다",
    "감사드립니다",
    "발표했습니다",
    "촉구합니다",
    "환영합니다",
    "공유합니다",
    "준비하고 있습니다",
    "논의했습니다",
    "지원할 예정입니다",
    "기록했습니다",
    "전달했습니다",
    "늘어났습니다",
    "필요합니다",
    "계속됩니다",
    "마감됩니다",
    "궁금합니다",
    "부탁드립니다",
    "열렸습니다",
    "시작합니다",
];

const KO_OPENERS: &[&str] = &[
    "그동안",
    "올해도",
    "앞으로도",
    "특히",
    "또한",
    "이번에",
    "지난달",
    "다음 주에",
    "함께",
    "꾸준히",
    "무엇보다",
    "안녕하세요.",
    "여러분의 관심 덕분에",
];

/// Words Korean posts often carry in English.
const EN_IN_KO: &[&str] = &[
    "UN",
    "NGO",
    "UPR",
    "Zoom",
    "COVID-19",
    "Google Form",
    "PDF",
    "SNS",
    "OHCHR",
    "Q&A",
    "e-mail",
];

const EN_SUBJECTS: &[&str] = &[
    "Our team",
    "The centre",
    "Volunteers",
    "The committee",
    "Local partners",
    "Many supporters",
    "The UN Special Rapporteur",
    "Families we support",
    "Students",
    "Hope Bridge",
    "The board",
    "Our lawyers",
    "Two interns",
    "The youth council",
];

const EN_VERBS: &[&str] = &[
    "will host",
    "published",
    "will look for",
    "welcomed",
    "called for",
    "documented",
    "supported",
    "shared",
    "organised",
    "reviewed",
    "can't attend",
    "asked about",
    "prepared",
    "thanked us for",
    "visited",
];

const EN_OBJECTS: &[&str] = &[
    "a seminar on refugee protection",
    "the annual report",
    "new volunteers for the mentoring programme",
    "an independent investigation",
    "the findings of the survey",
    "a campaign for family reunification",
    "legal aid for detainees",
    "the draft resolution",
    "an online petition",
    "English and Korean classes",
    "the summer camp",
    "a joint statement with 14 organisations",
    "the emergency rescue fund",
    "testimonies from survivors",
    "the settlement support programme",
    "our newsletter",
];

const EN_TAILS: &[&str] = &[
    "",
    "",
    " this month",
    " in Seoul",
    " next week",
    " with our partners in Geneva",
    " before the deadline",
    " at the office",
    ", and we're grateful for your support",
    " \u{2014} details below",
    ", so please don't miss it",
    " as it's the first time in three years",
    " for the \"Walk Together\" campaign",
];

const EN_TITLE_NOUNS: &[&str] = &[
    "refugee protection",
    "forced repatriation",
    "human rights education",
    "youth leadership",
    "family reunification",
    "the rescue fund",
    "detention",
    "settlement support",
    "the mentoring programme",
    "volunteer training",
    "the annual report",
    "accountability",
    "the UPR review",
    "summer camp",
    "scholarships",
];

const KO_SURNAMES: &[(&str, &str)] = &[
    ("김", "kim"),
    ("이", "lee"),
    ("박", "park"),
    ("최", "choi"),
    ("정", "jeong"),
    ("강", "kang"),
    ("조", "cho"),
    ("윤", "yoon"),
    ("장", "jang"),
    ("임", "lim"),
    ("한", "han"),
    ("오", "oh"),
    ("서", "seo"),
    ("신", "shin"),
    ("권", "kwon"),
    ("황", "hwang"),
    ("안", "ahn"),
    ("송", "song"),
    ("류", "ryu"),
    ("홍", "hong"),
];

const KO_GIVEN: &[(&str, &str)] = &[
    ("민지", "minji"),
    ("준호", "junho"),
    ("소라", "sora"),
    ("다운", "dawoon"),
    ("은영", "eunyoung"),
    ("서연", "seoyeon"),
    ("지훈", "jihoon"),
    ("하은", "haeun"),
    ("도윤", "doyun"),
    ("수빈", "subin"),
    ("예준", "yejun"),
    ("지우", "jiwoo"),
    ("현우", "hyunwoo"),
    ("유진", "yujin"),
    ("성민", "seongmin"),
    ("혜진", "hyejin"),
    ("동현", "donghyun"),
    ("은지", "eunji"),
    ("태윤", "taeyun"),
    ("나래", "narae"),
    ("빛나", "bitna"),
    ("한결", "hangyeol"),
];

const EN_GIVEN: &[&str] = &["Jason", "Emily", "Daniel", "Grace", "Sarah", "David"];

const NICK_WORDS: &[&str] = &[
    "빛나리",
    "하늘바라기",
    "들꽃",
    "바람개비",
    "새벽별",
    "징검다리",
    "walker",
    "hope",
    "봄날",
];

fn pick<T: Copy>(rng: &mut StdRng, list: &[T]) -> T {
    list[rng.random_range(0..list.len())]
}

/// Whether a word's last syllable ends in a consonant (chooses the particle).
fn has_final_consonant(word: &str) -> bool {
    word.chars().last().is_some_and(|c| {
        let n = u32::from(c);
        (0xAC00..=0xD7A3).contains(&n) && (n - 0xAC00) % 28 != 0
    })
}

fn with_particle(rng: &mut StdRng, s: &mut String, noun: &str) {
    s.push_str(noun);
    let (after_consonant, after_vowel) = pick(rng, KO_PARTICLES);
    s.push_str(if has_final_consonant(noun) {
        after_consonant
    } else {
        after_vowel
    });
}

fn korean_sentence(rng: &mut StdRng) -> String {
    let mut s = String::new();
    if rng.random_bool(0.3) {
        s.push_str(pick(rng, KO_OPENERS));
        s.push(' ');
    }
    if rng.random_bool(0.2) {
        let n: u32 = rng.random_range(2..400);
        s.push_str(&format!("{n}명의 "));
    }
    for _ in 0..rng.random_range(2..5) {
        let noun = if rng.random_bool(0.08) {
            pick(rng, EN_IN_KO)
        } else {
            pick(rng, KO_NOUNS)
        };
        with_particle(rng, &mut s, noun);
        s.push(' ');
    }
    s.push_str(pick(rng, KO_ENDINGS));
    s.push(if rng.random_bool(0.1) { '!' } else { '.' });
    s
}

fn english_sentence(rng: &mut StdRng) -> String {
    format!(
        "{} {} {}{}.",
        pick(rng, EN_SUBJECTS),
        pick(rng, EN_VERBS),
        pick(rng, EN_OBJECTS),
        pick(rng, EN_TAILS)
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Korean,
    English,
    Mixed,
}

fn sentence(rng: &mut StdRng, lang: Lang) -> String {
    match lang {
        Lang::Korean => korean_sentence(rng),
        Lang::English => english_sentence(rng),
        Lang::Mixed if rng.random_bool(0.5) => korean_sentence(rng),
        Lang::Mixed => english_sentence(rng),
    }
}

fn title(rng: &mut StdRng, lang: Lang) -> String {
    let year = rng.random_range(2016..2026);
    let n1 = pick(rng, KO_NOUNS);
    let n2 = pick(rng, KO_NOUNS);
    let e1 = pick(rng, EN_TITLE_NOUNS);
    let e2 = pick(rng, EN_TITLE_NOUNS);
    let korean = |rng: &mut StdRng| match rng.random_range(0..8) {
        0 => format!("{year}년 {n1} {n2} 안내"),
        1 => format!("{n1} {n2} 참가자 모집"),
        2 => format!("[성명] {n1} {n2}에 대한 입장"),
        3 => format!("{n1} {n2} 결과 보고 ({year}년)"),
        4 => format!("{n1} 관련 문의드립니다"),
        5 => format!("{n1} {n2} 후기 \u{2014} 감사합니다"),
        6 => format!("\u{2018}{n1}과 함께\u{2019} {n2} 시작합니다"),
        _ => format!("[언론보도] {n1}, {n2} 소식"),
    };
    let english = |rng: &mut StdRng| match rng.random_range(0..7) {
        0 => format!("Statement on {e1} and {e2}"),
        1 => format!("Annual report {year}: {e1}"),
        2 => format!("Call for volunteers: {e1}"),
        3 => format!("Update on {e1} ({year})"),
        4 => format!("Questions about {e1}"),
        5 => format!("We are hiring: {e1} officer"),
        _ => format!("What your support made possible in {year}"),
    };
    match lang {
        Lang::Korean => korean(rng),
        Lang::English => english(rng),
        Lang::Mixed => {
            let ko = korean(rng);
            let en = english(rng);
            format!("{ko} / {en}")
        }
    }
}

/// An editor (SmartEditor2) body of about `target` bytes.
fn html_body(rng: &mut StdRng, lang: Lang, target: usize) -> String {
    let mut body = String::with_capacity(target + 600);
    while body.len() < target {
        if !body.is_empty() {
            body.push('\n');
        }
        match rng.random_range(0..100) {
            0..70 => {
                body.push_str("<p>");
                for i in 0..rng.random_range(1..4) {
                    if i > 0 {
                        body.push_str(if rng.random_bool(0.15) { "<br>" } else { " " });
                    }
                    let s = sentence(rng, lang);
                    match rng.random_range(0..20) {
                        0 => body.push_str(&format!("<strong>{s}</strong>")),
                        1 => body.push_str(&format!("<em>{s}</em>")),
                        _ => body.push_str(&s),
                    }
                }
                body.push_str("</p>");
            }
            70..80 => {
                body.push_str(if rng.random_bool(0.5) {
                    "<ul>\n"
                } else {
                    "<ol>\n"
                });
                let ordered = body.ends_with("<ol>\n");
                for _ in 0..rng.random_range(2..6) {
                    body.push_str("<li>");
                    body.push_str(&sentence(rng, lang));
                    body.push_str("</li>\n");
                }
                body.push_str(if ordered { "</ol>" } else { "</ul>" });
            }
            80..88 => {
                body.push_str("<p><strong>");
                body.push_str(&title(rng, lang));
                body.push_str("</strong>&nbsp;&ndash; ");
                body.push_str(&sentence(rng, lang));
                body.push_str("</p>");
            }
            88..93 => {
                let n: u32 = rng.random_range(1..5000);
                body.push_str(&format!(
                    "<p>{} <a href=\"https://www.example-ngo.org/campaign/{n}\" \
                     target=\"_blank\">https://www.example-ngo.org/campaign/{n}</a></p>",
                    sentence(rng, lang)
                ));
            }
            93..97 => body.push_str("<p>&nbsp;</p>"),
            _ => {
                body.push_str("<p style=\"text-align: center;\">");
                body.push_str(&sentence(rng, lang));
                body.push_str("</p>");
            }
        }
    }
    body
}

/// A plain-text body (a board without the editor) of about `target` bytes.
fn text_body(rng: &mut StdRng, lang: Lang, target: usize) -> String {
    let mut body = String::with_capacity(target + 400);
    while body.len() < target {
        if !body.is_empty() {
            body.push_str("\n\n");
        }
        if rng.random_bool(0.15) {
            for i in 0..rng.random_range(2..5) {
                if i > 0 {
                    body.push('\n');
                }
                body.push_str("- ");
                body.push_str(&sentence(rng, lang));
            }
        } else {
            for i in 0..rng.random_range(1..4) {
                if i > 0 {
                    body.push(if rng.random_bool(0.3) { '\n' } else { ' ' });
                }
                body.push_str(&sentence(rng, lang));
            }
        }
    }
    body
}

fn comment_text(rng: &mut StdRng) -> String {
    let lang = match rng.random_range(0..10) {
        0..6 => Lang::Korean,
        6..9 => Lang::English,
        _ => Lang::Mixed,
    };
    let mut s = String::new();
    for i in 0..rng.random_range(1..4) {
        if i > 0 {
            s.push(if rng.random_bool(0.1) { '\n' } else { ' ' });
        }
        s.push_str(&sentence(rng, lang));
    }
    s
}

/// GnuBoard5's `generate_seo_title`: the first 8 words, entities and anything but letters,
/// digits, `_`, `-` and spaces removed, spaces to `-`, lower case.
fn seo_title(subject: &str) -> String {
    let words: Vec<&str> = subject.split(' ').take(8).collect();
    let mut out = String::new();
    let mut dash = false;
    for c in words.join(" ").chars() {
        if c.is_whitespace() || c == '-' {
            dash = true;
        } else if c.is_alphanumeric() || c == '_' {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A GnuBoard5 PBKDF2 hash's shape (`sha256:12000:` 24-character salt `:` 32-character
/// hash); it verifies nothing.
fn password_hash(rng: &mut StdRng) -> String {
    let mut s = String::from("sha256:12000:");
    for i in 0..57 {
        if i == 24 {
            s.push(':');
        } else {
            s.push(BASE64[rng.random_range(0..64)] as char);
        }
    }
    s
}

fn ip(rng: &mut StdRng) -> String {
    let first = pick(rng, &[211u8, 175, 121, 58, 118, 220, 1, 39]);
    format!(
        "{first}.{}.{}.{}",
        rng.random_range(0..256),
        rng.random_range(0..256),
        rng.random_range(1..255)
    )
}

// ---------------------------------------------------------------------------------------
// mysqldump output

/// mysqldump's string escapes.
fn escape_into(out: &mut Vec<u8>, s: &str) {
    out.push(b'\'');
    for &b in s.as_bytes() {
        match b {
            0 => out.extend_from_slice(b"\\0"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\'' => out.extend_from_slice(b"\\'"),
            b'"' => out.extend_from_slice(b"\\\""),
            0x1a => out.extend_from_slice(b"\\Z"),
            _ => out.push(b),
        }
    }
    out.push(b'\'');
}

/// One row being written: values are counted against the table's columns.
struct Row {
    buf: Vec<u8>,
    values: usize,
}

impl Row {
    fn new() -> Row {
        Row {
            buf: Vec::with_capacity(4096),
            values: 0,
        }
    }

    fn sep(&mut self) {
        self.buf.push(if self.values == 0 { b'(' } else { b',' });
        self.values += 1;
    }

    fn s(&mut self, v: &str) -> &mut Row {
        self.sep();
        escape_into(&mut self.buf, v);
        self
    }

    fn n(&mut self, v: i64) -> &mut Row {
        self.sep();
        self.buf.extend_from_slice(v.to_string().as_bytes());
        self
    }

    /// `count` empty strings.
    fn empty(&mut self, count: usize) -> &mut Row {
        for _ in 0..count {
            self.s("");
        }
        self
    }
}

/// Writes one table's data section as mysqldump does.
struct TableData<'a, W: Write> {
    out: &'a mut W,
    table: String,
    columns: usize,
    statement: usize,
    row: Row,
}

impl<'a, W: Write> TableData<'a, W> {
    fn begin(out: &'a mut W, table: &str, columns: usize) -> std::io::Result<Self> {
        write!(
            out,
            "--\n-- Dumping data for table `{table}`\n--\n\nLOCK TABLES `{table}` WRITE;\n\
             /*!40000 ALTER TABLE `{table}` DISABLE KEYS */;\n"
        )?;
        Ok(TableData {
            out,
            table: table.to_owned(),
            columns,
            statement: 0,
            row: Row::new(),
        })
    }

    /// A fresh row to fill, then [`push`](Self::push).
    fn row(&mut self) -> &mut Row {
        self.row.buf.clear();
        self.row.values = 0;
        &mut self.row
    }

    fn push(&mut self) -> std::io::Result<()> {
        assert_eq!(
            self.row.values, self.columns,
            "a row of {} has {} values for {} columns",
            self.table, self.row.values, self.columns
        );
        self.row.buf.push(b')');
        if self.statement > 0 && self.statement + self.row.buf.len() + 2 > NET_BUFFER_LENGTH {
            self.out.write_all(b";\n")?;
            self.statement = 0;
        }
        if self.statement == 0 {
            let head = format!("INSERT INTO `{}` VALUES\n", self.table);
            self.out.write_all(head.as_bytes())?;
            self.statement = head.len();
        } else {
            self.out.write_all(b",\n")?;
            self.statement += 2;
        }
        self.out.write_all(&self.row.buf)?;
        self.statement += self.row.buf.len();
        Ok(())
    }

    /// Writes statements taken whole (the fixture's rows).
    fn raw(&mut self, inserts: &str) -> std::io::Result<()> {
        self.out.write_all(inserts.as_bytes())
    }

    fn end(self) -> std::io::Result<()> {
        if self.statement > 0 {
            self.out.write_all(b";\n")?;
        }
        write!(
            self.out,
            "/*!40000 ALTER TABLE `{t}` ENABLE KEYS */;\nUNLOCK TABLES;\n\n",
            t = self.table
        )
    }
}

fn write_structure<W: Write>(out: &mut W, name: &str, structure: &str) -> std::io::Result<()> {
    write!(
        out,
        "--\n-- Table structure for table `{name}`\n{structure}"
    )
}

// ---------------------------------------------------------------------------------------
// The site

struct BoardSpec {
    bo_table: String,
    gr_id: &'static str,
    subject: String,
    html: bool,
    secret: bool,
    categories: &'static str,
}

fn board_specs(count: usize) -> Vec<BoardSpec> {
    let known: &[(&str, &str, &str, bool, bool, &str)] = &[
        (
            "advocacy",
            "work",
            "Advocacy & Campaigns",
            true,
            false,
            "성명서|캠페인|보고서",
        ),
        ("education", "work", "인권교육 Education", true, false, ""),
        ("rescue", "work", "긴급구조 Rescue", false, true, ""),
        ("news", "news", "소식 News", true, false, ""),
        ("youth", "work", "청소년 Youth", false, false, ""),
        ("free", "community", "자유게시판", true, false, ""),
        ("qa", "community", "질문답변 Q&A", true, true, ""),
        ("press", "news", "언론보도 Press", true, false, "국내|해외"),
        ("gallery", "community", "갤러리 Gallery", true, false, ""),
        ("notice", "news", "공지사항", true, false, ""),
    ];
    (0..count)
        .map(|i| match known.get(i) {
            Some(&(bo, gr, subject, html, secret, categories)) => BoardSpec {
                bo_table: bo.to_owned(),
                gr_id: gr,
                subject: subject.to_owned(),
                html,
                secret,
                categories,
            },
            None => BoardSpec {
                bo_table: format!("board{}", i + 1),
                gr_id: "community",
                subject: format!("게시판 {} Board {}", i + 1, i + 1),
                html: true,
                secret: false,
                categories: "",
            },
        })
        .collect()
}

struct Member {
    mb_id: String,
    name: String,
    nick: String,
    email: String,
    level: i64,
    joined: i64,
    blocked: Option<i64>,
    password: String,
}

fn make_members(rng: &mut StdRng, count: usize, start: i64, end: i64) -> Vec<Member> {
    let mut members = vec![Member {
        mb_id: "admin".into(),
        name: "최고관리자".into(),
        nick: "최고관리자".into(),
        email: "admin@example-ngo.org".into(),
        level: 10,
        joined: start,
        blocked: None,
        password: password_hash(rng),
    }];
    let mut taken: HashSet<String> = HashSet::from(["admin".to_owned()]);
    let mut rest = Vec::new();
    for i in 1..count {
        let (sur, sur_en) = pick(rng, KO_SURNAMES);
        let (name, given_en, nick) = if rng.random_bool(0.08) {
            let en = pick(rng, EN_GIVEN);
            let family = sur_en[..1].to_uppercase() + &sur_en[1..];
            (
                format!("{en} {family}"),
                en.to_lowercase(),
                format!("{en}{}", &family[..1]),
            )
        } else {
            let (given, given_en) = pick(rng, KO_GIVEN);
            let nick = match rng.random_range(0..10) {
                0..7 => given.to_owned(),
                7..9 => format!("{given_en}{}", rng.random_range(10..100)),
                _ => pick(rng, NICK_WORDS).to_owned(),
            };
            (format!("{sur}{given}"), given_en.to_owned(), nick)
        };
        let mut mb_id = if rng.random_bool(0.5) {
            format!("{sur_en}_{given_en}")
        } else {
            format!("{}{sur_en}", &given_en[..1])
        };
        mb_id.truncate(16);
        if taken.contains(&mb_id) {
            let base = mb_id.clone();
            let mut n = 2;
            while taken.contains(&mb_id) {
                mb_id = format!("{base}{n}");
                n += 1;
            }
        }
        taken.insert(mb_id.clone());
        let staff = i <= 2;
        let level = match i {
            1 => 9,
            2 => 8,
            _ => match rng.random_range(0..100) {
                0..80 => 2,
                80..90 => 3,
                90..98 => rng.random_range(4..6),
                _ => rng.random_range(6..8),
            },
        };
        let joined = if staff {
            // The group admin, then the board admin, on the install day.
            start + i as i64 * 7200 + rng.random_range(0..3600)
        } else {
            // More members join early, as a site grows.
            let u: f64 = rng.random::<f64>().powf(1.6);
            start + 86_400 + (u * (end - start - 30 * 86_400) as f64) as i64
        };
        let blocked = (!staff && rng.random_bool(0.02))
            .then(|| joined + rng.random_range(86_400..(end - joined).max(86_401)));
        let domain = pick(
            rng,
            &["example.com", "example.kr", "example.net", "example.org"],
        );
        let email = if staff {
            format!("{}@example-ngo.org", mb_id.replace('_', "."))
        } else {
            format!("{mb_id}@{domain}")
        };
        rest.push(Member {
            mb_id,
            name,
            nick,
            email,
            level,
            joined,
            blocked,
            password: password_hash(rng),
        });
    }
    rest.sort_by_key(|m| m.joined);
    members.extend(rest);
    members
}

#[derive(Clone, Copy)]
enum Author {
    Member(u32),
    Guest(u32),
}

struct Post {
    wr_id: i64,
    wr_num: i64,
    reply: String,
    subject: String,
    category: u8,
    lang: Lang,
    secret: bool,
    time: i64,
    author: Author,
    /// Replies made to this post so far.
    replies: u8,
    /// Comment threads so far (the last `wr_comment`).
    threads: i64,
    /// Comments so far: (thread, reply path, replies made to it).
    comments: Vec<(i64, String, u8)>,
    last: i64,
}

enum Entry {
    Post(u32),
    Comment {
        post: u32,
        thread: i64,
        reply: String,
        time: i64,
        author: Author,
        secret: bool,
    },
}

/// One board's rows in `wr_id` order.
struct Board {
    posts: Vec<Post>,
    entries: Vec<Entry>,
}

struct Site {
    members: Vec<Member>,
    start: i64,
    end: i64,
}

impl Site {
    /// An author for a row at time `t`: the admin often, a guest sometimes, otherwise a
    /// member who had joined by then.
    fn author(&self, rng: &mut StdRng, t: i64, admin_share: f64) -> Author {
        if rng.random_bool(admin_share) {
            return Author::Member(0);
        }
        if rng.random_bool(0.05) {
            return Author::Guest(rng.random_range(0..(KO_SURNAMES.len() * KO_GIVEN.len())) as u32);
        }
        let joined = self.members.partition_point(|m| m.joined <= t).max(1);
        Author::Member(rng.random_range(0..joined) as u32)
    }
}

fn guest_name(i: u32) -> String {
    let i = i as usize;
    format!(
        "{}{}",
        KO_SURNAMES[i % KO_SURNAMES.len()].0,
        KO_GIVEN[i / KO_SURNAMES.len() % KO_GIVEN.len()].0
    )
}

/// A recent index out of `len`: the last ones far more often.
fn recent(rng: &mut StdRng, len: usize, window: usize) -> usize {
    let window = window.min(len);
    let back = (rng.random::<f64>().powi(3) * window as f64) as usize;
    len - 1 - back.min(window - 1)
}

/// Lays out one board: which rows are posts, replies and comments, in time order.
fn simulate_board(
    rng: &mut StdRng,
    site: &Site,
    spec: &BoardSpec,
    posts: usize,
    comments: usize,
) -> Board {
    let categories = if spec.categories.is_empty() {
        0
    } else {
        spec.categories.split('|').count()
    };
    let total = posts + comments;
    let mut board = Board {
        posts: Vec::with_capacity(posts),
        entries: Vec::with_capacity(total),
    };
    let first = site.start + 86_400;
    let span = (site.end - first).max(total as i64);
    let (mut posts_left, mut comments_left) = (posts, comments);
    let mut roots = 0i64;
    let mut last_time = first;
    for i in 0..total {
        // Evenly over the site's life, each row somewhere in its own slot.
        let slot_start = first + (span as i128 * i as i128 / total as i128) as i64;
        let slot_end = first + (span as i128 * (i as i128 + 1) / total as i128) as i64;
        let time =
            (slot_start + rng.random_range(0..(slot_end - slot_start).max(1))).max(last_time + 1);
        last_time = time;
        let wr_id = board.entries.len() as i64 + 1;
        let is_post = comments_left == 0
            || board.posts.is_empty()
            || (posts_left > 0 && rng.random_range(0..posts_left + comments_left) < posts_left);
        if is_post {
            posts_left -= 1;
            // A reply to a recent post, when it can take one.
            let target = (!board.posts.is_empty() && rng.random_bool(0.05))
                .then(|| recent(rng, board.posts.len(), 300))
                .filter(|&t| board.posts[t].reply.len() < 10 && board.posts[t].replies < 26);
            let post = match target {
                Some(t) => {
                    let parent = &mut board.posts[t];
                    let mut reply = parent.reply.clone();
                    reply.push((b'A' + parent.replies) as char);
                    parent.replies += 1;
                    let parent = &board.posts[t];
                    Post {
                        wr_id,
                        wr_num: parent.wr_num,
                        reply,
                        subject: format!("Re: {}", parent.subject),
                        category: parent.category,
                        lang: parent.lang,
                        secret: parent.secret,
                        time,
                        author: site.author(rng, time, 0.4),
                        replies: 0,
                        threads: 0,
                        comments: Vec::new(),
                        last: time,
                    }
                }
                None => {
                    roots += 1;
                    let lang = match rng.random_range(0..20) {
                        0..9 => Lang::Korean,
                        9..16 => Lang::English,
                        _ => Lang::Mixed,
                    };
                    Post {
                        wr_id,
                        wr_num: -roots,
                        reply: String::new(),
                        subject: title(rng, lang),
                        category: if categories > 0 {
                            rng.random_range(0..categories) as u8
                        } else {
                            u8::MAX
                        },
                        lang,
                        secret: spec.secret && rng.random_bool(0.2),
                        time,
                        author: site.author(rng, time, 0.1),
                        replies: 0,
                        threads: 0,
                        comments: Vec::new(),
                        last: time,
                    }
                }
            };
            board.entries.push(Entry::Post(board.posts.len() as u32));
            board.posts.push(post);
        } else {
            comments_left -= 1;
            let p = recent(rng, board.posts.len(), 300);
            let post = &mut board.posts[p];
            post.last = time;
            // A reply to one of the post's comments, when it can take one.
            let target = (!post.comments.is_empty() && rng.random_bool(0.3))
                .then(|| rng.random_range(0..post.comments.len()))
                .filter(|&c| post.comments[c].1.len() < 5 && post.comments[c].2 < 26);
            let (thread, reply) = match target {
                Some(c) => {
                    let parent = &mut post.comments[c];
                    let mut reply = parent.1.clone();
                    reply.push((b'A' + parent.2) as char);
                    parent.2 += 1;
                    (parent.0, reply)
                }
                None => {
                    post.threads += 1;
                    (post.threads, String::new())
                }
            };
            post.comments.push((thread, reply.clone(), 0));
            board.entries.push(Entry::Comment {
                post: p as u32,
                thread,
                reply,
                time,
                author: site.author(rng, time, 0.08),
                secret: rng.random_bool(0.02),
            });
        }
    }
    board
}

/// The author columns: `mb_id`, `wr_password`, `wr_name`, `wr_email`.
fn author_values(rng: &mut StdRng, site: &Site, author: Author, row: &mut Row) {
    match author {
        Author::Member(m) => {
            let m = &site.members[m as usize];
            row.s(&m.mb_id).s("").s(&m.nick).s(&m.email);
        }
        Author::Guest(g) => {
            let email = if rng.random_bool(0.5) {
                format!("guest{g}@example.com")
            } else {
                String::new()
            };
            row.s("").s(&password_hash(rng)).s(&guest_name(g)).s(&email);
        }
    }
}

struct Totals {
    posts: u64,
    replies: u64,
    comments: u64,
}

#[allow(clippy::too_many_arguments)]
fn write_board<W: Write>(
    out: &mut W,
    rng: &mut StdRng,
    site: &Site,
    specs: &[BoardSpec],
    index: usize,
    board: &Board,
    template: &FixtureTable<'_>,
    totals: &mut Totals,
) -> std::io::Result<()> {
    let spec = &specs[index];
    let table = format!("g5_write_{}", spec.bo_table);
    let next_id = board.entries.len() + 1;
    let mut structure = template.structure.replace(WRITE_TEMPLATE, &table);
    let auto = structure
        .find(" AUTO_INCREMENT=")
        .expect("AUTO_INCREMENT in the posts table");
    let auto_end = auto + structure[auto + 1..].find(' ').expect("space") + 1;
    let replacement = if next_id > 1 {
        format!(" AUTO_INCREMENT={next_id}")
    } else {
        String::new()
    };
    structure.replace_range(auto..auto_end, &replacement);
    write_structure(out, &table, &structure)?;

    let categories: Vec<&str> = spec.categories.split('|').collect();
    let others: Vec<&BoardSpec> = specs
        .iter()
        .filter(|b| b.bo_table != spec.bo_table)
        .collect();
    let mut seo_taken: HashMap<String, u32> = HashMap::new();
    let mut data = TableData::begin(out, &table, template.columns.len())?;
    for (i, entry) in board.entries.iter().enumerate() {
        let wr_id = i as i64 + 1;
        match entry {
            Entry::Post(p) => {
                let p = &board.posts[*p as usize];
                let target = rng.random_range(1024..2700);
                let mut content = if spec.html {
                    html_body(rng, p.lang, target)
                } else {
                    text_body(rng, p.lang, target)
                };
                // A few posts were moved here from another board.
                if !others.is_empty() && p.reply.is_empty() && rng.random_bool(0.002) {
                    let from = pick(rng, &others);
                    let moved =
                        datetime((p.time + rng.random_range(3600..30 * 86_400)).min(site.end));
                    let line = format!(
                        "[이 게시물은 최고관리자님에 의해 {moved} {}에서 이동 됨]",
                        from.subject
                    );
                    if spec.html {
                        content.push_str(&format!("\n<div class=\"content_copy\">{line}</div>"));
                    } else {
                        content.push_str(&format!("\n\n{line}"));
                    }
                }
                let mut options: Vec<&str> = Vec::new();
                if spec.html {
                    options.push(if rng.random_bool(0.02) {
                        "html2"
                    } else {
                        "html1"
                    });
                }
                if p.secret {
                    options.push("secret");
                }
                if rng.random_bool(0.01) {
                    options.push("mail");
                }
                let base = seo_title(&p.subject);
                let count = seo_taken.entry(base.clone()).or_insert(0);
                // GnuBoard tries `-1` … `-198`, then gives up and keeps the last.
                let seo = match *count {
                    0 => base,
                    n => format!("{base}-{}", n.min(198)),
                };
                *count += 1;
                let link1 = if rng.random_bool(0.05) {
                    format!(
                        "https://www.example-ngo.org/link/{}",
                        rng.random_range(1..100_000)
                    )
                } else {
                    String::new()
                };
                let link2 = if !link1.is_empty() && rng.random_bool(0.2) {
                    "https://petition.example.org/walk-together".to_owned()
                } else {
                    String::new()
                };
                let hit = (rng.random::<f64>().powi(3) * 5000.0) as i64;
                let category = categories.get(p.category as usize).copied().unwrap_or("");
                let row = data.row();
                row.n(wr_id)
                    .n(p.wr_num)
                    .s(&p.reply)
                    .n(wr_id)
                    .n(0)
                    .n(p.comments.len() as i64)
                    .s("")
                    .s(category)
                    .s(&options.join(","))
                    .s(&p.subject)
                    .s(&content)
                    .s(&seo)
                    .s(&link1)
                    .s(&link2)
                    .n(0)
                    .n(0)
                    .n(hit)
                    .n(0)
                    .n(0);
                author_values(rng, site, p.author, row);
                let ip = ip(rng);
                row.s("")
                    .s(&datetime(p.time))
                    .n(0)
                    .s(&datetime(p.last))
                    .s(&ip)
                    .empty(12);
                data.push()?;
                totals.posts += 1;
                if !p.reply.is_empty() {
                    totals.replies += 1;
                }
            }
            Entry::Comment {
                post,
                thread,
                reply,
                time,
                author,
                secret,
            } => {
                let p = &board.posts[*post as usize];
                let category = categories.get(p.category as usize).copied().unwrap_or("");
                let text = comment_text(rng);
                let row = data.row();
                row.n(wr_id)
                    .n(p.wr_num)
                    .s("")
                    .n(p.wr_id)
                    .n(1)
                    .n(*thread)
                    .s(reply)
                    .s(category)
                    .s(if *secret { "secret" } else { "" })
                    .s("")
                    .s(&text)
                    .empty(3)
                    .n(0)
                    .n(0)
                    .n(0)
                    .n(0)
                    .n(0);
                author_values(rng, site, *author, row);
                let ip = ip(rng);
                row.s("").s(&datetime(*time)).n(0).s("").s(&ip).empty(12);
                data.push()?;
                totals.comments += 1;
            }
        }
    }
    data.end()?;
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("gnuboard_dump_gen: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let started = Instant::now();
    let fixture = read_fixture();
    let table = |name: &str| {
        fixture
            .tables
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("the fixture has no table {name}"))
    };
    let mut rng = StdRng::seed_from_u64(args.seed);
    let start = at(SITE_START, 9, 30, 12);
    let end = at(SITE_END, 18, 0, 0);
    let site = Site {
        members: make_members(&mut rng, args.members, start, end),
        start,
        end,
    };
    let specs = board_specs(args.boards);

    // Lay out every board first: a post's comment count and last comment go in its row.
    // Comments go to the boards that have posts (all of them unless posts < boards).
    let with_posts = args.boards.min(args.posts).max(1);
    let share = |total: usize, boards: usize, i: usize| {
        if i < boards {
            total / boards + usize::from(i < total % boards)
        } else {
            0
        }
    };
    let boards: Vec<Board> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            simulate_board(
                &mut rng,
                &site,
                spec,
                share(args.posts, args.boards, i),
                share(args.comments, with_posts, i),
            )
        })
        .collect();

    let file = File::create(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    out.write_all(fixture.header.as_bytes())?;

    let mut groups: Vec<&str> = specs.iter().map(|b| b.gr_id).collect();
    groups.sort_unstable();
    groups.dedup();

    for t in fixture
        .tables
        .iter()
        .filter(|t| !t.name.starts_with("g5_write_"))
    {
        write_structure(&mut out, t.name, t.structure)?;
        let mut data = TableData::begin(&mut out, t.name, t.columns.len())?;
        match t.name {
            "g5_group" => {
                for (order, gr_id) in groups.iter().enumerate() {
                    let (subject, admin) = match *gr_id {
                        "work" => ("Our Work", site.members.get(1).map_or("", |m| &m.mb_id)),
                        "news" => ("News", ""),
                        _ => ("커뮤니티 Community", ""),
                    };
                    data.row()
                        .s(gr_id)
                        .s(subject)
                        .s("both")
                        .s(admin)
                        .n(0)
                        .n(order as i64)
                        .empty(20);
                    data.push()?;
                }
            }
            "g5_board" => {
                let mut order: Vec<usize> = (0..specs.len()).collect();
                order.sort_by(|&a, &b| specs[a].bo_table.cmp(&specs[b].bo_table));
                for i in order {
                    let spec = &specs[i];
                    let board = &boards[i];
                    let notice: Vec<String> = board
                        .posts
                        .iter()
                        .filter(|p| p.reply.is_empty())
                        .take(2)
                        .map(|p| p.wr_id.to_string())
                        .collect();
                    let admin = if i == 0 {
                        site.members.get(2).map_or("", |m| &m.mb_id)
                    } else {
                        ""
                    };
                    let row = data.row();
                    row.s(&spec.bo_table)
                        .s(spec.gr_id)
                        .s(&spec.subject)
                        .s("")
                        .s("both")
                        .s(admin);
                    for _ in 0..11 {
                        row.n(1); // list … link levels, count_delete, count_modify
                    }
                    row.n(0)
                        .n(0)
                        .n(0)
                        .n(0) // points
                        .n(i64::from(!spec.categories.is_empty()))
                        .s(spec.categories)
                        .n(0)
                        .n(0)
                        .n(i64::from(spec.secret))
                        .n(i64::from(spec.html))
                        .s("");
                    for _ in 0..9 {
                        row.n(0); // rss_view … list_content
                    }
                    row.n(100)
                        .n(60)
                        .n(30)
                        .n(15)
                        .n(15)
                        .n(24)
                        .n(100)
                        .n(600)
                        .s("basic")
                        .s("basic")
                        .s("_head.php")
                        .s("_tail.php")
                        .empty(5)
                        .n(4)
                        .n(202)
                        .n(150)
                        .n(125)
                        .n(100)
                        .n(10_485_760)
                        .n(1)
                        .n(1)
                        .n(i as i64 + 1)
                        .n(board.posts.len() as i64)
                        .n((board.entries.len() - board.posts.len()) as i64)
                        .n(0)
                        .n(0)
                        .n(0)
                        .n(0)
                        .s(&notice.join(","))
                        .n(3)
                        .n(0)
                        .s("")
                        .n(0)
                        .n(0)
                        .s("")
                        .empty(20);
                    data.push()?;
                }
            }
            "g5_member" => {
                for (no, m) in site.members.iter().enumerate() {
                    let joined = datetime(m.joined);
                    let staff = m.level >= 8;
                    let ip = ip(&mut rng);
                    let agree = format!(
                        "[{joined}, 관리자 회원추가] 광고성 이메일 수신(동의) | 광고성 SMS/카카오톡 수신(동의)\n"
                    );
                    let last_login =
                        (m.joined + rng.random_range(0..(end - m.joined).max(1))).min(end);
                    data.row()
                        .n(no as i64 + 1)
                        .s(&m.mb_id)
                        .s(&m.password)
                        .s(&m.name)
                        .s(&m.nick)
                        .s(if no == 0 { "2016-01-11" } else { "0000-00-00" })
                        .s(&m.email)
                        .s("")
                        .n(m.level)
                        .empty(5)
                        .n(0)
                        .empty(9)
                        .n(if staff {
                            800
                        } else {
                            rng.random_range(0..3000)
                        })
                        .s(&datetime(last_login))
                        .s(&ip)
                        .s(&joined)
                        .s(&ip)
                        .s("")
                        .s(&m.blocked.map(date8).unwrap_or_default())
                        .s(&joined)
                        .empty(3)
                        .n(1)
                        .s(&joined)
                        .n(1)
                        .s(&joined)
                        .n(1)
                        .s(&date(m.joined))
                        .empty(2)
                        .n(0)
                        .n(0)
                        .n(0)
                        .s("0000-00-00 00:00:00")
                        .n(0)
                        .s("0000-00-00 00:00:00")
                        .s(if no == 0 { "" } else { &agree })
                        .empty(10);
                    data.push()?;
                }
            }
            name if KEPT_TABLES.contains(&name) => data.raw(t.inserts)?,
            _ => {}
        }
        data.end()?;
    }

    let template = table(WRITE_TEMPLATE);
    let mut order: Vec<usize> = (0..specs.len()).collect();
    order.sort_by(|&a, &b| specs[a].bo_table.cmp(&specs[b].bo_table));
    let mut totals = Totals {
        posts: 0,
        replies: 0,
        comments: 0,
    };
    for i in order {
        write_board(
            &mut out,
            &mut rng,
            &site,
            &specs,
            i,
            &boards[i],
            template,
            &mut totals,
        )?;
        eprintln!(
            "g5_write_{}: {} posts, {} comments",
            specs[i].bo_table,
            boards[i].posts.len(),
            boards[i].entries.len() - boards[i].posts.len()
        );
    }
    out.write_all(fixture.footer.as_bytes())?;
    out.flush()?;
    drop(out);

    let bytes = std::fs::metadata(&args.out)?.len();
    println!(
        "wrote {}: {} posts ({} replies), {} comments, {} members, {} boards; {:.1} MiB \
         ({:.2} MiB per 1,000 posts) in {:.1} s",
        args.out.display(),
        totals.posts,
        totals.replies,
        totals.comments,
        site.members.len(),
        specs.len(),
        bytes as f64 / 1_048_576.0,
        bytes as f64 / 1_048_576.0 / (totals.posts.max(1) as f64 / 1000.0),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
