//! Invitations over HTTP: made by the super administrator, used once at their level with
//! their address, revoked, expired, replaced, stopped when registration closes, and spent
//! once even by two people at the same moment.

mod common;

use common::registration::{invite, member_count, open_form, register, set_mode, site_with_admin};

#[tokio::test]
async fn an_invitation_registers_once_at_its_level_with_its_address() {
    let (site, admin) = site_with_admin().await;
    set_mode(&site, &admin, "invitation").await;
    // Without an invitation there is no form.
    let page = site.get("/register").await;
    assert_eq!(page.status, 404);
    assert!(page.text().contains("by invitation only"));
    assert!(!site.get("/login").await.text().contains("/register"));

    let path = invite(&site, &admin, "invitee@example.org", "5").await;
    let form = site.get(&path).await;
    assert!(form.text().contains("invitee@example.org"));
    assert!(
        !form.text().contains("name=\"email\""),
        "the address is the invitation's"
    );
    let visitor = open_form(&site, &path).await;
    // An e-mail address in the form is ignored: the invitation's is used.
    let done = register(
        &site,
        &path,
        &visitor,
        (
            "invitee",
            "Invitee",
            "someone-else@example.org",
            "long enough 1",
        ),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let member = site
        .store()
        .member_by_login("invitee")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member.level.get(), 5);
    assert_eq!(member.email, "invitee@example.org");

    // Used once: the link shows why it fails, and a second account is refused.
    let again = site.get(&path).await;
    assert_eq!(again.status, 404);
    assert!(
        again
            .text()
            .contains("This invitation link does not work any more")
    );
    let before = member_count(&site).await;
    let second = register(
        &site,
        &path,
        &visitor,
        ("second", "Second", "x@example.org", "long enough 1"),
    )
    .await;
    assert_eq!(second.status, 404);
    assert_eq!(member_count(&site).await, before);

    let list = site
        .get_as("/admin/invitations", &admin.cookie)
        .await
        .text();
    assert!(
        list.contains("invitee@example.org") && list.contains("Used: invitee"),
        "{list}"
    );
    let audit = site.store().audit_log(50).await.unwrap();
    let invited = audit.iter().find(|e| e.action == "member.invite").unwrap();
    assert!(
        invited
            .detail
            .starts_with("email=invitee@example.org level=5")
    );
    let registered = audit
        .iter()
        .find(|e| e.action == "member.register")
        .unwrap();
    assert_eq!(
        registered.detail,
        format!("login=invitee level=5 via={}", invited.target)
    );
    // Only the hash of the token is stored.
    let token = path.trim_start_matches("/register/");
    let url = site.database_url();
    if url.starts_with("sqlite:") {
        let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        let (stored,): (String,) = sqlx::query_as("SELECT token_hash FROM invitations")
            .fetch_one(&mut db)
            .await
            .unwrap();
        assert_ne!(stored, token);
        assert_eq!(stored.len(), 64);
    }
    site.finish().await;
}

#[tokio::test]
async fn invitations_can_be_revoked_expire_and_stop_when_registration_closes() {
    let (site, admin) = site_with_admin().await;
    set_mode(&site, &admin, "invitation").await;
    let revoked = invite(&site, &admin, "revoked@example.org", "2").await;
    let id = site.store().invitations(10).await.unwrap()[0].id;
    let page = site
        .post_as(
            &format!("/admin/invitations/{id}/revoke"),
            &admin,
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(page.status, 403, "the token is checked");
    assert_eq!(site.get(&revoked).await.status, 200, "still pending");
    let page = site
        .post_as(
            &format!("/admin/invitations/{id}/revoke"),
            &admin,
            &[("csrf", &admin.csrf)],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(site.get(&revoked).await.status, 404);
    let again = site
        .post_as(
            &format!("/admin/invitations/{id}/revoke"),
            &admin,
            &[("csrf", &admin.csrf)],
        )
        .await;
    assert_eq!(again.status, 409);
    let audit = site.store().audit_log(50).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "member.invite.revoke" && e.target == format!("invitation:{id}"))
    );

    // A second invitation for the same address replaces the first.
    let first = invite(&site, &admin, "twice@example.org", "2").await;
    let second = invite(&site, &admin, "twice@example.org", "3").await;
    assert_eq!(site.get(&first).await.status, 404);
    assert_eq!(site.get(&second).await.status, 200);

    // An expired invitation (made eight days ago) does not work.
    let now = jiff::Timestamp::now().as_second();
    let actor = madang_store::ActorRef {
        id: None,
        name: "boss",
        ip: "",
    };
    let token = "e".repeat(64);
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()));
    site.store()
        .create_invitation(
            "late@example.org",
            madang_core::Level::MEMBER,
            &hash,
            (now - 8 * 86_400, now - 86_400),
            actor,
        )
        .await
        .unwrap()
        .unwrap();
    let expired = site.get(&format!("/register/{token}")).await;
    assert_eq!(expired.status, 404);
    assert!(expired.text().contains("has expired"));
    let list = site
        .get_as("/admin/invitations", &admin.cookie)
        .await
        .text();
    for state in ["Revoked", "Expired", "Waiting"] {
        assert!(list.contains(state), "{state}");
    }

    // Closed: a pending invitation stops working; open: it works again.
    set_mode(&site, &admin, "closed").await;
    let closed = site.get(&second).await;
    assert_eq!(closed.status, 404);
    assert!(closed.text().contains("does not take new registrations"));
    assert!(
        site.get_as("/admin/invitations", &admin.cookie)
            .await
            .text()
            .contains("Registration is closed")
    );
    set_mode(&site, &admin, "open").await;
    let visitor = open_form(&site, &second).await;
    let done = register(
        &site,
        &second,
        &visitor,
        ("twice", "Twice", "", "long enough 1"),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let member = site
        .store()
        .member_by_login("twice")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member.level.get(), 3);
    site.finish().await;
}

