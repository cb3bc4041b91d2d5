//! Search: a relevance set over a mixed Korean/English corpus (run through `Store::search`),
//! and `/search` over HTTP — permissions, filters, paging, and helpful pages for odd input.
//!
//! Everything runs on SQLite, or on PostgreSQL when `MADANG_TEST_DATABASE_URL` is set, so
//! the same expectations hold for both engines.

mod common;

use std::collections::{BTreeSet, HashMap};

use common::{Browser, TestSite, between};
use jiff::Timestamp;
use madang_core::search::parse_query;
use madang_core::{BoardLevels, Level, NewBoard, NewPost, PostBody};
use madang_store::{ActorRef, SearchField, SearchRequest};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn post(title: &str, body: &str, author: &str, at: &str) -> NewPost {
    NewPost {
        title: title.to_owned(),
        body: PostBody::Text(body.to_owned()),
        author_id: None,
        author_name: author.to_owned(),
        lang: None,
        pinned: false,
        secret: false,
        published_at: at.parse().unwrap(),
        links: Vec::new(),
    }
}

async fn board(site: &TestSite, new: NewBoard) -> i64 {
    site.store()
        .create_board(&new, Timestamp::now())
        .await
        .unwrap()
        .id
}

async fn add(site: &TestSite, board_id: i64, new: &NewPost) -> i64 {
    site.store()
        .create_post(board_id, new, Timestamp::now())
        .await
        .unwrap()
}

/// Query parameters, as (name, value).
type Params<'a> = &'a [(&'a str, &'a str)];

/// `/search?…` with the parameters URL-encoded.
fn search_url(params: Params) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("/search?{query}")
}

/// The (board, post id) of each result on a search page, in order.
fn results(html: &str) -> Vec<(String, i64)> {
    let Some(list) = between(html, "<ol class=\"search-results\">", "</ol>") else {
        return Vec::new();
    };
    list.split("<h2 class=\"result-title\"><a href=\"/b/")
        .skip(1)
        .map(|part| {
            let (slug, rest) = part.split_once('/').expect("a post address");
            let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
            (slug.to_owned(), id.parse().expect("a post id"))
        })
        .collect()
}

fn result_ids(html: &str) -> Vec<i64> {
    results(html).into_iter().map(|(_, id)| id).collect()
}

fn id_set(ids: &[i64]) -> BTreeSet<i64> {
    ids.iter().copied().collect()
}

/// The "N posts found." line.
fn count_line(html: &str) -> String {
    between(html, "<p role=\"status\">", "</p>")
        .unwrap_or("(no count line)")
        .to_owned()
}

/// The problem shown instead of results, if any.
fn problem(html: &str) -> Option<String> {
    between(html, "<p class=\"form-error\" role=\"alert\">", "</p>").map(str::to_owned)
}

