//! `madang`: the command line. `serve` runs the site; other commands manage it.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use madang::config::{Config, DefaultLanguage, ServeArgs, SiteArgs};
use madang::demo;
use madang_files::Files;
use madang_store::Store;
use madang_web::AppState;
use tracing_subscriber::EnvFilter;

/// Madang: a website system for civil-society organisations.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    site: SiteArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the site.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "MADANG_LISTEN")]
        listen: Option<String>,
        /// Create the example site (the seed's NKHR pages) if it is not there yet.
        #[arg(long)]
        demo: bool,
        /// A second address serving Prometheus `/metrics` without sign-in; bind it to
        /// loopback or a private network. (On the main address, `/metrics` needs a super
        /// administrator.)
        #[arg(long, env = "MADANG_METRICS_LISTEN")]
        metrics_listen: Option<String>,
        /// The UI language whose pages are unprefixed: `en` (Korean under /ko/) or `ko`
        /// (English under /en/). Every node of a site must use the same.
        #[arg(long, env = "MADANG_DEFAULT_LANGUAGE", value_enum, default_value_t)]
        default_language: DefaultLanguage,
        /// Reverse proxies (addresses or networks, separated by commas) whose
        /// X-Forwarded-For names the visitor, for rate limits and the audit log; e.g.
        /// `127.0.0.1` behind nginx on the same machine. Default: nobody.
        #[arg(long, env = "MADANG_TRUSTED_PROXIES")]
        trusted_proxies: Option<String>,
    },
    /// List problems in the site's data without changing anything: schema version, database
    /// consistency, files the posts refer to that storage lacks.
    Check,
    /// Rebuild the search index (after a tokenizer change; safe while the server runs).
    Reindex {
        /// Re-index every post and comment, not only those indexed by an older tokenizer.
        #[arg(long)]
        all: bool,
    },
    /// Import a site from another system.
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
    /// Manage member accounts (works while the server runs).
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Write a consistent backup (database, stored files, settings, theme) to FILE while the
    /// site runs: gzip-compressed tar unless FILE ends in .tar. With --verify, check FILE.
    Backup {
        /// The archive to write (or to check).
        file: std::path::PathBuf,
        /// Check every checksum and the manifest of an existing archive, changing nothing.
        #[arg(long)]
        verify: bool,
    },
    /// Restore a backup into an empty data folder and an empty database (either backend).
    Restore {
        /// The archive written by `madang backup`.
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum ImportSource {
    /// A GnuBoard5 site: its mysqldump file and its data/ folder. Stop the server first
    /// (SQLite is locked for writes during the import); running it again is safe.
    Gnuboard {
        /// The mysqldump file (any GnuBoard5 5.0–5.6, any table prefix).
        #[arg(long, required_unless_present = "mysql", conflicts_with = "mysql")]
        dump: Option<std::path::PathBuf>,
        /// Read a live database instead: mysql://user:pass@host[:port]/db.
        #[arg(long)]
        mysql: Option<String>,
        /// The name this source is remembered by, so importing again changes nothing
        /// (default: gnuboard5:<database>/<table prefix>).
        #[arg(long)]
        source: Option<String>,
        /// The site's data/ folder (with file/ and editor/).
        #[arg(long)]
        files: std::path::PathBuf,
        /// Report what would be imported and every problem, changing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
enum UserAction {
    /// Create an account; the password is read from standard input.
    Add {
        /// The login name (letters, digits, _ - . @).
        #[arg(long)]
        login: String,
        /// Member level, 1 (guest) to 10.
        #[arg(long, default_value_t = 2)]
        level: i64,
        /// Make the account a super administrator.
        #[arg(long)]
        admin: bool,
        /// Display name (default: the login).
        #[arg(long)]
        nickname: Option<String>,
        /// E-mail address.
        #[arg(long, default_value = "")]
        email: String,
    },
    /// Set a new password (read from standard input) and end the account's sessions.
    Passwd {
        /// The login name.
        login: String,
    },
}

/// mimalloc rather than the C library's allocator: rendering a page makes many small
/// strings and frees them, and glibc's malloc spent about a sixth of an uncached list
/// page's CPU time on that (measured in BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            listen,
            demo,
            metrics_listen,
            default_language,
            trusted_proxies,
        } => {
            let serve_args = ServeArgs {
                listen,
                metrics_listen,
                default_language: default_language.into(),
                trusted_proxies,
            };
            serve(&cli.site, serve_args, demo).await
        }
        Command::User { action } => user(&cli.site, action).await,
        Command::Reindex { all } => reindex(&cli.site, all).await,
        Command::Check => check(&cli.site).await,
        Command::Backup { file, verify } => {
            madang::backup::run_backup(&cli.site, &file, verify).await
        }
        Command::Restore { file } => madang::backup::run_restore(&cli.site, &file).await,
        Command::Import {
            source:
                ImportSource::Gnuboard {
                    dump,
                    mysql,
                    source,
                    files,
                    dry_run,
                },
        } => import_gnuboard(&cli.site, (dump, mysql, source), files, dry_run).await,
    }
}

