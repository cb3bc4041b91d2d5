//! Issue 8, hostile uploads: files whose content does not match their name, HTML and SVG
//! dressed as images or PDFs, polyglots, a zip bomb, an image claiming huge dimensions,
//! over-long names, path-traversal names and names that try to break out of
//! `Content-Disposition`. Each is refused with a clear message or stored safely: never served
//! inline as HTML or SVG, never written outside the storage root, never splitting a header.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::Request;
use common::{Browser, Page, TestSite};
use sha2::{Digest, Sha256};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];
const HTML: &[u8] =
    b"<!doctype html><html><body><script>alert(document.domain)</script></body></html>";
const SVG: &[u8] = b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script></svg>";

/// A raw multipart body, as any client (not only a browser) can send it: the file name goes
/// into the part header verbatim, so `"`, `\` and line breaks reach the server's parser.
async fn upload_raw(site: &TestSite, browser: &Browser, raw_name: &[u8], bytes: &[u8]) -> Page {
    let boundary = "madang-hostile-boundary-9e1f";
    let mut body: Vec<u8> = Vec::new();
    for (name, value) in [
        ("csrf", browser.csrf.as_str()),
        ("title", "hostile upload"),
        ("body", "x"),
        ("format", "text"),
    ] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"")
            .as_bytes(),
    );
    body.extend_from_slice(raw_name);
    body.extend_from_slice(b"\"\r\nContent-Type: image/png\r\n\r\n");
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    site.send(
        Request::post("/b/advocacy/write")
            .header("cookie", &browser.cookie)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// A quoted-string file name as a careful client sends it (`"` and `\` escaped).
fn quoted(name: &str) -> Vec<u8> {
    name.replace('\\', "\\\\").replace('"', "\\\"").into_bytes()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A storage key as Madang makes them: `ab/ab` + 30 more lower-case hex digits.
fn is_storage_key(relative: &str) -> bool {
    let b = relative.as_bytes();
    relative.len() == 35
        && b[2] == b'/'
        && relative[..2] == relative[3..5]
        && relative
            .bytes()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// A deflated zip entry of `size` zero bytes: the classic zip bomb in a few dozen KB.
fn zip_bomb(size: usize) -> Vec<u8> {
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    let chunk = vec![0u8; 1 << 20];
    let mut crc = flate2::Crc::new();
    for _ in 0..size / chunk.len() {
        encoder.write_all(&chunk).unwrap();
        crc.update(&chunk);
    }
    let data = encoder.finish().unwrap();
    let name = b"zeros.bin";
    let mut zip = Vec::new();
    let header = |zip: &mut Vec<u8>, central: bool| {
        if central {
            zip.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            zip.extend_from_slice(&20u16.to_le_bytes()); // made by
        } else {
            zip.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        }
        zip.extend_from_slice(&20u16.to_le_bytes()); // version needed
        zip.extend_from_slice(&0u16.to_le_bytes()); // flags
        zip.extend_from_slice(&8u16.to_le_bytes()); // deflate
        zip.extend_from_slice(&0u32.to_le_bytes()); // time, date
        zip.extend_from_slice(&crc.sum().to_le_bytes());
        zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
        zip.extend_from_slice(&(size as u32).to_le_bytes());
        zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes()); // extra
        if central {
            zip.extend_from_slice(&[0u8; 12]); // comment, disk, attributes
            zip.extend_from_slice(&0u32.to_le_bytes()); // local header offset
        }
        zip.extend_from_slice(name);
    };
    header(&mut zip, false);
    zip.extend_from_slice(&data);
    let central_at = zip.len();
    header(&mut zip, true);
    let central_len = zip.len() - central_at;
    zip.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    zip.extend_from_slice(&[0u8; 4]);
    zip.extend_from_slice(&1u16.to_le_bytes());
    zip.extend_from_slice(&1u16.to_le_bytes());
    zip.extend_from_slice(&(central_len as u32).to_le_bytes());
    zip.extend_from_slice(&(central_at as u32).to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());
    zip
}

/// A PNG whose header claims 2^31-1 × 2^31-1 pixels (a decompression bomb for any
/// thumbnailer that trusts it), with valid chunk checksums.
fn huge_png() -> Vec<u8> {
    let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    };
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&0x7fff_ffffu32.to_be_bytes());
    ihdr.extend_from_slice(&0x7fff_ffffu32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&[0u8; 4096]).unwrap();
    chunk(&mut png, b"IDAT", &encoder.finish().unwrap());
    chunk(&mut png, b"IEND", b"");
    png
}

