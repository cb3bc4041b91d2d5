//! Behind a reverse proxy: `X-Forwarded-For` names the visitor only when the connection
//! comes from a trusted proxy (`MADANG_TRUSTED_PROXIES`), so the sign-in rate limit (5
//! failures per address) and the audit log see visitors, not nginx, and a visitor cannot
//! dodge the limit by writing the header.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use common::TestSite;
use madang_core::proxy::TrustedProxies;
use madang_web::SiteConfig;

/// A failed sign-in for `login` over a connection from `peer`, with `forwarded` as the
/// X-Forwarded-For header if given; the response's status.
async fn failed_login(site: &TestSite, peer: &str, forwarded: Option<&str>, login: &str) -> u16 {
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    let mut request = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .extension(ConnectInfo(peer));
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    let body = format!("login={login}&password=wrong+password+here&next=%2F");
    site.send(request.body(Body::from(body)).unwrap())
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn forwarded_addresses_count_only_through_trusted_proxies() {
    let site = TestSite::demo_with_config(SiteConfig {
        trusted_proxies: TrustedProxies::parse("10.0.0.1").unwrap(),
        ..SiteConfig::default()
    })
    .await;
    let proxy = "10.0.0.1";
    // Five failures of one visitor behind the proxy (each for another account, so only the
    // address counts), then that visitor is paused.
    for n in 0..5 {
        let status = failed_login(&site, proxy, Some("203.0.113.5"), &format!("ghost{n}")).await;
        assert_eq!(status, 401);
    }
    assert_eq!(
        failed_login(&site, proxy, Some("203.0.113.5"), "ghost9").await,
        429
    );
    // Another visitor behind the same proxy is not.
    assert_eq!(
        failed_login(&site, proxy, Some("198.51.100.7"), "ghost9").await,
        401
    );
    // The paused visitor cannot get out by writing the header: on its own, from an
    // untrusted address, it is ignored; through the proxy, the entry they wrote stays left
    // of the address the proxy added.
    assert_eq!(
        failed_login(&site, "203.0.113.5", Some("198.51.100.8"), "ghost9").await,
        429
    );
    assert_eq!(
        failed_login(&site, proxy, Some("198.51.100.8, 203.0.113.5"), "ghost9").await,
        429
    );
    // The audit log records the visitor's network, not the proxy's.
    let log = site.store().audit_log(50).await.unwrap();
    let failures: Vec<&str> = log
        .iter()
        .filter(|e| e.action.starts_with("login"))
        .map(|e| e.ip.as_str())
        .collect();
    assert!(failures.contains(&"203.0.113.0/24"), "{failures:?}");
    assert!(!failures.contains(&"10.0.0.0/24"), "{failures:?}");
    site.finish().await;
}

#[tokio::test]
async fn by_default_nobody_is_trusted() {
    let site = TestSite::demo().await;
    let proxy = "10.0.0.1";
    // Every visitor behind the proxy counts as the proxy: five failures pause them all.
    for n in 0..5 {
        let visitor = format!("203.0.113.{n}");
        let status = failed_login(&site, proxy, Some(&visitor), &format!("ghost{n}")).await;
        assert_eq!(status, 401);
    }
    assert_eq!(
        failed_login(&site, proxy, Some("198.51.100.7"), "ghost9").await,
        429
    );
    site.finish().await;
}
