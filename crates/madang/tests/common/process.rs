//! Talking to a real `madang` process: a raw HTTP/1.1 client (one connection per request,
//! so a killed server shows as an error, not a hang) and start-up helpers.

use std::net::SocketAddr;
use std::process::Child;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A response, read whole from a raw HTTP/1.1 connection.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One request on a fresh connection (`Connection: close`), read to the end.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> std::io::Result<Reply> {
    let io = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        Ok::<_, std::io::Error>(raw)
    };
    let raw = tokio::time::timeout(Duration::from_secs(30), io)
        .await
        .map_err(|_| std::io::Error::other("timed out"))??;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no complete head"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Ok(Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    })
}

/// A free port on loopback.
pub fn free_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// Waits until `madang serve` answers `/` with 200 (panics if it exits or takes 60 s).
pub async fn wait_until_up(addr: SocketAddr, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(reply) = request(addr, "GET", "/", &[], b"").await
            && reply.status == 200
        {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("madang serve exited with {status} before it served");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("madang serve did not come up in 60 s");
}

/// A multipart form body with text fields and at most one PDF under `files`; returns the
/// content type and the body.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "madang-process-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Signs in through the login form; returns the session cookie and the page's CSRF token.
pub async fn sign_in(addr: SocketAddr, login: &str, password: &str) -> (String, String) {
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("login", login)
        .append_pair("password", password)
        .append_pair("next", "/")
        .finish();
    let reply = request(
        addr,
        "POST",
        "/login",
        &[(
            "Content-Type",
            "application/x-www-form-urlencoded".to_owned(),
        )],
        form.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 303, "signing in as {login}");
    let cookie = reply
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let home = request(addr, "GET", "/", &[("Cookie", cookie.clone())], b"")
        .await
        .unwrap();
    let csrf = String::from_utf8_lossy(&home.body)
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    (cookie, csrf)
}
