//! Boards in the "list" and "gallery" styles, with posts that show every kind of gallery
//! card: a picture from the body, one from an attachment, and the placeholder.

use madang_core::{Board, ListStyle, NewBoard, NewPost, PostBody};

use super::TestSite;

/// A 1×1 PNG, a real image for the attachment store.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// The address of the image in the gallery post's body.
pub const BODY_IMAGE: &str = "/files/legacy/editor/2412/march.jpg";
/// An image on another site, which a gallery card does not show.
pub const OTHER_SITE_IMAGE: &str = "https://elsewhere.example/banner.png";
/// Words of the list board's bodies, which a compact list does not show.
pub const LIST_BODY: &str = "The body of a notice, which the compact list leaves out.";

/// What [`styled_boards`] made.
pub struct StyledBoards {
    /// `notices`, in the "list" style.
    pub list: Board,
    /// `photos`, in the "gallery" style.
    pub gallery: Board,
    /// A gallery post whose body has [`BODY_IMAGE`].
    pub body_image_post: i64,
    /// A gallery post with a PDF and then a PNG attachment, and no image in its body.
    pub attachment_post: i64,
    /// The PNG attachment's id.
    pub png_id: i64,
    /// A gallery post whose only image is [`OTHER_SITE_IMAGE`].
    pub other_site_post: i64,
    /// A gallery post with no image at all.
    pub plain_post: i64,
}

fn post(title: &str, body: PostBody) -> NewPost {
    NewPost {
        title: title.into(),
        body,
        author_id: None,
        author_name: "Kim Minji".into(),
        lang: None,
        pinned: false,
        secret: false,
        published_at: jiff::Timestamp::now(),
        links: Vec::new(),
    }
}

/// Creates the `notices` (list) and `photos` (gallery) boards with their posts.
pub async fn styled_boards(site: &TestSite) -> StyledBoards {
    let store = site.store();
    let now = jiff::Timestamp::now();
    let group = store.groups().await.unwrap().first().map(|g| g.id);
    let mut list = NewBoard::new("notices", "Notices", group);
    list.list_style = ListStyle::List;
    let list = store.create_board(&list, now).await.unwrap();
    let mut gallery = NewBoard::new("photos", "Photos from the field", group);
    gallery.list_style = ListStyle::Gallery;
    let gallery = store.create_board(&gallery, now).await.unwrap();
    for title in ["Office closed on Chuseok", "사무실 이전 안내"] {
        let body = PostBody::Text(LIST_BODY.into());
        store
            .create_post(list.id, &post(title, body), now)
            .await
            .unwrap();
    }
    let html = |s: &str| PostBody::Html(s.into());
    let body_image_post = store
        .create_post(
            gallery.id,
            &post(
                "March for the detainees",
                html(&format!(
                    "<p>From the march.</p><p><img alt=\"Marchers\" src=\"{BODY_IMAGE}\"></p>"
                )),
            ),
            now,
        )
        .await
        .unwrap();
    let attachment_post = store
        .create_post(
            gallery.id,
            &post("Exhibition photos", html("<p>See the files.</p>")),
            now,
        )
        .await
        .unwrap();
    let mut png_id = 0;
    for (name, bytes, mime) in [
        (
            "programme.pdf",
            &b"%PDF-1.4\n%%EOF\n"[..],
            "application/pdf",
        ),
        ("hall.png", PNG, "image/png"),
    ] {
        let stored = site
            .state
            .files()
            .put(bytes::Bytes::copy_from_slice(bytes))
            .await
            .unwrap();
        let attachment = store
            .add_attachment(
                attachment_post,
                &madang_store::NewAttachment {
                    name,
                    storage_key: &stored.key,
                    size: stored.size,
                    sha256: &stored.sha256,
                    mime,
                    caption: "",
                },
                (None, "staff"),
                now,
            )
            .await
            .unwrap();
        png_id = attachment.id;
    }
    let other_site_post = store
        .create_post(
            gallery.id,
            &post(
                "A banner from a partner",
                html(&format!("<img alt=\"\" src=\"{OTHER_SITE_IMAGE}\">")),
            ),
            now,
        )
        .await
        .unwrap();
    let plain_post = store
        .create_post(
            gallery.id,
            &post("Words only", PostBody::Text("No picture.".into())),
            now,
        )
        .await
        .unwrap();
    StyledBoards {
        list: store.board("notices").await.unwrap().unwrap(),
        gallery: store.board("photos").await.unwrap().unwrap(),
        body_image_post,
        attachment_post,
        png_id,
        other_site_post,
        plain_post,
    }
}