/// Free space the data folder's disk must have for Madang to start: enough for the
/// database to grow, the WAL to checkpoint and an upload or two to land.
const MIN_FREE_BYTES: u64 = 64 * 1024 * 1024;

/// Bytes free for this user on the disk holding `dir`.
fn free_bytes(dir: &std::path::Path) -> Result<u64> {
    let stat = rustix::fs::statvfs(dir)
        .with_context(|| format!("reading the free space of {}", dir.display()))?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// Refuses to start on a (nearly) full disk, where the first write would fail.
/// `MADANG_MIN_FREE_MB` changes the threshold.
fn check_free_space(dir: &std::path::Path) -> Result<()> {
    let needed = std::env::var("MADANG_MIN_FREE_MB")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(|mb| mb * 1024 * 1024)
        .unwrap_or(MIN_FREE_BYTES);
    let free = free_bytes(dir)?;
    if free < needed {
        anyhow::bail!(
            "the disk holding {} is full: {} MiB free, and Madang needs at least {} MiB to \
             write safely. Make room (old backups, logs) or move the data folder, then start \
             again. Nothing was changed.",
            dir.display(),
            free / (1024 * 1024),
            needed / (1024 * 1024)
        );
    }
    Ok(())
}

async fn open(config: &Config) -> Result<(Store, Files)> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data folder {}", config.data_dir.display()))?;
    check_free_space(&config.data_dir)?;
    let store = match Store::connect_sized(&config.database_url, config.database_pool).await {
        Ok(store) => store,
        Err(e) if e.is_corrupt() => anyhow::bail!(
            "the database {} is damaged ({e}). Restore the last backup with `madang restore` \
             into an empty data folder, or run `madang check` for details. The damaged file \
             was not changed.",
            redact(&config.database_url)
        ),
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!(
                "opening the database {}",
                redact(&config.database_url)
            )));
        }
    };
    let files = config.files()?;
    Ok((store, files))
}

/// Hides a password in a database address before it reaches a log.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn serve(site: &SiteArgs, serve_args: ServeArgs, with_demo: bool) -> Result<()> {
    let started = std::time::Instant::now();
    let config = Config::resolve_serve(site, serve_args)?;
    let addr: SocketAddr = config
        .listen
        .parse()
        .with_context(|| format!("the listen address {:?} is not HOST:PORT", config.listen))?;
    let (store, files) = open(&config).await?;
    tracing::info!(
        data = %config.data_dir.display(),
        database = store.backend(),
        "data folder ready"
    );
    if with_demo {
        let site_config = config.site_config();
        match demo::install(&store, &files, site_config.copy_line_language).await? {
            demo::Installed::Created {
                new_admin: Some((login, password)),
            } => tracing::info!(
                "example site created; administrator login {login}, password {password} (shown once)"
            ),
            demo::Installed::Created { new_admin: None } => tracing::info!("example site created"),
            demo::Installed::AlreadyThere => {
                tracing::info!("example site already present; reusing it")
            }
        }
    }
    sweep_unreferenced_files(&store, &files).await?;
    match config.mailer.summary() {
        Some(server) => tracing::info!("mail goes out through {server}"),
        None => tracing::info!(
            "no mail server is configured (MADANG_SMTP_URL): password reset and invitation links are written to this log"
        ),
    }
    let state = AppState::new(store, files, config.site_config());
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    let local = listener.local_addr()?;
    if let Some(token) = madang_web::setup::prepare_setup_token(&state)
        .await
        .map_err(|e| anyhow::anyhow!("preparing the setup link: {e:?}"))?
    {
        tracing::warn!(
            "this site has no administrator yet; create one at http://{local}/setup/{token}"
        );
    }
    tracing::info!(
        "Madang is serving http://{local}/ (ready in {} ms)",
        started.elapsed().as_millis()
    );
    if let Some(address) = &config.metrics_listen {
        let metrics_listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("listening for metrics on {address}"))?;
        tracing::info!(
            "metrics at http://{}/metrics",
            metrics_listener.local_addr()?
        );
        let metrics = madang_web::metrics_app(state.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(metrics_listener, metrics).await {
                tracing::error!(error = %e, "the metrics address stopped");
            }
        });
    }
    madang_web::spawn_scheduler(state.clone());
    if madang_web::follow_other_nodes(&state).await? {
        tracing::info!("following other nodes' writes through PostgreSQL notifications");
    }
    let app = madang_web::app(state.clone());
    // With the peer address, so rate limits and the audit log see who is asking.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("serving")?;
    state.flush_view_counts().await;
    state.store().close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Imports a GnuBoard5 site, with a bar per table on a terminal and plain lines otherwise.