fn on_postgres() -> bool {
    std::env::var("MADANG_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty())
}

// ---------------------------------------------------------------------------------------
// 1. Relevance
// ---------------------------------------------------------------------------------------

/// The corpus: (key, title, body). Short NGO posts in Korean, English and both, written so
/// that each query below has one clear answer. Posts are dated one day apart, in order.
const CORPUS: &[(&str, &str, &str)] = &[
    (
        "nkhr30",
        "북한인권시민연합 창립 30주년 기념 세미나",
        "1996년 창립한 북한인권시민연합이 30주년을 맞아 서울에서 세미나를 열었습니다. 세미나에는 시민 200여 명이 참석했습니다.",
    ),
    (
        "coi-ko",
        "유엔 북한인권 조사위원회 보고서 발표 10년",
        "2014년에 유엔 조사위원회(COI)는 북한의 인권 침해가 반인도범죄에 해당한다고 결론지었다.",
    ),
    (
        "coi-en",
        "Ten years after the UN Commission of Inquiry",
        "The Commission of Inquiry on Human Rights in the DPRK found crimes against humanity in 2014. Its report still guides our advocacy.",
    ),
    (
        "forced-ko",
        "중국 정부는 탈북민 강제북송을 즉각 중단하라",
        "중국 정부가 탈북민 600여 명을 강제북송했다는 소식에 깊은 우려를 표합니다. 강제북송된 탈북민들은 고문과 처벌을 받을 위험이 큽니다.",
    ),
    (
        "forced-en",
        "Stop forced repatriation of refugees",
        "Forced repatriation must stop. China repatriated about 600 North Koreans in October, and refugees returned to North Korea face torture.",
    ),
    (
        "nine-refugees",
        "NKHR and APRRN call upon China",
        "We urge China to stop the repatriation of nine refugees detained in Shenyang.",
    ),
    (
        "youth-camp",
        "탈북 청소년 인권 캠프 참가자 모집",
        "탈북 청소년을 위한 여름 인권 캠프에 참가할 학생을 모집합니다.",
    ),
    (
        "flower",
        "꽃 한 송이의 위로",
        "봄꽃 전시회에 초대합니다. 탈북민 작가들의 그림도 함께 전시됩니다.",
    ),
    (
        "law",
        "국회 북한인권법 통과 10년",
        "2016년 제정된 법은 아직도 온전히 시행되지 않고 있다.",
    ),
    (
        "prison-ko",
        "북한의 정치범수용소 실태 보고서",
        "정치범 수용소에 갇혔던 사람들의 증언을 모았습니다.",
    ),
    (
        "prison-en",
        "Political prison camps in North Korea",
        "Testimonies of former prisoners describe forced labour and hunger.",
    ),
    (
        "mixed-seminar",
        "NKHR 국제 토론회: Accountability for North Korea",
        "Speakers from the UN and Korean NGOs discussed accountability. 국제 세미나에는 유엔 특별보고관도 참석했습니다.",
    ),
    (
        "defectors-statement",
        "Statement on returning defectors",
        "Repatriation of defectors violates the principle of non-refoulement.",
    ),
    (
        "defector-education",
        "Human rights education for young defectors",
        "A human-rights workshop for young defectors resettled in Seoul.",
    ),
    (
        "settlement",
        "정착 지원 프로그램 안내",
        "하나원을 수료한 탈북민과 북한이탈주민의 정착을 돕는 프로그램입니다.",
    ),
    (
        "rapporteur",
        "UN Special Rapporteur visits Seoul",
        "The Special Rapporteur on the situation of human rights in the DPRK met survivors and NGOs in Seoul.",
    ),
    (
        "abductees",
        "납북자 가족의 기다림",
        "한국전쟁 납북자와 전후 납북자 가족들이 진상 규명을 요구했다.",
    ),
    (
        "separated",
        "이산가족 상봉을 촉구합니다",
        "고령의 이산가족에게 남은 시간이 많지 않습니다.",
    ),
    (
        "food",
        "Food crisis in North Korea",
        "Reports of hunger and food shortages in the provinces continue.",
    ),
    (
        "women-ko",
        "탈북 여성 인신매매 피해 증언",
        "중국에서 인신매매 피해를 입은 탈북 여성들의 증언을 기록했습니다.",
    ),
    (
        "women-en",
        "Trafficking of North Korean women in China",
        "Women who fled North Korea are sold as brides. Trafficking survivors need protection.",
    ),
    (
        "volunteers",
        "자원봉사자 모집",
        "번역 자원봉사자를 모집합니다. 영어와 한국어가 가능한 분을 환영합니다.",
    ),
    (
        "newsletter",
        "Newsletter: March 2024",
        "In this issue: our seminar in Geneva, a new report on detention, and volunteer news.",
    ),
    (
        "geneva-ko",
        "제네바 유엔 인권이사회 참석",
        "유엔 인권이사회 제55차 회기에서 북한 인권 상황에 대해 발언했습니다.",
    ),
    (
        "detention",
        "Arbitrary detention and torture",
        "Former detainees describe torture in pre-trial detention centres.",
    ),
    (
        "book",
        "신간 안내: 북한인권 이야기",
        "청소년을 위한 북한인권 입문서가 출간되었습니다.",
    ),
    (
        "ngo-training",
        "NGO 활동가 교육 프로그램",
        "북한인권NGO 활동가를 위한 역량 강화 교육입니다.",
    ),
    (
        "report-2015",
        "2015년 활동 보고",
        "2015년에 우리는 열두 번의 세미나를 열었습니다.",
    ),
    (
        "campaign",
        "강제송환 반대 캠페인 Campaign against forced repatriation",
        "서명 10,000명을 모아 중국 대사관에 전달했습니다.",
    ),
    (
        "justice",
        "Seminar on transitional justice",
        "Join our seminar on accountability and transitional justice for North Korea.",
    ),
    (
        "rights-day",
        "세계 인권의 날, 인권을 생각합니다",
        "12월 10일 세계 인권의 날을 맞아 인권 성명을 발표합니다.",
    ),
    (
        "refoulement",
        "China must respect non-refoulement",
        "China is a party to the Refugee Convention.",
    ),
    (
        "interview",
        "김 대표 인터뷰",
        "김 대표는 30년 동안 북한 인권 운동에 헌신했습니다.",
    ),
    (
        "peace-camp",
        "평화 캠프",
        "가족과 함께하는 주말 행사입니다.",
    ),
    (
        "summer-event",
        "여름 행사 안내",
        "올해 여름에는 캠프 대신 강연회를 엽니다. 많은 참여 바랍니다.",
    ),
    (
        "geneva-briefing",
        "Geneva briefing",
        "A short note for members.",
    ),
];

/// One relevance query: what it should find, exactly, and which post should come first
/// (`None` only where two posts match equally well and either may lead).
struct Case {
    query: &'static str,
    field: SearchField,
    top: Option<&'static str>,
    expected: &'static [&'static str],
}

const fn case(
    query: &'static str,
    top: Option<&'static str>,
    expected: &'static [&'static str],
) -> Case {
    Case {
        query,
        field: SearchField::TitleAndBody,
        top,
        expected,
    }
}

