//! Issue 3's staff flow in a real browser (headless Chromium, the vendored editor and its
//! script, no request forged by the test): a signed-in editor opens the write form, types
//! a title and a body into the rich-text editor, publishes, and finds the post with its
//! text; then writes its Korean translation from the post page's "Translate into Korean",
//! and the language switch leads from one to the other. Without Chromium the test says
//! SKIPPED (a failure under `CI`).

mod browser;
mod common;

use std::time::{Duration, Instant};

use browser::{Cdp, Chromium, Tab};
use common::TestSite;
use serde_json::Value;

/// Waits until the page's editor (Quill, loaded by a deferred script) is ready.
async fn editor_ready(tab: &Tab) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while tab.eval("!!document.querySelector('.ql-editor')").await != Ok(Value::Bool(true)) {
        assert!(Instant::now() < deadline, "the editor did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Fills the title, types the body into the editor and publishes; returns the new page.
async fn write_post(tab: &Tab, title: &str, body: &str) -> String {
    editor_ready(tab).await;
    tab.eval(&format!(
        "document.querySelector('#title').value = {}; document.querySelector('.ql-editor').focus()",
        serde_json::to_string(title).unwrap()
    ))
    .await
    .unwrap();
    tab.type_text(body).await;
    tab.navigate("document.querySelector('form.write-form').requestSubmit()")
        .await
}

async fn text_of(tab: &Tab, selector: &str) -> String {
    let script = format!(
        "(document.querySelector({}) || {{}}).innerText || ''",
        serde_json::to_string(selector).unwrap()
    );
    tab.eval(&script)
        .await
        .unwrap()
        .as_str()
        .unwrap_or("")
        .trim()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_writes_a_post_and_its_translation_in_the_browser() {
    let Some(binary) = browser::chromium_or_skip() else {
        return;
    };
    let site = TestSite::demo().await;
    site.member("editor", 10, true).await;
    let editor = site.login("editor").await;

    let (origin, server) = browser::serve(site.state.clone()).await;
    let chromium = Chromium::start(&binary);
    let cdp = Cdp::connect(&chromium.ws_url).await;
    let mut tab = cdp.tab().await;
    tab.set_cookie(&origin, &editor.cookie).await;

    // Written in the editor: the body typed there is what the post shows.
    tab.open(&format!("{origin}/b/advocacy/write"))
        .await
        .unwrap();
    let page = write_post(
        &tab,
        "Open letter on repatriation",
        "Typed in the editor: 강제송환 중단",
    )
    .await;
    let id: i64 = page
        .strip_prefix("/b/advocacy/")
        .unwrap_or_else(|| panic!("landed on {page}"))
        .parse()
        .unwrap();
    assert_eq!(
        text_of(&tab, "h1.post-title").await,
        "Open letter on repatriation"
    );
    assert_eq!(
        text_of(&tab, ".post-body").await,
        "Typed in the editor: 강제송환 중단"
    );
    let board = site.store().board("advocacy").await.unwrap().unwrap();
    let stored = site
        .store()
        .post(board.id, id, jiff::Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.body_html,
        "<p>Typed in the editor: 강제송환 중단</p>"
    );

    // Its Korean translation, from the post page's offer, in the Korean write form.
    let form = tab.navigate(
        "Array.from(document.querySelectorAll('.staff-tools a')).find(a => a.href.includes('translation_of')).click()",
    )
    .await;
    assert_eq!(form, format!("/ko/b/advocacy/write?translation_of={id}"));
    assert!(
        text_of(&tab, "p.note")
            .await
            .contains("Open letter on repatriation")
    );
    let korean = write_post(&tab, "강제송환에 관한 공개 서한", "편집기에서 쓴 번역").await;
    assert!(korean.starts_with("/ko/b/advocacy/"), "landed on {korean}");
    assert_eq!(
        tab.eval("document.documentElement.lang").await.unwrap(),
        "ko"
    );
    assert!(
        text_of(&tab, "nav.post-translations")
            .await
            .contains("Open letter on repatriation")
    );

    // The switch on the Korean post leads to the English one.
    let back = tab
        .navigate("document.querySelector('a.lang-switch').click()")
        .await;
    assert_eq!(back, format!("/b/advocacy/{id}"));

    drop(chromium);
    server.abort();
    site.finish().await;
}