async fn import_gnuboard(
    site: &SiteArgs,
    (dump, mysql, source): (Option<std::path::PathBuf>, Option<String>, Option<String>),
    files_dir: std::path::PathBuf,
    dry_run: bool,
) -> Result<()> {
    use std::io::IsTerminal;
    let config = Config::resolve(site, None)?;
    let (store, files) = open(&config).await?;
    let mut options = match (dump, mysql) {
        (_, Some(url)) => madang_import::ImportOptions::from_mysql(url, files_dir),
        (Some(dump), None) => madang_import::ImportOptions::new(dump, files_dir),
        (None, None) => anyhow::bail!("give --dump FILE or --mysql URL"),
    };
    options.dry_run = dry_run;
    options.source = source;
    let terminal = std::io::stderr().is_terminal();
    let bars = indicatif::MultiProgress::new();
    let mut current: Option<(String, indicatif::ProgressBar)> = None;
    let mut progress = |p: &madang_import::Progress| {
        let same = current.as_ref().is_some_and(|(table, _)| table == p.table);
        if !same {
            if let Some((_, bar)) = current.take() {
                bar.finish();
            }
            let bar = if terminal {
                let bar = bars.add(indicatif::ProgressBar::new(p.total));
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{msg:28} [{bar:30}] {pos}/{len}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar.set_message(p.table.to_owned());
                bar
            } else {
                println!("{}: {} rows", p.table, p.total);
                indicatif::ProgressBar::hidden()
            };
            current = Some((p.table.to_owned(), bar));
        }
        if let Some((_, bar)) = &current {
            bar.set_length(p.total);
            bar.set_position(p.done);
        }
    };
    let result = madang_import::import(&store, &files, &options, &mut progress).await;
    if let Some((_, bar)) = current.take() {
        bar.finish();
    }
    store.close().await;
    let report =
        result.map_err(|e| anyhow::anyhow!("the import stopped and changed nothing: {e}"))?;
    println!("{report}");
    Ok(())
}

/// Removes stored files nothing refers to: what a crash leaves between storing an upload and
/// committing its post. Local storage belongs to this process alone, so at start-up no write
/// is in flight and every unreferenced file can go; shared storage keeps files younger than
/// an hour, which another node may be about to commit.
async fn sweep_unreferenced_files(store: &Store, files: &Files) -> Result<()> {
    let interrupted = files
        .remove_interrupted_writes()
        .context("removing interrupted writes")?;
    let referenced: std::collections::HashSet<String> =
        store.referenced_storage_keys().await?.into_iter().collect();
    let min_age = if files.is_local() {
        std::time::Duration::ZERO
    } else {
        std::time::Duration::from_secs(3600)
    };
    let now = std::time::SystemTime::now();
    let mut removed = 0usize;
    for (key, modified) in files.list().await.context("listing stored files")? {
        let old_enough = now.duration_since(modified).unwrap_or_default() >= min_age;
        if !referenced.contains(&key) && old_enough {
            files
                .delete(&key)
                .await
                .context("removing an unreferenced file")?;
            removed += 1;
        }
    }
    if removed + interrupted > 0 {
        tracing::info!(
            removed,
            interrupted,
            "removed stored files nothing refers to (left by an interrupted upload)"
        );
    }
    Ok(())
}

