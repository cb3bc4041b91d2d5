//! `madang`: the command line. `serve` runs the site; other commands manage it.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use madang::config::{Config, SiteArgs};
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
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { listen, demo } => serve(&cli.site, listen, demo).await,
    }
}

async fn open(config: &Config) -> Result<(Store, Files)> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data folder {}", config.data_dir.display()))?;
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| format!("opening the database {}", redact(&config.database_url)))?;
    let files = Files::local(&config.files_dir()).context("opening file storage")?;
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

async fn serve(site: &SiteArgs, listen: Option<String>, with_demo: bool) -> Result<()> {
    let started = std::time::Instant::now();
    let config = Config::resolve(site, listen)?;
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
    let app = madang_web::app(state.clone());
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving")?;
    state.store().close().await;
    tracing::info!("stopped");
    Ok(())
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