/// Checks one stored attachment's download: the same bytes, never a type a browser would
/// render as a page, always a download, one header per line.
async fn check_download(site: &TestSite, post: i64, bytes: &[u8], label: &str) -> String {
    let attachments = site.store().attachments(post).await.unwrap();
    assert_eq!(attachments.len(), 1, "{label}: one attachment");
    let a = &attachments[0];
    let page = site
        .get(&format!("/b/advocacy/{post}/files/{}", a.id))
        .await;
    assert_eq!(page.status, 200, "{label}");
    assert_eq!(page.body, bytes, "{label}: the bytes as uploaded");
    let content_type = page.header("content-type").to_ascii_lowercase();
    // Types a browser renders as a document (and so runs script in): HTML, XHTML, SVG, XML.
    let essence = content_type.split(';').next().unwrap().trim();
    assert!(
        !["html", "svg", "javascript", "ecmascript"]
            .iter()
            .any(|bad| essence.contains(bad))
            && !matches!(essence, "text/xml" | "application/xml" | "text/xsl" | "")
            && !essence.ends_with("+xml"),
        "{label}: served as {content_type}"
    );
    let disposition = page.header("content-disposition");
    assert!(
        disposition.starts_with("attachment;"),
        "{label}: Content-Disposition {disposition:?}"
    );
    assert_eq!(page.header("x-content-type-options"), "nosniff", "{label}");
    assert!(page.header("set-cookie").is_empty(), "{label}: no cookie");
    for (name, value) in &page.headers {
        let value = value.as_bytes();
        assert!(
            !value.contains(&b'\r') && !value.contains(&b'\n') && !value.contains(&0),
            "{label}: header {name} carries a line break"
        );
    }
    assert_eq!(
        page.headers.get_all("content-disposition").iter().count(),
        1,
        "{label}"
    );
    // The quoted fallback name cannot close its quotes early.
    let fallback = common::between(&disposition, "filename=\"", "\"; filename*=")
        .unwrap_or_else(|| panic!("{label}: a quoted fallback name in {disposition:?}"));
    assert!(
        !fallback.contains('"') && !fallback.contains('\\'),
        "{label}: {disposition:?}"
    );
    a.name.clone()
}