/// Lists problems without changing anything; exits non-zero when there are any.
async fn check(site: &SiteArgs) -> Result<()> {
    let config = Config::resolve(site, None)?;
    let store = Store::open_existing(&config.database_url)
        .await
        .with_context(|| {
            format!(
                "opening the database {} (nothing was created)",
                redact(&config.database_url)
            )
        })?;
    let mut problems: Vec<String> = Vec::new();
    if let Err(e) = store.readable().await {
        anyhow::bail!(
            "the database {} cannot be read: {e}. {}",
            redact(&config.database_url),
            if e.is_corrupt() {
                "The file is damaged; restore the last backup with `madang restore` into an empty data folder. Nothing was changed."
            } else {
                "Nothing was changed."
            }
        );
    }
    let (applied, known) = store.schema_versions().await?;
    if applied > known {
        problems.push(format!(
            "the database schema is version {applied}, newer than this program's {known}: run the newer Madang"
        ));
    } else if applied < known {
        println!(
            "note: the database schema is version {applied}; starting the server will bring it to {known}"
        );
    }
    if applied == known {
        problems.extend(store.check_database().await?.into_iter().map(|p| p.what));
        let files = config.files()?;
        let keys = store.referenced_storage_keys().await?;
        let mut missing = 0usize;
        for key in &keys {
            if matches!(
                files.open(key).await,
                Err(madang_files::FilesError::NotFound) | Err(madang_files::FilesError::InvalidKey)
            ) {
                missing += 1;
                if missing <= 20 {
                    problems.push(format!("a stored file is missing: {key}"));
                }
            }
        }
        if missing > 20 {
            problems.push(format!("… {} more missing files", missing - 20));
        }
        let referenced: std::collections::HashSet<&String> = keys.iter().collect();
        let unreferenced = files
            .list()
            .await?
            .into_iter()
            .filter(|(k, _)| !referenced.contains(k))
            .count();
        if unreferenced > 0 {
            println!(
                "note: {unreferenced} stored file(s) nothing refers to; the server removes them at its next start"
            );
        }
        println!("checked {} stored files", keys.len());
    }
    store.close().await;
    if problems.is_empty() {
        println!("no problems found");
        Ok(())
    } else {
        for problem in &problems {
            println!("problem: {problem}");
        }
        anyhow::bail!("{} problem(s) found", problems.len())
    }
}

/// Rebuilds the search index with a progress bar on a terminal, plain lines otherwise.
async fn reindex(site: &SiteArgs, all: bool) -> Result<()> {
    use std::io::IsTerminal;
    let config = Config::resolve(site, None)?;
    // Opening the store already brings rows of older tokenizers up to date.
    let (store, _files) = open(&config).await?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:40}] {pos}/{len} posts and comments ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message("re-indexing");
        bar
    });
    let started = std::time::Instant::now();
    let done = store
        .reindex(all, |done, total| match &bar {
            Some(bar) => {
                bar.set_length(total);
                bar.set_position(done);
            }
            None => println!("re-indexed {done}/{total} posts and comments"),
        })
        .await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    println!(
        "re-indexed {done} posts and comments in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    store.close().await;
    Ok(())
}

/// Reads a new password: hidden, twice, from a terminal; one line from a pipe.
fn read_new_password() -> Result<String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ")?;
        let second = rpassword::prompt_password("Again: ")?;
        if first != second {
            anyhow::bail!("the two passwords differ; nothing was changed");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\n', '\r']).to_owned())
    }
}

async fn user(site: &SiteArgs, action: UserAction) -> Result<()> {
    let config = Config::resolve(site, None)?;
    let (store, _files) = open(&config).await?;
    let now = jiff::Timestamp::now();
    let result = match action {
        UserAction::Add {
            login,
            level,
            admin,
            nickname,
            email,
        } => {
            let level = madang_core::Level::new(level)
                .ok_or_else(|| anyhow::anyhow!("the level must be from 1 to 10"))?;
            let password = read_new_password()?;
            let hash = madang_core::password::hash(&password)?;
            let new = madang_store::NewMember {
                login: &login,
                nickname: nickname.as_deref().unwrap_or(&login),
                email: &email,
                password_hash: &hash,
                level,
                is_super_admin: admin,
            };
            let member = store.create_member(&new, now).await?;
            println!(
                "created {} (level {}{})",
                member.login,
                member.level.get(),
                if member.is_super_admin {
                    ", super administrator"
                } else {
                    ""
                }
            );
            Ok(())
        }
        UserAction::Passwd { login } => {
            if store.member_by_login(&login).await?.is_none() {
                anyhow::bail!("there is no account with the login {login:?}");
            }
            let password = read_new_password()?;
            let hash = madang_core::password::hash(&password)?;
            let member = store
                .set_password(&login, &hash, (None, "command line"), now.as_second())
                .await?;
            println!(
                "password changed for {}; their sessions were ended",
                member.login
            );
            Ok(())
        }
    };
    store.close().await;
    result
}

/// Resolves on Ctrl-C or SIGTERM, so requests in flight finish and the database closes.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_database_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite:/x/madang.db"), "sqlite:/x/madang.db");
    }
}