const fn in_field(
    field: SearchField,
    query: &'static str,
    top: Option<&'static str>,
    expected: &'static [&'static str],
) -> Case {
    Case {
        query,
        field,
        top,
        expected,
    }
}

const INGWON: &[&str] = &[
    "nkhr30",
    "coi-ko",
    "youth-camp",
    "law",
    "geneva-ko",
    "book",
    "ngo-training",
    "rights-day",
    "interview",
];
const BUKHAN: &[&str] = &[
    "nkhr30",
    "coi-ko",
    "law",
    "prison-ko",
    "settlement",
    "geneva-ko",
    "book",
    "ngo-training",
    "interview",
];
const TALBUKMIN: &[&str] = &["forced-ko", "flower", "settlement"];
const REPATRIATION: &[&str] = &[
    "forced-en",
    "nine-refugees",
    "defectors-statement",
    "campaign",
];
const NGO: &[&str] = &["mixed-seminar", "rapporteur", "ngo-training"];

/// Decomposed jamo for 탈북민 (ᄐ ᅡ ᆯ ᄇ ᅮ ᆨ ᄆ ᅵ ᆫ), as some Mac input produces.
const TALBUKMIN_JAMO: &str =
    "\u{1110}\u{1161}\u{11AF}\u{1107}\u{116E}\u{11A8}\u{1106}\u{1175}\u{11AB}";

const CASES: &[Case] = &[
    // Korean inside compounds, particles, one-syllable words.
    case("인권", Some("rights-day"), INGWON),
    case("인권을", Some("rights-day"), INGWON),
    case(
        "북한인권",
        Some("book"),
        &["nkhr30", "coi-ko", "law", "book", "ngo-training"],
    ),
    case("북한인권시민연합", Some("nkhr30"), &["nkhr30"]),
    case("북한의", None, BUKHAN),
    case("탈북민", Some("forced-ko"), TALBUKMIN),
    case(TALBUKMIN_JAMO, Some("forced-ko"), TALBUKMIN),
    case(
        "탈북",
        None,
        &[
            "forced-ko",
            "youth-camp",
            "flower",
            "settlement",
            "women-ko",
        ],
    ),
    case("강제북송", Some("forced-ko"), &["forced-ko"]),
    case("강제북송을", Some("forced-ko"), &["forced-ko"]),
    case("북송", Some("forced-ko"), &["forced-ko"]),
    case("송환", Some("campaign"), &["campaign"]),
    case("정치범수용소를", Some("prison-ko"), &["prison-ko"]),
    case("수용소", Some("prison-ko"), &["prison-ko"]),
    case("이산가족에게", Some("separated"), &["separated"]),
    case("납북자", Some("abductees"), &["abductees"]),
    case("가족", None, &["abductees", "separated", "peace-camp"]),
    case("하나원", Some("settlement"), &["settlement"]),
    case("정착을", Some("settlement"), &["settlement"]),
    case("여성들의", Some("women-ko"), &["women-ko"]),
    case("자원봉사자를", Some("volunteers"), &["volunteers"]),
    case("제네바", Some("geneva-ko"), &["geneva-ko"]),
    case("꽃", Some("flower"), &["flower"]),
    case("법", Some("law"), &["law"]),
    case("김", Some("interview"), &["interview"]),
    case("날", Some("rights-day"), &["rights-day"]),
    case(
        "세미나",
        Some("nkhr30"),
        &["nkhr30", "mixed-seminar", "report-2015"],
    ),
    case("2015년", Some("report-2015"), &["report-2015"]),
    case("2014년", Some("coi-ko"), &["coi-ko"]),
    case("2014년에", Some("coi-ko"), &["coi-ko"]),
    case("30주년", Some("nkhr30"), &["nkhr30"]),
    case("12월", Some("rights-day"), &["rights-day"]),
    // Phrases in quotes: matched as written, spacing included.
    case("\"북한 인권\"", None, &["geneva-ko", "interview"]),
    case("\"꽃 한 송이\"", Some("flower"), &["flower"]),
    case(
        "\"forced repatriation\"",
        Some("forced-en"),
        &["forced-en", "campaign"],
    ),
    case("\"rights human\"", None, &[]),
    // A phrase never runs from the end of a title into the start of the body.
    case("\"China we urge\"", None, &[]),
    // English: case, stemming, acronyms, hyphens.
    case("repatriation", Some("forced-en"), REPATRIATION),
    case("repatriated", Some("forced-en"), REPATRIATION),
    case("Repatriations", Some("forced-en"), REPATRIATION),
    case(
        "refugee",
        Some("forced-en"),
        &["forced-en", "nine-refugees", "refoulement"],
    ),
    case("seminars", Some("justice"), &["newsletter", "justice"]),
    case(
        "human-rights",
        Some("defector-education"),
        &["coi-en", "defector-education", "rapporteur"],
    ),
    case(
        "non-refoulement",
        Some("refoulement"),
        &["defectors-statement", "refoulement"],
    ),
    case("UN Commission of Inquiry", Some("coi-en"), &["coi-en"]),
    case("COI", Some("coi-ko"), &["coi-ko"]),
    case("NGO", Some("ngo-training"), NGO),
    case("ＮＧＯｓ", Some("ngo-training"), NGO),
    case("북한인권NGO", Some("ngo-training"), &["ngo-training"]),
    case("prison camps", Some("prison-en"), &["prison-en"]),
    case("trafficking", Some("women-en"), &["women-en"]),
    case("women China", Some("women-en"), &["women-en"]),
    case("torture", Some("detention"), &["forced-en", "detention"]),
    case("detention", Some("detention"), &["newsletter", "detention"]),
    case(
        "Seoul",
        Some("rapporteur"),
        &["defector-education", "rapporteur"],
    ),
    case("volunteer", Some("newsletter"), &["newsletter"]),
    case(
        "accountability",
        Some("mixed-seminar"),
        &["mixed-seminar", "justice"],
    ),
    case(
        "north korea",
        None,
        &[
            "forced-en",
            "prison-en",
            "mixed-seminar",
            "food",
            "women-en",
            "justice",
        ],
    ),
    // Mixed Korean/English queries.
    case(
        "세미나 accountability",
        Some("mixed-seminar"),
        &["mixed-seminar"],
    ),
    case("NKHR 세미나", Some("mixed-seminar"), &["mixed-seminar"]),
    case("강제송환 campaign", Some("campaign"), &["campaign"]),
    // Exclusions and OR.
    case(
        "repatriation -china",
        Some("campaign"),
        &["defectors-statement", "campaign"],
    ),
    case(
        "북한 -인권",
        Some("prison-ko"),
        &["prison-ko", "settlement"],
    ),
    case(
        "탈북 -청소년",
        None,
        &["forced-ko", "flower", "settlement", "women-ko"],
    ),
    case(
        "북한 인권",
        None,
        &[
            "nkhr30",
            "coi-ko",
            "law",
            "geneva-ko",
            "book",
            "ngo-training",
            "interview",
        ],
    ),
    case(
        "탈북 OR defector",
        None,
        &[
            "forced-ko",
            "youth-camp",
            "flower",
            "settlement",
            "women-ko",
            "defectors-statement",
            "defector-education",
        ],
    ),
    case("food OR hunger", Some("food"), &["food", "prison-en"]),
    // Titles weigh more than bodies; the field filter looks in one only.
    case(
        "Geneva",
        Some("geneva-briefing"),
        &["newsletter", "geneva-briefing"],
    ),
    case("캠프", None, &["youth-camp", "peace-camp", "summer-event"]),
    in_field(
        SearchField::Title,
        "캠프",
        None,
        &["youth-camp", "peace-camp"],
    ),
    in_field(
        SearchField::Body,
        "캠프",
        None,
        &["youth-camp", "summer-event"],
    ),
    in_field(
        SearchField::Title,
        "repatriation",
        None,
        &["forced-en", "campaign"],
    ),
    // "Look in: title" applies to every word typed, the left-out ones too.
    in_field(
        SearchField::Title,
        "repatriation -china",
        None,
        &["forced-en", "campaign"],
    ),
    in_field(
        SearchField::Body,
        "China",
        Some("refoulement"),
        &["forced-en", "nine-refugees", "refoulement"],
    ),
];