#[tokio::test]
async fn hostile_uploads_are_refused_or_stored_safely() {
    let site = TestSite::demo().await;
    site.member("uploader", 10, true).await;
    let b = site.login("uploader").await;
    let data_dir = site.dir.clone();
    let files_dir = data_dir.join("files");
    let before: Vec<PathBuf> = files_under(&files_dir);
    let tmp = std::env::temp_dir();
    let escapes = [
        tmp.join("evil.pdf"),
        tmp.join("evil.html"),
        PathBuf::from("/evil.pdf"),
        data_dir.join("evil.pdf"),
        data_dir.join("evil.html"),
    ];
    let escapes_before: Vec<bool> = escapes.iter().map(|p| p.exists()).collect();
    let mut tried = 0;

    // 1. Content that no allowed type matches is refused, with a message, whatever its name.
    let refused: Vec<(&str, Vec<u8>)> = vec![
        ("statement.pdf", HTML.to_vec()),
        ("photo.jpg", HTML.to_vec()),
        ("photo.png", SVG.to_vec()),
        ("logo.svg", SVG.to_vec()),
        ("chart.gif", SVG.to_vec()),
        ("page.html", HTML.to_vec()),
        ("page.htm", b"<html><body>hi</body></html>".to_vec()),
        ("notes.txt", vec![0xff, 0xfe, b'<', 0, b's', 0]), // not UTF-8: not text
        ("run.exe", b"MZ\x90\x00\x03\x00\x00\x00".to_vec()),
        ("script.js", b"alert(1)".to_vec()),
        ("image.jpg", b"\x00\x00\x00\x0cjP  \r\n\x87\n<script>".to_vec()),
        ("data.xml", b"<?xml version=\"1.0\"?><x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">alert(1)</x:script>".to_vec()),
    ];
    for (name, bytes) in &refused {
        tried += 1;
        let page = upload_raw(&site, &b, &quoted(name), bytes).await;
        assert_eq!(page.status, 422, "{name} is refused");
        assert!(
            page.text().contains("not an allowed type"),
            "{name}: a clear message"
        );
    }
    // Too large: refused with its own message.
    tried += 1;
    let mut big = PDF.to_vec();
    big.resize(20 * 1024 * 1024 + 1, b' ');
    let page = upload_raw(&site, &b, b"big.pdf", &big).await;
    assert_eq!(page.status, 422);
    assert!(page.text().contains("larger than the limit"));
    drop(big);
    assert_eq!(
        files_under(&files_dir),
        before,
        "a refused upload leaves nothing in storage"
    );

    // 2. Accepted, but typed by content and always a download.
    let mut polyglot_gif = b"GIF89a/*\x01\x00\x01\x00\x00\xff\x00,".to_vec();
    polyglot_gif.extend_from_slice(b"*/=1;<script>alert(document.domain)</script><!--");
    let mut polyglot_pdf = b"%PDF-1.4\n".to_vec();
    polyglot_pdf.extend_from_slice(HTML);
    let mut polyglot_png = PNG_1X1.to_vec();
    polyglot_png.extend_from_slice(SVG);
    let bomb = zip_bomb(64 << 20);
    assert!(bomb.len() < 200_000, "the bomb is small: {}", bomb.len());
    let stored: Vec<(&str, Vec<u8>, &str)> = vec![
        ("photo.jpg", PDF.to_vec(), "application/pdf"),
        ("report.pdf", PNG_1X1.to_vec(), "image/png"),
        ("polyglot.gif", polyglot_gif.clone(), "image/gif"),
        ("polyglot.html", polyglot_gif, "image/gif"),
        ("polyglot.svg", polyglot_png, "image/png"),
        ("polyglot.pdf", polyglot_pdf.clone(), "application/pdf"),
        ("statement.html", polyglot_pdf, "application/pdf"),
        ("notes.txt", HTML.to_vec(), "text/plain; charset=utf-8"),
        ("huge.png", huge_png(), "image/png"),
        ("bomb.zip", bomb.clone(), "application/zip"),
        ("bomb.docx", bomb.clone(), ""),
    ];
    for (name, bytes, mime) in &stored {
        tried += 1;
        let page = upload_raw(&site, &b, &quoted(name), bytes).await;
        assert_eq!(page.status, 303, "{name} is stored: {}", page.text());
        let post = common::redirected_post(&page, "advocacy");
        check_download(&site, post, bytes, name).await;
        let a = &site.store().attachments(post).await.unwrap()[0];
        if !mime.is_empty() {
            assert_eq!(a.mime, *mime, "{name} typed by content");
        }
        assert_eq!(a.size as usize, bytes.len(), "{name}: stored as sent");
        assert_eq!(a.sha256, hex::encode(Sha256::digest(bytes)), "{name}");
    }
    // The zip bomb was stored, not expanded: storage grew by about its own size.
    let stored_bytes: u64 = files_under(&files_dir)
        .iter()
        .map(|p| p.metadata().unwrap().len())
        .sum();
    assert!(
        stored_bytes < 2 * 1024 * 1024,
        "storage holds {stored_bytes} bytes: something expanded the bomb"
    );

    // 3. Names: path traversal, look-alike slashes, control and bidi characters, over-long
    // names and attempts to break out of the header. Either refused, or stored under a
    // random key with a name that is only ever text.
    let long_ascii = format!("{}.pdf", "a".repeat(300));
    let long_korean = format!("{}.pdf", "성명서".repeat(120));
    let long_dots = format!("{}evil.pdf", "../".repeat(120));
    let names: Vec<Vec<u8>> = vec![
        quoted("../../../../../../tmp/evil.pdf"),
        quoted("../evil.pdf"),
        quoted("..\\..\\..\\evil.pdf"),
        quoted("/etc/passwd"),
        quoted("C:\\Windows\\System32\\evil.pdf"),
        quoted("%2e%2e/%2e%2e/evil.pdf"),
        quoted("..%2F..%2Fevil.pdf"),
        quoted("%2e%2e%5c%2e%2e%5cevil.pdf"),
        quoted("..\u{2215}..\u{2215}evil.pdf"),
        quoted("..\u{2044}..\u{2044}evil.pdf"),
        quoted("..\u{ff0f}..\u{ff0f}evil.pdf"),
        quoted("..\u{29f8}evil.pdf"),
        quoted("..\u{ff3c}..\u{ff3c}evil.pdf"),
        quoted("statement\u{202e}fdp.exe"),
        quoted("\u{2066}evil\u{2069}.pdf"),
        quoted("evil\u{200b}.pdf"),
        b"evil.pdf\x00.html".to_vec(),
        b"evil\x01\x07\x1b[31m.pdf".to_vec(),
        b"evil\tname.pdf".to_vec(),
        quoted(&long_ascii),
        quoted(&long_korean),
        quoted(&long_dots),
        quoted("a\".pdf; filename*=UTF-8''evil.html"),
        quoted("x\"; filename=\"evil.html"),
        quoted("evil.pdf\"\r\nSet-Cookie: session=stolen\r\nX-Injected: 1\r\n\r\n<script>"),
        b"evil.pdf\r\nSet-Cookie: session=stolen".to_vec(),
        quoted("evil.pdf%0d%0aSet-Cookie:%20session=stolen"),
        quoted("evil.pdf\u{85}Set-Cookie: x=1"),
        quoted("\u{2028}evil\u{2029}.pdf"),
        quoted("..."),
        quoted(" "),
        quoted(".htaccess"),
        quoted("CON"),
        b"\xff\xfe.pdf".to_vec(),
    ];
    let mut stored_names = Vec::new();
    let mut refused_names = 0;
    for raw in &names {
        tried += 1;
        let label = String::from_utf8_lossy(raw).escape_debug().to_string();
        let page = upload_raw(&site, &b, raw, PDF).await;
        match page.status.as_u16() {
            303 => {
                let post = common::redirected_post(&page, "advocacy");
                let name = check_download(&site, post, PDF, &label).await;
                assert!(
                    !name.contains('/') && !name.contains('\\'),
                    "{label}: stored name {name:?} keeps a path"
                );
                assert!(
                    !name.chars().any(|c| c.is_control()
                        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
                    "{label}: stored name {name:?} keeps control or bidi characters"
                );
                assert!(
                    !name.starts_with('.') && !name.trim().is_empty(),
                    "{label}: stored name {name:?}"
                );
                assert!(
                    name.chars().count() <= 255,
                    "{label}: stored name has {} characters",
                    name.chars().count()
                );
                // The post page shows the name as text.
                let html = site.get(&format!("/b/advocacy/{post}")).await.text();
                assert!(!html.contains("<script>"), "{label}");
                stored_names.push(name);
            }
            400 | 413 | 422 => {
                refused_names += 1;
                let text = page.text();
                assert!(
                    text.contains("could not be read") || text.contains("not an allowed"),
                    "{label}: refused with a clear message"
                );
            }
            other => panic!("{label}: status {other}"),
        }
    }
    eprintln!(
        "hostile uploads: {tried} cases ({} refused by content, {} stored by content, {} names: {} stored, {refused_names} refused)",
        refused.len() + 1,
        stored.len(),
        names.len(),
        stored_names.len()
    );

    // Nothing was written outside the storage root, and storage holds exactly the files the
    // attachments name.
    for (path, existed) in escapes.iter().zip(escapes_before) {
        assert_eq!(path.exists(), existed, "{} was written", path.display());
    }
    for path in files_under(&data_dir) {
        let relative = path.strip_prefix(&data_dir).unwrap().to_string_lossy();
        let ok = relative.starts_with("madang.db")
            || relative.strip_prefix("files/").is_some_and(is_storage_key);
        assert!(ok, "unexpected file in the data folder: {relative}");
    }
    let mut keys: Vec<String> = Vec::new();
    let advocacy = site.store().board("advocacy").await.unwrap().unwrap();
    let page = site
        .store()
        .board_page(&advocacy, 1, jiff::Timestamp::now())
        .await
        .unwrap();
    let mut posts: Vec<i64> = page
        .pinned
        .iter()
        .chain(&page.posts)
        .map(|p| p.id)
        .collect();
    for n in 2..=page.pages {
        let more = site
            .store()
            .board_page(&advocacy, n, jiff::Timestamp::now())
            .await
            .unwrap();
        posts.extend(more.posts.iter().map(|p| p.id));
    }
    for post in posts {
        for a in site.store().attachments(post).await.unwrap() {
            keys.push(a.storage_key);
        }
    }
    let mut in_storage: Vec<String> = files_under(&files_dir)
        .iter()
        .map(|p| {
            p.strip_prefix(&files_dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    in_storage.sort();
    let mut before_keys: Vec<String> = before
        .iter()
        .map(|p| {
            p.strip_prefix(&files_dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    keys.append(&mut before_keys);
    keys.sort();
    keys.dedup();
    for key in &in_storage {
        assert!(
            keys.contains(key),
            "stored file {key} belongs to no attachment"
        );
    }
    site.finish().await;
}

#[tokio::test]
async fn legacy_files_are_never_served_as_pages() {
    // `/files/legacy/…` serves an imported site's editor images: a path that tries to walk
    // out, or a name that looks like a page, is not found.
    let site = TestSite::demo().await;
    for path in [
        "/files/legacy/../../etc/passwd",
        "/files/legacy/..%2F..%2Fetc%2Fpasswd",
        "/files/legacy/%2e%2e/%2e%2e/etc/passwd",
        "/files/legacy/..%5C..%5Cetc%5Cpasswd",
        "/files/legacy/editor/x.html",
        "/files/legacy/editor/x.svg",
    ] {
        let page = site.get(path).await;
        assert!(
            matches!(page.status.as_u16(), 400 | 404),
            "{path}: {}",
            page.status
        );
        assert!(page.header("content-type").starts_with("text/html"));
        assert_eq!(page.header("x-content-type-options"), "nosniff");
    }
    site.finish().await;
}

#[tokio::test]
async fn nul_bytes_in_addresses_are_not_found_not_server_errors() {
    let site = TestSite::demo().await;
    let mut errors = Vec::new();
    for path in [
        "/files/legacy/%00.html",
        "/files/legacy/editor/a%00b.jpg",
        "/b/%00",
        "/b/advocacy%00",
        "/old%00.php",
        "/bbs/board.php?bo_table=%00",
        "/search?q=%00",
        "/search?q=a&author=%00",
        "/search?q=a&board=%00",
        "/login?next=/%00",
    ] {
        let status = site.get(path).await.status.as_u16();
        if status >= 500 {
            errors.push(format!("{path}: {status}"));
        }
    }
    assert!(errors.is_empty(), "server errors: {errors:#?}");
    site.finish().await;
}
