//! Where settings come from: command-line flags, then environment variables (both through
//! clap), then `madang.toml` in the data folder, then defaults.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use madang_web::Language;
use serde::Deserialize;

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct SiteArgs {
    /// The data folder: database, files, theme overrides, madang.toml.
    #[arg(long, env = "MADANG_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// The database: sqlite:PATH or postgres://USER@HOST/DB (default: SQLite in the data folder).
    #[arg(long, env = "MADANG_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Where attachments are stored: s3://bucket/prefix (endpoint and keys from AWS_*
    /// variables) or a folder (default: files/ in the data folder).
    #[arg(long, env = "MADANG_STORAGE", global = true)]
    pub storage: Option<String>,
}

/// The `serve --default-language` values; clap refuses any other with the list of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum DefaultLanguage {
    /// English unprefixed, Korean under /ko/.
    #[default]
    En,
    /// Korean unprefixed, English under /en/.
    Ko,
}

impl From<DefaultLanguage> for Language {
    fn from(value: DefaultLanguage) -> Language {
        match value {
            DefaultLanguage::En => Language::English,
            DefaultLanguage::Ko => Language::Korean,
        }
    }
}

impl std::fmt::Display for DefaultLanguage {
    // `default_value_t` shows the default in `--help` through this.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = self.to_possible_value().expect("no value is skipped");
        f.write_str(value.get_name())
    }
}

/// What `serve` takes beyond the options every command takes (flags or environment).
#[derive(Debug, Clone, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    pub listen: Option<String>,
    /// The address of the sign-in-free `/metrics`.
    pub metrics_listen: Option<String>,
    /// The UI language whose pages are unprefixed.
    pub default_language: Language,
    /// Reverse proxies whose `X-Forwarded-For` is believed, separated by commas or spaces.
    pub trusted_proxies: Option<String>,
}

/// `madang.toml` in the data folder. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    /// Where attachments are stored: "s3://bucket/prefix" or a folder.
    pub storage: Option<String>,
    /// Most database connections per node (PostgreSQL: default 16; SQLite: two per core,
    /// at most 8).
    pub database_pool: Option<u32>,
    /// IANA time zone for showing dates (default Asia/Seoul).
    pub time_zone: Option<String>,
    /// Language of the copy/move line: "ko" (default), "en" or "off".
    pub copy_line_language: Option<String>,
    /// The site's public address (`https://nkhr.example`), for absolute links in feeds,
    /// the sitemap and canonical URLs. Unset, the request's Host is used.
    pub base_url: Option<String>,
    /// A second address serving only `/metrics`, without sign-in (keep it private).
    pub metrics_listen: Option<String>,
    /// Keep anonymous pages in memory (default true; false only to measure without it).
    pub page_cache: Option<bool>,
    /// The SMTP server for password resets and invitations: `smtps://user:password@host`,
    /// `smtp://user:password@host:587` (STARTTLS) or `smtp://host:25?tls=none`.
    pub smtp_url: Option<String>,
    /// The sender of the site's mail: `Name <address>` or an address.
    pub smtp_from: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client: addresses and networks,
    /// like `["127.0.0.1", "10.0.0.0/8"]`. Unset: nobody (the header is ignored).
    pub trusted_proxies: Option<Vec<String>>,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    /// s3://bucket/prefix, or a folder; `None` is files/ in the data folder.
    pub storage: Option<String>,
    pub database_pool: Option<u32>,
    pub listen: String,
    pub time_zone: String,
    pub copy_line_language: String,
    pub base_url: Option<String>,
    pub metrics_listen: Option<String>,
    pub page_cache: bool,
    /// The UI language whose pages are unprefixed (only `serve` sets it).
    pub default_language: Language,
    /// Outgoing mail: SMTP when `smtp_url` is set, else none (links go to the log).
    pub mailer: madang_mail::Mailer,
    /// Reverse proxies whose `X-Forwarded-For` is believed (only `serve` sets it).
    pub trusted_proxies: madang_core::proxy::TrustedProxies,
}

/// The default data folder, relative to where madang runs.
pub const DEFAULT_DATA_DIR: &str = "madang-data";
/// The default listening address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

