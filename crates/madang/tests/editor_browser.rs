//! Issue 3, files dropped into the editor, in a real browser (headless Chromium, the
//! vendored Quill and `editor.js`, no request forged by the test): a signed-in editor
//! pastes a picture into the rich-text editor and drops a PDF into it — as a browser
//! delivers them, a `paste` and a `drop` event carrying a `DataTransfer` with the files —
//! sees each appear, sees a refused file explained in the status line (the page stays),
//! publishes, and finds the picture shown in the post and both files listed as its
//! attachments; then pastes a picture into a Markdown body, which goes in as Markdown.
//! Without Chromium the test says SKIPPED (a failure under `CI`).

mod browser;
mod common;

use std::time::{Duration, Instant};

use browser::{Cdp, Chromium, Tab};
use common::TestSite;
use serde_json::Value;

/// A real 1×1 PNG, so the browser can draw it.
const PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
/// A small PDF.
const PDF_BASE64: &str = "JVBERi0xLjQKMSAwIG9iaiA8PCA+PiBlbmRvYmoKdHJhaWxlciA8PCA+PgolJUVPRgo=";

/// Waits until `expression` is true in the page.
async fn until(tab: &Tab, expression: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while tab.eval(expression).await != Ok(Value::Bool(true)) {
        assert!(Instant::now() < deadline, "{what}: {expression} never held");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text(tab: &Tab, expression: &str) -> String {
    tab.eval(expression)
        .await
        .unwrap()
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// A script that makes a `File` from base64 and puts it in a `DataTransfer`.
fn transfer(name: &str, mime: &str, base64: &str) -> String {
    format!(
        "(() => {{ const bytes = Uint8Array.from(atob({b}), c => c.charCodeAt(0)); \
           const data = new DataTransfer(); \
           data.items.add(new File([bytes], {n}, {{ type: {m} }})); return data; }})()",
        b = serde_json::to_string(base64).unwrap(),
        n = serde_json::to_string(name).unwrap(),
        m = serde_json::to_string(mime).unwrap(),
    )
}

/// Drops a file at the end of the editor's first paragraph, as a mouse would.
fn drop_script(name: &str, mime: &str, base64: &str) -> String {
    format!(
        "(() => {{ const p = document.querySelector('.ql-editor p'); \
           const r = p.getBoundingClientRect(); \
           const event = new DragEvent('drop', {{ dataTransfer: {data}, bubbles: true, cancelable: true, \
             clientX: r.right - 2, clientY: r.top + r.height / 2 }}); \
           p.dispatchEvent(event); return event.defaultPrevented; }})()",
        data = transfer(name, mime, base64)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_pastes_and_drops_files_into_a_post() {
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

    tab.open(&format!("{origin}/b/advocacy/write"))
        .await
        .unwrap();
    until(&tab, "!!document.querySelector('.ql-editor')", "the editor").await;
    tab.eval(
        "document.querySelector('#title').value = 'Map of the detention sites'; \
         document.querySelector('.ql-editor').focus()",
    )
    .await
    .unwrap();
    tab.type_text("Where they are held: ").await;

    // Pasted: a picture from the clipboard.
    let paste = format!(
        "(() => {{ const editor = document.querySelector('.ql-editor'); \
           const event = new ClipboardEvent('paste', {{ clipboardData: {data}, bubbles: true, cancelable: true }}); \
           editor.dispatchEvent(event); return event.defaultPrevented; }})()",
        data = transfer("sites-map.png", "image/png", PNG_BASE64)
    );
    assert_eq!(tab.eval(&paste).await, Ok(Value::Bool(true)));
    until(
        &tab,
        "!!document.querySelector('.ql-editor img[src*=\"/b/advocacy/uploads/\"]')",
        "the pasted picture in the editor",
    )
    .await;
    // It is shown from the staging address, loaded for its sender.
    until(
        &tab,
        "document.querySelector('.ql-editor img').complete && document.querySelector('.ql-editor img').naturalWidth === 1",
        "the pasted picture drawn",
    )
    .await;
    assert!(
        text(&tab, "document.querySelector('#editor-status').textContent")
            .await
            .contains("“sites-map.png” is in the post")
    );
    // It has a text for those who cannot see it.
    assert_eq!(
        text(&tab, "document.querySelector('.ql-editor img').alt").await,
        "sites-map"
    );

    // Dropped: a PDF, which goes in as a link.
    assert_eq!(
        tab.eval(&drop_script("report.pdf", "application/pdf", PDF_BASE64))
            .await,
        Ok(Value::Bool(true))
    );
    until(
        &tab,
        "!!document.querySelector('.ql-editor a[href*=\"/b/advocacy/uploads/\"]')",
        "the dropped PDF's link",
    )
    .await;
    assert_eq!(
        text(&tab, "document.querySelector('.ql-editor a').textContent").await,
        "report.pdf"
    );

    // Refused by content: the status line says why, in the page's language, and the page
    // (with what was typed) stays.
    assert_eq!(
        tab.eval(&drop_script(
            "tool.png",
            "image/png",
            "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAA="
        ))
        .await,
        Ok(Value::Bool(true))
    );
    until(
        &tab,
        "document.querySelector('#editor-status').classList.contains('is-error')",
        "the refusal in the status line",
    )
    .await;
    let status = text(&tab, "document.querySelector('#editor-status').textContent").await;
    assert!(
        status.contains("“tool.png” is not an allowed type on this board"),
        "{status}"
    );
    assert_eq!(
        text(&tab, "location.pathname").await,
        "/b/advocacy/write",
        "no navigation"
    );
    assert_eq!(
        tab.eval("document.querySelectorAll('.ql-editor img, .ql-editor a').length")
            .await,
        Ok(Value::from(2))
    );

    // Published: the picture is in the post, both files are its attachments.
    let page = tab
        .navigate("document.querySelector('form.write-form button[value=publish]').click()")
        .await;
    let id: i64 = page
        .strip_prefix("/b/advocacy/")
        .unwrap_or_else(|| panic!("landed on {page}"))
        .parse()
        .unwrap();
    let files = site.store().attachments(id).await.unwrap();
    let names: Vec<&str> = files.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["sites-map.png", "report.pdf"]);
    let src = text(
        &tab,
        "document.querySelector('.post-body img').getAttribute('src')",
    )
    .await;
    assert_eq!(src, format!("/b/advocacy/{id}/files/{}", files[0].id));
    assert_eq!(
        text(&tab, "document.querySelector('.post-body img').alt").await,
        "sites-map"
    );
    until(
        &tab,
        "document.querySelector('.post-body img').complete && document.querySelector('.post-body img').naturalWidth === 1",
        "the picture drawn in the post",
    )
    .await;
    assert_eq!(
        text(
            &tab,
            "document.querySelector('.post-body a').getAttribute('href')"
        )
        .await,
        format!("/b/advocacy/{id}/files/{}", files[1].id)
    );
    let listed = text(
        &tab,
        "document.querySelector('section.attachments').innerText",
    )
    .await;
    assert!(
        listed.contains("sites-map.png") && listed.contains("report.pdf"),
        "{listed}"
    );
    assert!(
        text(&tab, "document.querySelector('.post-body').innerText")
            .await
            .contains("Where they are held:")
    );

    // In a Markdown body, a pasted picture goes in as Markdown at the cursor.
    tab.open(&format!("{origin}/b/advocacy/write"))
        .await
        .unwrap();
    until(&tab, "!!document.querySelector('.ql-editor')", "the editor").await;
    // Plain text takes no files: the status line says where they can go.
    tab.eval("document.querySelector('input[name=format][value=text]').click()")
        .await
        .unwrap();
    let paste_into_body = |name: &str| {
        format!(
            "(() => {{ const body = document.querySelector('#body'); \
               const event = new ClipboardEvent('paste', {{ clipboardData: {data}, bubbles: true, cancelable: true }}); \
               body.dispatchEvent(event); return event.defaultPrevented; }})()",
            data = transfer(name, "image/png", PNG_BASE64)
        )
    };
    assert_eq!(
        tab.eval(&paste_into_body("plain.png")).await,
        Ok(Value::Bool(true))
    );
    assert!(
        text(&tab, "document.querySelector('#editor-status').textContent")
            .await
            .contains("for a plain-text body, use the file fields below")
    );
    assert_eq!(
        text(&tab, "document.querySelector('#body').value").await,
        ""
    );
    tab.eval(
        "document.querySelector('input[name=format][value=markdown]').click(); \
         document.querySelector('#title').value = 'In Markdown'; \
         document.querySelector('#body').focus()",
    )
    .await
    .unwrap();
    assert_eq!(
        tab.eval("document.querySelector('#body').hidden").await,
        Ok(Value::Bool(false)),
        "Markdown is written in the plain box"
    );
    tab.type_text("The sites: ").await;
    assert_eq!(
        tab.eval(&paste_into_body("sites-map.png")).await,
        Ok(Value::Bool(true))
    );
    until(
        &tab,
        "/^The sites: !\\[sites-map\\]\\(\\/b\\/advocacy\\/uploads\\/[0-9a-f]{32}\\)$/.test(document.querySelector('#body').value)",
        "the Markdown picture",
    )
    .await;
    let page = tab
        .navigate("document.querySelector('form.write-form button[value=publish]').click()")
        .await;
    let id: i64 = page
        .strip_prefix("/b/advocacy/")
        .unwrap_or_else(|| panic!("landed on {page}"))
        .parse()
        .unwrap();
    let files = site.store().attachments(id).await.unwrap();
    assert_eq!(files.len(), 1);
    let address = format!("/b/advocacy/{id}/files/{}", files[0].id);
    assert_eq!(
        site.store().markdown_source(id).await.unwrap(),
        format!("The sites: ![sites-map]({address})")
    );
    until(
        &tab,
        "document.querySelector('.post-body img').complete && document.querySelector('.post-body img').naturalWidth === 1",
        "the Markdown picture drawn in the post",
    )
    .await;

    drop(chromium);
    server.abort();
    site.finish().await;
}
