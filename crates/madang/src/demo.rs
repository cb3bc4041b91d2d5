//! The demo site: the seed page's site, built through the same Store and Files calls staff
//! use — the third post reaches its board through the real copy operation.

use anyhow::{Context, Result};
use jiff::Timestamp;
use madang_core::copy_line::{CopyLineLanguage, Transfer};
use madang_core::{Level, ListOrder, NewBoard, NewPost, PostBody};
use madang_files::Files;
use madang_store::{NewAttachment, NewMember, Store, TransferRequest};

/// The setting that records a finished demo install, so a second start adds nothing.
pub const DEMO_INSTALLED: &str = "demo_installed";

/// The demo's posts, kept as files beside this crate and embedded at build time.
const PILLAY_HTML: &str = include_str!("../demo/posts/1-pillay.html");
const SALZBURG_HTML: &str = include_str!("../demo/posts/2-salzburg.html");
const STATEMENT_HTML: &str = include_str!("../demo/posts/3-joint-statement.html");
/// The statement's Korean translation, linked to it as one translation group.
const STATEMENT_KO_HTML: &str = include_str!("../demo/posts/3-joint-statement.ko.html");
/// The Korean translation's title.
pub const STATEMENT_KO_TITLE: &str =
    "북한인권시민연합과 APRRN, 중국에 탈북 난민 9명의 강제송환 즉각 중단 촉구";

/// The site's name on the seed page.
pub const SITE_NAME: &str = "Citizens' Alliance for North Korean Human Rights (NKHR)";
/// The administrator's display name, as GnuBoard5 names its super administrator.
pub const ADMIN_NICKNAME: &str = "최고관리자";
/// The board the seed page shows.
pub const ADVOCACY: &str = "advocacy";
/// The news board the third post is copied from.
pub const NEWS: &str = "bbs_active_news";
/// The name of the demo's PDF attachment.
pub const PDF_NAME: &str = "UN_High_Commissioner_Pillay_statement_DPRK_2012-01-14.pdf";

/// What the install did, for the log.
#[derive(Debug)]
pub enum Installed {
    /// The demo was created; when it also created the administrator, the login and the
    /// password to show once.
    Created { new_admin: Option<(String, String)> },
    /// It was there already.
    AlreadyThere,
}

/// The statement PDF the first post's text mentions.
pub fn statement_pdf() -> Vec<u8> {
    crate::pdf::text_pdf(
        "Pillay urges stronger international attention to DPRK rights situation",
        &[
            "Geneva, 14 January 2012 - UN High Commissioner for Human Rights Navi Pillay",
            "said she had met two survivors of North Korea's political prison camps and",
            "found their personal stories extremely harrowing.",
            "",
            "She called for an independent commission of inquiry into crimes against",
            "humanity in the DPRK, and for clarity on the fate of the many South Koreans",
            "and Japanese abducted by the DPRK over the years.",
            "",
            "(Demonstration file created by Madang's example site.)",
        ],
    )
}

fn kst(text: &str) -> Result<Timestamp> {
    let zone =
        madang_core::time::zone(madang_core::time::DEFAULT_TIME_ZONE).context("time zone data")?;
    madang_core::time::parse_local(text, &zone).with_context(|| format!("demo date {text}"))
}