#[tokio::test]
async fn invitations_are_for_the_super_administrator_and_new_addresses() {
    let (site, admin) = site_with_admin().await;
    site.member("editor", 9, false).await;
    let editor = site.login("editor").await;
    assert_eq!(
        site.get_as("/admin/invitations", &editor.cookie)
            .await
            .status,
        403
    );
    let page = site
        .post_as(
            "/admin/invitations",
            &editor,
            &[
                ("csrf", &editor.csrf),
                ("email", "x@example.org"),
                ("level", "10"),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    let page = site
        .post_as(
            "/admin/invitations",
            &admin,
            &[("email", "x@example.org"), ("level", "2")],
        )
        .await;
    assert_eq!(page.status, 403, "without the form's token");
    assert!(site.store().invitations(10).await.unwrap().is_empty());

    // An address a member has, a bad address, a bad level: refused, nothing stored.
    let hash = madang_core::password::hash("correct horse battery").unwrap();
    site.store()
        .create_member(
            &madang_store::NewMember {
                login: "taken",
                nickname: "Taken",
                email: "taken@example.org",
                password_hash: &hash,
                level: madang_core::Level::MEMBER,
                is_super_admin: false,
            },
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    for (email, level, status, says) in [
        (
            "TAKEN@example.org",
            "2",
            409,
            "A member has that e-mail address already.",
        ),
        (
            "not-an-address",
            "2",
            422,
            "That does not look like an e-mail address.",
        ),
        ("fine@example.org", "11", 422, "levels go from 1 to 10"),
    ] {
        let page = site
            .post_as(
                "/admin/invitations",
                &admin,
                &[("csrf", &admin.csrf), ("email", email), ("level", level)],
            )
            .await;
        assert_eq!(page.status.as_u16(), status, "{email}");
        assert!(page.text().contains(says), "{email}: {}", page.text());
    }
    assert!(site.store().invitations(10).await.unwrap().is_empty());
    // The Korean page lists them in Korean.
    let ko = site
        .get_as("/ko/admin/invitations", &admin.cookie)
        .await
        .text();
    assert!(ko.contains("아직 보낸 초대가 없습니다."));
    site.finish().await;
}

#[tokio::test]
async fn two_people_with_one_invitation_make_one_account() {
    let (site, admin) = site_with_admin().await;
    set_mode(&site, &admin, "invitation").await;
    let path = invite(&site, &admin, "shared@example.org", "2").await;
    let (a, b) = (open_form(&site, &path).await, open_form(&site, &path).await);
    let (first, second) = tokio::join!(
        register(
            &site,
            &path,
            &a,
            ("first_one", "First", "", "long enough 1")
        ),
        register(
            &site,
            &path,
            &b,
            ("second_one", "Second", "", "long enough 1")
        ),
    );
    let mut statuses = [first.status.as_u16(), second.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 404]);
    let made = [
        site.store().member_by_login("first_one").await.unwrap(),
        site.store().member_by_login("second_one").await.unwrap(),
    ];
    assert_eq!(made.iter().flatten().count(), 1);
    site.finish().await;
}