impl Config {
    /// Resolves the configuration; `listen` is the `serve` flag (or environment) if given.
    pub fn resolve(args: &SiteArgs, listen: Option<String>) -> Result<Config> {
        let serve = ServeArgs {
            listen,
            ..ServeArgs::default()
        };
        Config::resolve_serve(args, serve)
    }

    /// Resolves the configuration of `serve`, whose flags can also name the metrics address
    /// and the default language.
    pub fn resolve_serve(args: &SiteArgs, serve: ServeArgs) -> Result<Config> {
        let ServeArgs {
            listen,
            metrics_listen,
            default_language,
            trusted_proxies,
        } = serve;
        let data_dir = args
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let file = read_file_config(&data_dir)?;
        let database_url = args
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite:{}", data_dir.join("madang.db").display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            bail!(
                "the database address must start with sqlite: or postgres:// (got {database_url})"
            );
        }
        let time_zone = file
            .time_zone
            .unwrap_or_else(|| madang_core::time::DEFAULT_TIME_ZONE.into());
        if madang_core::time::zone(&time_zone).is_none() {
            bail!(
                "unknown time zone {time_zone:?} in madang.toml (use an IANA name like Asia/Seoul)"
            );
        }
        let copy_line_language = file.copy_line_language.unwrap_or_else(|| "ko".into());
        if madang_core::copy_line::CopyLineLanguage::parse(&copy_line_language).is_none() {
            bail!("copy_line_language in madang.toml must be \"ko\", \"en\" or \"off\"");
        }
        let base_url = match file
            .base_url
            .map(|u| u.trim().trim_end_matches('/').to_owned())
        {
            Some(url)
                if (url.starts_with("https://") || url.starts_with("http://"))
                    && url.split_once("://").is_some_and(|(_, host)| {
                        !host.is_empty() && !host.contains(['/', '?', '#', ' '])
                    }) =>
            {
                Some(url)
            }
            Some(url) => {
                bail!("base_url in madang.toml must look like https://example.org (got {url:?})")
            }
            None => None,
        };
        let storage = args.storage.clone().or(file.storage);
        if let Some(address) = &storage
            && address.contains("://")
            && !address.starts_with("s3://")
            && !address.starts_with("file://")
        {
            bail!("storage must be s3://bucket/prefix or a folder (got {address:?})");
        }
        if file.database_pool == Some(0) {
            bail!("database_pool in madang.toml must be at least 1");
        }
        let metrics_listen = metrics_listen.or(file.metrics_listen);
        if let Some(address) = &metrics_listen
            && address.parse::<std::net::SocketAddr>().is_err()
        {
            bail!("the metrics address must be HOST:PORT, like 127.0.0.1:9100 (got {address:?})");
        }
        let mailer = mailer(
            env_or("MADANG_SMTP_URL", file.smtp_url),
            env_or("MADANG_SMTP_FROM", file.smtp_from),
            base_url.as_deref(),
        )?;
        // The flag or environment beats the file; a list that cannot be read stops `serve`
        // rather than trusting the wrong hosts (or nobody, silently).
        let trusted_proxies = match trusted_proxies {
            Some(list) => madang_core::proxy::TrustedProxies::parse(&list),
            None => madang_core::proxy::TrustedProxies::parse(
                &file.trusted_proxies.unwrap_or_default().join(","),
            ),
        }
        .map_err(|e| anyhow::anyhow!("trusted proxies (MADANG_TRUSTED_PROXIES): {e}"))?;
        // MADANG_PAGE_CACHE=off overrides the file, for benchmarks.
        let page_cache = match std::env::var("MADANG_PAGE_CACHE").ok().as_deref() {
            Some("off" | "false" | "0") => false,
            Some(_) => true,
            None => file.page_cache.unwrap_or(true),
        };
        Ok(Config {
            mailer,
            trusted_proxies,
            page_cache,
            default_language,
            storage,
            database_pool: file.database_pool,
            base_url,
            metrics_listen,
            listen: listen
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.into()),
            data_dir,
            database_url,
            time_zone,
            copy_line_language,
        })
    }

    /// The folder for attachments when stored locally.
    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }

    /// Opens attachment storage: S3 when configured, else the data folder's files/.
    pub fn files(&self) -> Result<madang_files::Files> {
        match &self.storage {
            Some(address) => madang_files::Files::at(address)
                .with_context(|| format!("opening file storage {address}")),
            None => madang_files::Files::local(&self.files_dir()).context("opening file storage"),
        }
    }

    /// The folder whose files override the built-in theme.
    pub fn theme_dir(&self) -> PathBuf {
        self.data_dir.join("theme")
    }

    /// The web layer's view of the configuration.
    pub fn site_config(&self) -> madang_web::SiteConfig {
        madang_web::SiteConfig {
            zone: madang_core::time::zone(&self.time_zone).unwrap_or(jiff::tz::TimeZone::UTC),
            copy_line_language: madang_core::copy_line::CopyLineLanguage::parse(
                &self.copy_line_language,
            )
            .unwrap_or_default(),
            theme_dir: Some(self.theme_dir()),
            base_url: self.base_url.clone(),
            page_cache: self.page_cache,
            default_language: self.default_language,
            mailer: self.mailer.clone(),
            trusted_proxies: self.trusted_proxies.clone(),
        }
    }
}