#[tokio::test]
async fn relevance_set_finds_the_expected_posts_first() {
    let site = TestSite::empty().await;
    let library = board(&site, NewBoard::new("library", "Library", None)).await;
    let mut key_of: HashMap<i64, &str> = HashMap::new();
    let start: Timestamp = "2024-01-01T03:00:00Z".parse().unwrap();
    for (i, (key, title, body)) in CORPUS.iter().enumerate() {
        let at = start + jiff::SignedDuration::from_hours(24 * i as i64);
        let mut new = post(title, body, "staff", "2024-01-01T00:00:00Z");
        new.published_at = at;
        key_of.insert(add(&site, library, &new).await, key);
    }
    assert_eq!(key_of.len(), CORPUS.len());
    assert!(CASES.len() >= 40, "the set has {} queries", CASES.len());

    let engine = if on_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let mut failures: Vec<String> = Vec::new();
    for case in CASES {
        let query = parse_query(case.query)
            .unwrap_or_else(|e| panic!("{:?} does not parse: {e}", case.query));
        let request = SearchRequest {
            field: case.field,
            page_size: 100,
            ..SearchRequest::new(&query, Timestamp::now())
        };
        let found = site.store().search(&request).await.unwrap();
        let got: Vec<&str> = found.hits.iter().map(|h| key_of[&h.post_id]).collect();
        let got_set: BTreeSet<&str> = got.iter().copied().collect();
        let want_set: BTreeSet<&str> = case.expected.iter().copied().collect();
        assert_eq!(
            want_set.len(),
            case.expected.len(),
            "{:?} lists a post twice",
            case.query
        );
        let mut problems: Vec<String> = Vec::new();
        let missing: Vec<&&str> = want_set.difference(&got_set).collect();
        let extra: Vec<&&str> = got_set.difference(&want_set).collect();
        if !missing.is_empty() {
            problems.push(format!("missing {missing:?}"));
        }
        if !extra.is_empty() {
            problems.push(format!("unexpected {extra:?}"));
        }
        if found.total != got.len() as i64 {
            problems.push(format!("count {} for {} hits", found.total, got.len()));
        }
        if let Some(top) = case.top
            && got.first() != Some(&top)
        {
            problems.push(format!("top should be {top:?}"));
        }
        let field = match case.field {
            SearchField::TitleAndBody => "",
            SearchField::Title => " [title]",
            SearchField::Body => " [body]",
            SearchField::Comments => " [comments]",
        };
        let label = format!("{:?}{field}", case.query);
        if !problems.is_empty() {
            failures.push(format!("{label}: {} (got {got:?})", problems.join("; ")));
        }
    }
    println!(
        "relevance on {engine}: {} queries, {} as expected",
        CASES.len(),
        CASES.len() - failures.len(),
    );
    site.finish().await;
    assert!(
        failures.is_empty(),
        "relevance on {engine}:\n{} of {} queries failed:\n  {}",
        failures.len(),
        CASES.len(),
        failures.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------
// 2. Permissions
// ---------------------------------------------------------------------------------------

/// The posts of the permission test: one word (압록강) in all of them, and in each hidden
/// one a word of its own, so a leak shows in the results, the snippets or the count.
struct Hidden {
    visible: [i64; 2],
    secret: i64,
    read_restricted: i64,
    list_restricted: i64,
}

async fn permission_site() -> (TestSite, Hidden) {
    let site = TestSite::empty().await;
    let news = board(&site, NewBoard::new("news", "News", None)).await;
    let staff_only = board(
        &site,
        NewBoard {
            levels: BoardLevels {
                read: Level::new(5).unwrap(),
                ..BoardLevels::default()
            },
            ..NewBoard::new("staffonly", "Staff only", None)
        },
    )
    .await;
    let unlisted = board(
        &site,
        NewBoard {
            levels: BoardLevels {
                list: Level::new(5).unwrap(),
                ..BoardLevels::default()
            },
            ..NewBoard::new("unlisted", "Unlisted", None)
        },
    )
    .await;
    let at = "2024-05-01T03:00:00Z";
    let first = add(
        &site,
        news,
        &post("압록강 답사 보고", "Yalu river field notes.", "staff", at),
    )
    .await;
    let second = add(
        &site,
        news,
        &post(
            "Crossing testimony",
            "압록강을 건넌 증언입니다.",
            "staff",
            at,
        ),
    )
    .await;
    let mut secret = post("압록강 비밀글", "secretalpha 연락처", "staff", at);
    secret.secret = true;
    let secret = add(&site, news, &secret).await;
    let read_restricted = add(
        &site,
        staff_only,
        &post("압록강 staffbeta", "내부 회의록", "staff", at),
    )
    .await;
    let list_restricted = add(
        &site,
        unlisted,
        &post("압록강 listgamma", "목록 비공개", "staff", at),
    )
    .await;
    add(
        &site,
        news,
        &post(
            "압록강 futuredelta",
            "예약된 성명",
            "staff",
            "2999-01-01T00:00:00Z",
        ),
    )
    .await;
    let deleted = add(
        &site,
        news,
        &post("압록강 deletedepsilon", "삭제된 글", "staff", at),
    )
    .await;
    site.store()
        .delete_post(
            deleted,
            ActorRef {
                id: None,
                name: "test",
                ip: "",
            },
            Timestamp::now(),
        )
        .await
        .unwrap();
    let hidden = Hidden {
        visible: [first, second],
        secret,
        read_restricted,
        list_restricted,
    };
    (site, hidden)
}

/// The words only hidden posts hold, and whether a super administrator may see each.
const HIDDEN_WORDS: &[(&str, bool)] = &[
    ("secretalpha", false),
    ("비밀글", false),
    ("staffbeta", true),
    ("listgamma", true),
    ("futuredelta", false),
    ("deletedepsilon", false),
];

async fn search_page(site: &TestSite, cookie: Option<&str>, params: Params<'_>) -> String {
    let url = search_url(params);
    let page = match cookie {
        Some(cookie) => site.get_as(&url, cookie).await,
        None => site.get(&url).await,
    };
    assert_eq!(page.status, 200, "{url}");
    page.text()
}

#[tokio::test]
async fn readers_never_find_what_they_may_not_read() {
    let (site, hidden) = permission_site().await;
    let visible = id_set(&hidden.visible);

    // Anonymous: the two public posts, counted as two, and nothing of the others.
    let html = search_page(&site, None, &[("q", "압록강")]).await;
    assert_eq!(count_line(&html), "2 posts found.");
    assert_eq!(id_set(&result_ids(&html)), visible);
    assert!(results(&html).iter().all(|(board, _)| board == "news"));
    for (word, _) in HIDDEN_WORDS {
        assert!(!html.contains(word), "anonymous results show {word}");
    }
    for (word, _) in HIDDEN_WORDS {
        let html = search_page(&site, None, &[("q", word)]).await;
        assert_eq!(
            count_line(&html),
            "Nothing was found. Try fewer or shorter words.",
            "anonymous search for {word}"
        );
        assert!(results(&html).is_empty(), "{word}");
    }
    // Naming a board the reader may not read does not open it.
    for board in ["staffonly", "unlisted"] {
        let html = search_page(&site, None, &[("q", "압록강"), ("board", board)]).await;
        let ids = id_set(&result_ids(&html));
        assert!(ids.is_subset(&visible), "board={board}: {ids:?}");
        assert!(!html.contains("staffbeta") && !html.contains("listgamma"));
    }
    // Nor does a level-2 member see more than a guest.
    site.member("reader", 2, false).await;
    let reader = site.login("reader").await;
    let html = search_page(&site, Some(&reader.cookie), &[("q", "압록강")]).await;
    assert_eq!(count_line(&html), "2 posts found.");
    assert_eq!(id_set(&result_ids(&html)), visible);

    // A level-5 member reads both restricted boards, but never the secret, scheduled or
    // deleted posts.
    site.member("staffer", 5, false).await;
    let staffer = site.login("staffer").await;
    let mut readable = visible.clone();
    readable.extend([hidden.read_restricted, hidden.list_restricted]);
    let html = search_page(&site, Some(&staffer.cookie), &[("q", "압록강")]).await;
    assert_eq!(count_line(&html), "4 posts found.");
    assert_eq!(id_set(&result_ids(&html)), readable);

    // The super administrator too: the restricted boards yes, the rest no.
    site.member("boss", 10, true).await;
    let boss: Browser = site.login("boss").await;
    let html = search_page(&site, Some(&boss.cookie), &[("q", "압록강")]).await;
    assert_eq!(count_line(&html), "4 posts found.");
    assert_eq!(id_set(&result_ids(&html)), readable);
    assert!(!result_ids(&html).contains(&hidden.secret));
    for (word, admin_sees) in HIDDEN_WORDS {
        let html = search_page(&site, Some(&boss.cookie), &[("q", word)]).await;
        let expected = if *admin_sees {
            "One post found."
        } else {
            "Nothing was found. Try fewer or shorter words."
        };
        assert_eq!(count_line(&html), expected, "super administrator, {word}");
    }
    site.finish().await;
}

// ---------------------------------------------------------------------------------------
// 3. Filters, order and pages
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn filters_narrow_the_results_exactly() {
    let site = TestSite::empty().await;
    let news = board(&site, NewBoard::new("news", "News", None)).await;
    let events = board(&site, NewBoard::new("events", "Events", None)).await;
    // Dates are shown and filtered in the site's zone, Asia/Seoul (UTC+9).
    let f1 = add(
        &site,
        news,
        &post(
            "청문회 일정 안내",
            "국회 청문회가 열립니다.",
            "김민지",
            "2024-03-01T03:00:00Z", // 1 March, 12:00 in Seoul
        ),
    )
    .await;
    let f2 = add(
        &site,
        news,
        &post(
            "Hearing notes",
            "청문회 결과를 정리했습니다.",
            "Park",
            "2024-03-05T15:30:00Z", // 6 March, 00:30 in Seoul
        ),
    )
    .await;
    let f3 = add(
        &site,
        events,
        &post(
            "청문회 참관 모집",
            "함께 참관할 분을 찾습니다.",
            "김민지",
            "2024-03-10T03:00:00Z",
        ),
    )
    .await;
    let f4 = add(
        &site,
        events,
        &post(
            "공청회 안내",
            "청문회와 공청회의 차이를 설명합니다.",
            "Park",
            "2024-02-20T03:00:00Z",
        ),
    )
    .await;
    add(
        &site,
        news,
        &post(
            "Unrelated",
            "다른 이야기입니다.",
            "Park",
            "2024-03-03T03:00:00Z",
        ),
    )
    .await;

    let cases: &[(Params, &[i64])] = &[
        (&[], &[f1, f2, f3, f4]),
        (&[("field", "title")], &[f1, f3]),
        (&[("field", "body")], &[f1, f2, f4]),
        (&[("board", "news")], &[f1, f2]),
        (&[("board", "events")], &[f3, f4]),
        (&[("author", "Park")], &[f2, f4]),
        (&[("author", "김민지")], &[f1, f3]),
        (&[("from", "2024-03-06")], &[f2, f3]),
        (&[("to", "2024-03-05")], &[f1, f4]),
        (&[("from", "2024-03-01"), ("to", "2024-03-05")], &[f1]),
        (&[("from", "2024-03-06"), ("to", "2024-03-06")], &[f2]),
        (&[("from", "2024-03-11")], &[]),
        (
            &[("board", "events"), ("author", "Park"), ("field", "body")],
            &[f4],
        ),
        (&[("board", "news"), ("field", "title")], &[f1]),
    ];
    let mut failures = Vec::new();
    for (filters, expected) in cases {
        let mut params = vec![("q", "청문회")];
        params.extend_from_slice(filters);
        let html = search_page(&site, None, &params).await;
        let got = result_ids(&html);
        let count = count_line(&html);
        let want_count = match expected.len() {
            0 => "Nothing was found. Try fewer or shorter words.".to_owned(),
            1 => "One post found.".to_owned(),
            n => format!("{n} posts found."),
        };
        if id_set(&got) != id_set(expected) || got.len() != expected.len() || count != want_count {
            failures.push(format!(
                "{filters:?}: expected {expected:?} ({want_count}), got {got:?} ({count})"
            ));
        }
    }
    assert!(failures.is_empty(), "filters:\n  {}", failures.join("\n  "));

    // The form keeps what was chosen.
    let html = search_page(
        &site,
        None,
        &[
            ("q", "청문회"),
            ("field", "title"),
            ("board", "events"),
            ("sort", "newest"),
        ],
    )
    .await;
    assert!(html.contains("<option value=\"title\" selected>"));
    assert!(html.contains("<option value=\"events\" selected>"));
    assert!(html.contains("<option value=\"newest\" selected>"));

    // Newest first: by publication date, whatever the match.
    let html = search_page(&site, None, &[("q", "청문회"), ("sort", "newest")]).await;
    assert_eq!(result_ids(&html), [f3, f2, f1, f4]);
    let html = search_page(
        &site,
        None,
        &[("q", "청문회"), ("sort", "newest"), ("board", "news")],
    )
    .await;
    assert_eq!(result_ids(&html), [f2, f1]);
    site.finish().await;
}

#[tokio::test]
async fn results_come_twenty_to_a_page() {
    let site = TestSite::empty().await;
    let archive = board(&site, NewBoard::new("archive", "Archive", None)).await;
    let start: Timestamp = "2023-01-01T03:00:00Z".parse().unwrap();
    let mut oldest_first = Vec::new();
    for i in 0..25 {
        let mut new = post(
            &format!("자료 {i}"),
            &format!("기록 보관 archive item {i}"),
            "staff",
            "2023-01-01T00:00:00Z",
        );
        new.published_at = start + jiff::SignedDuration::from_hours(24 * i);
        oldest_first.push(add(&site, archive, &new).await);
    }
    add(
        &site,
        archive,
        &post("다른 글", "nothing to see", "staff", "2023-06-01T00:00:00Z"),
    )
    .await;
    let newest_first: Vec<i64> = oldest_first.iter().rev().copied().collect();

    let first = search_page(&site, None, &[("q", "archive"), ("sort", "newest")]).await;
    assert_eq!(count_line(&first), "25 posts found.");
    assert_eq!(result_ids(&first), newest_first[..20]);
    assert!(first.contains("href=\"/search?q=archive&amp;sort=newest&amp;page=2\" rel=\"next\""));
    assert!(!first.contains("rel=\"prev\""));
    let second = search_page(
        &site,
        None,
        &[("q", "archive"), ("sort", "newest"), ("page", "2")],
    )
    .await;
    assert_eq!(count_line(&second), "25 posts found.");
    assert_eq!(result_ids(&second), newest_first[20..]);
    assert!(second.contains("href=\"/search?q=archive&amp;sort=newest&amp;page=1\" rel=\"prev\""));
    assert!(!second.contains("rel=\"next\""));

    // Ranked, the two pages still split the 25 between them, each post once.
    let first = result_ids(&search_page(&site, None, &[("q", "archive")]).await);
    let second = result_ids(&search_page(&site, None, &[("q", "archive"), ("page", "2")]).await);
    assert_eq!((first.len(), second.len()), (20, 5));
    let mut all: Vec<i64> = first.iter().chain(&second).copied().collect();
    all.sort_unstable();
    assert_eq!(all, oldest_first);

    // Past the end: an empty page, not an error.
    let third = search_page(&site, None, &[("q", "archive"), ("page", "3")]).await;
    assert!(result_ids(&third).is_empty());
    site.finish().await;
}

// ---------------------------------------------------------------------------------------
// 4. Helpful pages and escaped snippets
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn odd_searches_get_a_helpful_page() {
    let site = TestSite::empty().await;
    let news = board(&site, NewBoard::new("news", "News", None)).await;
    add(
        &site,
        news,
        &post(
            "북한인권 소식",
            "북한인권 단체 소식입니다.",
            "staff",
            "2024-01-01T03:00:00Z",
        ),
    )
    .await;

    // No query: the form, with no error and no count.
    for path in ["/search", "/search?q=", "/search?q=+++", "/ko/search"] {
        let page = site.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        let html = page.text();
        assert!(html.contains("role=\"search\""), "{path} shows the form");
        assert_eq!(problem(&html), None, "{path}");
        assert!(
            !html.contains("<p role=\"status\">"),
            "{path} shows no count"
        );
    }

    // 257 characters; Latin letters, so the address stays under the 2 KB limit.
    let long = "ab ".repeat(85) + "cd";
    let just_fits = "ab ".repeat(85) + "c";
    assert_eq!(
        (long.chars().count(), just_fits.chars().count()),
        (257, 256)
    );
    let cases: &[(Params, &str)] = &[
        (
            &[("q", &long)],
            "This search is too long: a search can be at most 256 characters long; this one has 257.",
        ),
        (
            &[("q", "\"forced repatriation")],
            "A quotation mark is not closed: put a phrase between two \" marks.",
        ),
        (
            &[("q", "-중국")],
            "Add a word to find: a search cannot only leave words out (-word).",
        ),
        (
            &[("q", "-중국 -\"labour camp\"")],
            "Add a word to find: a search cannot only leave words out (-word).",
        ),
        (
            &[("q", "북한 OR")],
            "OR must stand between two words or phrases, as in: 탈북 OR defector.",
        ),
        (
            &[("q", "!!! :)")],
            "A search needs at least one word made of letters or numbers.",
        ),
        (
            &[("q", "북한인권"), ("from", "2024-13-01")],
            "Dates must be written as YYYY-MM-DD, for example 2015-12-01.",
        ),
        (
            &[("q", "북한인권"), ("to", "yesterday")],
            "Dates must be written as YYYY-MM-DD, for example 2015-12-01.",
        ),
    ];
    for (params, message) in cases {
        let url = search_url(params);
        let page = site.get(&url).await;
        assert_eq!(page.status, 200, "{url}");
        let html = page.text();
        // The message is HTML-escaped like any text.
        let escaped = message.replace('"', "&quot;");
        assert_eq!(problem(&html).as_deref(), Some(escaped.as_str()), "{url}");
        assert!(html.contains("role=\"search\""), "{url} keeps the form");
        assert!(results(&html).is_empty(), "{url}");
    }
    let html = search_page(&site, None, &[("q", &just_fits)]).await;
    assert_eq!(problem(&html), None, "256 characters are allowed");

    // A Korean query is 9 bytes a syllable once percent-encoded: 256 syllables still reach
    // the search page (2.3 KB of address), and 257 get the "too long" message, not a 414.
    for (syllables, message) in [
        (256, None),
        (
            257,
            Some(
                "This search is too long: a search can be at most 256 characters long; this one has 257.",
            ),
        ),
    ] {
        let url = search_url(&[("q", &"가".repeat(syllables))]);
        let page = site.get(&url).await;
        assert_eq!(page.status, 200, "{syllables} syllables");
        assert_eq!(
            problem(&page.text()).as_deref(),
            message,
            "{syllables} syllables"
        );
    }
    // The Korean site explains in Korean.
    let page = site
        .get(&format!("/ko{}", search_url(&[("q", "-중국")])))
        .await;
    assert_eq!(page.status, 200);
    assert_eq!(
        problem(&page.text()).as_deref(),
        Some("찾을 말을 넣으세요. 빼는 말(-단어)만으로는 검색할 수 없습니다.")
    );

    // A bad page number is a 400 page, as on board lists.
    for page in ["abc", "0", "-1", "99999999999"] {
        let url = search_url(&[("q", "북한인권"), ("page", page)]);
        let response = site.get(&url).await;
        assert_eq!(response.status, 400, "{url}");
        assert!(
            response
                .text()
                .contains("the page number must be a whole number from 1 upwards"),
            "{url}"
        );
    }
    site.finish().await;
}

#[tokio::test]
async fn snippets_are_escaped_and_marked() {
    let site = TestSite::empty().await;
    let news = board(&site, NewBoard::new("news", "News", None)).await;
    let id = add(
        &site,
        news,
        &post(
            "<b>굵은</b> 보고서",
            "<script>alert(1)</script> 북한인권시민연합은 repatriated 난민 사례를 다룹니다. <img src=x onerror=alert(2)>",
            "staff",
            "2024-01-01T03:00:00Z",
        ),
    )
    .await;

    let html = search_page(&site, None, &[("q", "인권")]).await;
    assert_eq!(result_ids(&html), [id]);
    assert!(
        !html.contains("<script"),
        "a script tag got through: {html}"
    );
    assert!(!html.contains("<img"), "an img tag got through");
    assert!(!html.contains("<b>"), "the title is escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;b&gt;굵은&lt;/b&gt; 보고서"));
    assert!(html.contains("북한<mark>인권</mark>시민연합은"));

    let html = search_page(&site, None, &[("q", "repatriation")]).await;
    assert!(
        html.contains("<mark>repatriated</mark>"),
        "stemmed match is marked"
    );
    let html = search_page(&site, None, &[("q", "북한인권시민연합의 script")]).await;
    assert_eq!(result_ids(&html), [id]);
    assert!(html.contains("<mark>북한인권시민연합</mark>은"));
    assert!(html.contains("&lt;<mark>script</mark>&gt;"));
    assert!(!html.contains("<script"));

    // What the reader typed is echoed escaped too.
    let typed = "<img src=x onerror=alert(3)> 인권";
    let html = search_page(&site, None, &[("q", typed)]).await;
    assert!(!html.contains("<img"), "the query is escaped");
    assert!(html.contains("&lt;img src=x onerror=alert(3)&gt; 인권"));
    site.finish().await;
}