/// Creates the demo site unless it is there already.
pub async fn install(
    store: &Store,
    files: &Files,
    line_language: CopyLineLanguage,
) -> Result<Installed> {
    if store.setting(DEMO_INSTALLED).await?.is_some() {
        return Ok(Installed::AlreadyThere);
    }
    let now = Timestamp::now();
    store
        .set_setting(madang_web::SITE_NAME_SETTING, SITE_NAME)
        .await?;

    let mut password_bytes = [0u8; 12];
    rand::fill(&mut password_bytes);
    let admin_password = hex::encode(password_bytes);
    let mut new_admin = None;
    let admin = match store.member_by_login("admin").await? {
        Some(existing) => existing,
        None => {
            new_admin = Some(("admin".to_owned(), admin_password.clone()));
            let hash = madang_core::password::hash(&admin_password)?;
            let new = NewMember {
                login: "admin",
                nickname: ADMIN_NICKNAME,
                email: "",
                password_hash: &hash,
                level: Level::MAX,
                is_super_admin: true,
            };
            store.create_member(&new, now).await?
        }
    };

    let group = match store
        .groups()
        .await?
        .into_iter()
        .find(|g| g.slug == "our_work")
    {
        Some(g) => g,
        None => store.create_group("our_work", "Our Work").await?,
    };
    let mut advocacy = NewBoard::new(ADVOCACY, "Advocacy & Campaigns", Some(group.id));
    // The seed's board: titles cut at 40, whole bodies as excerpts, oldest first.
    advocacy.title_len = 40;
    advocacy.excerpt_len = 5000;
    advocacy.list_order = ListOrder::DateAsc;
    let boards = [
        advocacy,
        NewBoard::new("youth", "North Korean Youth Programs", Some(group.id)),
        NewBoard::new("education", "Public Education", Some(group.id)),
        NewBoard::new("rescue", "Refugee Rescue", Some(group.id)),
        NewBoard::new(NEWS, "News", None),
    ];
    for board in &boards {
        if store.board(&board.slug).await?.is_none() {
            store.create_board(board, now).await?;
        }
    }
    let advocacy = store.board(ADVOCACY).await?.context("advocacy board")?;
    let news = store.board(NEWS).await?.context("news board")?;

    if advocacy.post_count == 0 {
        let post = |title: &str, html: &str, at: Timestamp| NewPost {
            title: title.to_owned(),
            body: PostBody::Html(html.to_owned()),
            author_id: Some(admin.id),
            author_name: admin.nickname.clone(),
            lang: Some("en".into()),
            pinned: false,
            secret: false,
            published_at: at,
            links: Vec::new(),
        };
        let pillay_at = kst("2012-01-20 10:00:00")?;
        let pillay = store
            .create_post(
                advocacy.id,
                &post(
                    "NKHR Advocacy to Establish COI for DPRK",
                    PILLAY_HTML,
                    pillay_at,
                ),
                pillay_at,
            )
            .await?;
        let pdf = statement_pdf();
        let stored = files.put(bytes::Bytes::from(pdf.clone())).await?;
        let mime = madang_core::download::sniff_mime(&pdf, PDF_NAME);
        store
            .add_attachment(
                pillay,
                &NewAttachment {
                    name: PDF_NAME,
                    storage_key: &stored.key,
                    size: stored.size,
                    sha256: &stored.sha256,
                    mime,
                    caption: "Statement by the UN High Commissioner for Human Rights, 14 January 2012",
                },
                (Some(admin.id), &admin.nickname),
                pillay_at,
            )
            .await?;
        let salzburg_at = kst("2015-06-10 09:30:00")?;
        store
            .create_post(
                advocacy.id,
                &post(
                    "International Seminar on Responses to Crimes Against Humanity in North Korea",
                    SALZBURG_HTML,
                    salzburg_at,
                ),
                salzburg_at,
            )
            .await?;
        let statement_at = kst("2015-12-01 11:00:00")?;
        let statement = store
            .create_post(
                news.id,
                &post(
                    "NKHR and APRRN call upon China to immediately stop the forcible repatriation of nine North Korean refugees",
                    STATEMENT_HTML,
                    statement_at,
                ),
                statement_at,
            )
            .await?;
        // The Korean statement, published the same day, as the English one's translation:
        // the language switch on either leads to the other.
        let statement_ko = NewPost {
            lang: Some("ko".into()),
            ..post(STATEMENT_KO_TITLE, STATEMENT_KO_HTML, statement_at)
        };
        store
            .create_translation(news.id, &statement_ko, &[], statement, statement_at)
            .await?;
        let zone = madang_core::time::zone(madang_core::time::DEFAULT_TIME_ZONE)
            .context("time zone data")?;
        store
            .transfer_post(&TransferRequest {
                transfer: Transfer::Copy,
                post_id: statement,
                target_board_ids: &[advocacy.id],
                actor_id: Some(admin.id),
                actor_name: &admin.nickname,
                ip: "",
                at: kst("2015-12-08 15:47:51")?,
                line_language,
                zone: &zone,
            })
            .await?;
    }
    store.set_setting(DEMO_INSTALLED, "1").await?;
    Ok(Installed::Created { new_admin })
}