/// An environment variable that is set and not empty, else the file's value (the
/// environment beats `madang.toml`).
fn env_or(name: &str, file: Option<String>) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or(file)
}

/// The mailer for the SMTP settings, if any. Mail needs `base_url`: its links must not be
/// built from a request's Host header, which whoever asks for a reset chooses.
fn mailer(
    smtp_url: Option<String>,
    smtp_from: Option<String>,
    base_url: Option<&str>,
) -> Result<madang_mail::Mailer> {
    let Some(url) = smtp_url else {
        if smtp_from.is_some() {
            bail!("smtp_from (MADANG_SMTP_FROM) is set but smtp_url (MADANG_SMTP_URL) is not");
        }
        return Ok(madang_mail::Mailer::none());
    };
    if base_url.is_none() {
        bail!(
            "mail (smtp_url, MADANG_SMTP_URL) needs base_url in madang.toml: the links in mail must point to the site's public address"
        );
    }
    let settings = madang_mail::SmtpSettings::parse(&url, smtp_from.as_deref().unwrap_or(""))
        .map_err(|e| anyhow::anyhow!("mail settings: {e}"))?;
    madang_mail::Mailer::smtp(&settings).map_err(|e| anyhow::anyhow!("mail settings: {e}"))
}

fn read_file_config(data_dir: &Path) -> Result<FileConfig> {
    let path = data_dir.join("madang.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).with_context(|| format!("reading {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("madang-config-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let dir = temp_dir("precedence");
        std::fs::write(
            dir.join("madang.toml"),
            "listen = \"0.0.0.0:9000\"\ndatabase_url = \"sqlite:/tmp/x.db\"\n",
        )
        .unwrap();
        let args = SiteArgs {
            data_dir: Some(dir.clone()),
            database_url: None,
            storage: None,
        };
        let from_file = Config::resolve(&args, None).unwrap();
        assert_eq!(from_file.listen, "0.0.0.0:9000");
        assert_eq!(from_file.database_url, "sqlite:/tmp/x.db");
        let args = SiteArgs {
            data_dir: Some(dir.clone()),
            database_url: Some("postgres://h/db".into()),
            storage: None,
        };
        let from_flags = Config::resolve(&args, Some("127.0.0.1:1".into())).unwrap();
        assert_eq!(from_flags.listen, "127.0.0.1:1");
        assert_eq!(from_flags.database_url, "postgres://h/db");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn defaults_and_bad_values() {
        let dir = temp_dir("defaults");
        let args = SiteArgs {
            data_dir: Some(dir.clone()),
            database_url: None,
            storage: None,
        };
        let config = Config::resolve(&args, None).unwrap();
        assert_eq!(config.listen, DEFAULT_LISTEN);
        assert!(config.database_url.ends_with("madang.db"));
        std::fs::write(dir.join("madang.toml"), "time_zone = \"Mars/Olympus\"\n").unwrap();
        assert!(Config::resolve(&args, None).is_err());
        std::fs::write(dir.join("madang.toml"), "unknown_key = 1\n").unwrap();
        assert!(Config::resolve(&args, None).is_err());
        let bad = SiteArgs {
            data_dir: Some(dir.clone()),
            database_url: Some("mysql://x".into()),
            storage: None,
        };
        assert!(Config::resolve(&bad, None).is_err());
        let bad_storage = SiteArgs {
            data_dir: Some(dir.clone()),
            database_url: None,
            storage: Some("ftp://files".into()),
        };
        assert!(Config::resolve(&bad_storage, None).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn trusted_proxies_from_the_flag_or_the_file() {
        let dir = temp_dir("proxies");
        let args = SiteArgs {
            data_dir: Some(dir.clone()),
            database_url: None,
            storage: None,
        };
        let serve = |list: Option<&str>| {
            Config::resolve_serve(
                &args,
                ServeArgs {
                    trusted_proxies: list.map(str::to_owned),
                    ..ServeArgs::default()
                },
            )
        };
        let ip = |text: &str| text.parse::<std::net::IpAddr>().unwrap();
        // Nobody by default.
        assert!(serve(None).unwrap().trusted_proxies.is_empty());
        std::fs::write(
            dir.join("madang.toml"),
            "trusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]\n",
        )
        .unwrap();
        let from_file = serve(None).unwrap().trusted_proxies;
        assert!(from_file.trusts(ip("10.1.2.3")) && from_file.trusts(ip("127.0.0.1")));
        // The flag (or MADANG_TRUSTED_PROXIES) beats the file.
        let from_flag = serve(Some("192.168.0.1")).unwrap().trusted_proxies;
        assert!(from_flag.trusts(ip("192.168.0.1")) && !from_flag.trusts(ip("10.1.2.3")));
        let wrong = serve(Some("10.0.0.0/40")).unwrap_err().to_string();
        assert!(wrong.contains("10.0.0.0/40"), "{wrong}");
        std::fs::write(dir.join("madang.toml"), "trusted_proxies = [\"nginx\"]\n").unwrap();
        assert!(serve(None).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn mail_needs_a_sender_a_base_url_and_a_safe_server() {
        if std::env::var_os("MADANG_SMTP_URL").is_some() {
            eprintln!("skipped: MADANG_SMTP_URL is set in this environment");
            return;
        }
        let dir = temp_dir("mail");
        let args = SiteArgs {
            data_dir: Some(dir.clone()),
            database_url: None,
            storage: None,
        };
        assert!(!Config::resolve(&args, None).unwrap().mailer.is_configured());
        let with = |toml: &str| {
            std::fs::write(dir.join("madang.toml"), toml).unwrap();
            Config::resolve(&args, None)
        };
        let good = with(
            "base_url = \"https://nkhr.example\"\nsmtp_url = \"smtps://news:s3cret@mail.example.org\"\nsmtp_from = \"NKHR <news@nkhr.example>\"\n",
        )
        .unwrap();
        let summary = good.mailer.summary().unwrap().to_owned();
        assert!(summary.contains("mail.example.org:465"), "{summary}");
        assert!(!summary.contains("s3cret") && !format!("{good:?}").contains("s3cret"));
        for (toml, says) in [
            // Links in mail need the public address.
            (
                "smtp_url = \"smtps://mail.example.org\"\nsmtp_from = \"news@nkhr.example\"\n",
                "base_url",
            ),
            (
                "base_url = \"https://nkhr.example\"\nsmtp_url = \"smtps://mail.example.org\"\n",
                "sender",
            ),
            (
                "base_url = \"https://nkhr.example\"\nsmtp_from = \"news@nkhr.example\"\n",
                "smtp_url",
            ),
            (
                "base_url = \"https://nkhr.example\"\nsmtp_url = \"smtp://u:s3cret@mail.example.org?tls=none\"\nsmtp_from = \"news@nkhr.example\"\n",
                "unencrypted",
            ),
        ] {
            let error = format!("{:#}", with(toml).unwrap_err());
            assert!(error.contains(says), "{toml}: {error}");
            assert!(!error.contains("s3cret"), "{error}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
