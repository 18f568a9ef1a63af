//! `seller-sync-server`: the remote instance Seller Panel devices sync with.
//!
//! ```text
//! seller-sync-server serve [--database sqlite:PATH | postgres://…] [--listen 127.0.0.1:8787]
//!                          [--tls-cert cert.pem --tls-key key.pem] [--allow-plain-http]
//! seller-sync-server add-user --email E --name N --role seller   (password read from stdin)
//! ```

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use seller_sync::hlc::wall_ms_now;
use seller_sync::protocol::Role;
use seller_sync_server::auth::hash_password;
use seller_sync_server::serve::{check_plain_http, serve, tls_acceptor};
use seller_sync_server::storage::postgres::PostgresStorage;
use seller_sync_server::storage::sqlite::SqliteStorage;
use seller_sync_server::storage::{NewUser, Storage};

#[derive(Parser)]
#[command(version, about = "The server Seller Panel devices sync with")]
struct Cli {
    /// `sqlite:PATH` (the default, a file beside the working folder) or `postgres://…`.
    #[arg(long, global = true, default_value = "sqlite:seller-sync.sqlite3")]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serves the sync API.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve plain HTTP on a non-loopback address (behind a TLS-terminating proxy).
        #[arg(long)]
        allow_plain_http: bool,
    },
    /// Creates a user; the password is read from standard input.
    AddUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["seller", "admin", "customer"], default_value = "seller")]
        role: String,
    },
}

enum Backend {
    Sqlite(SqliteStorage),
    Postgres(PostgresStorage),
}

async fn open(database: &str) -> anyhow::Result<Backend> {
    if database.starts_with("postgres://") || database.starts_with("postgresql://") {
        let storage = PostgresStorage::connect(database)
            .await
            .context("connecting to PostgreSQL")?;
        Ok(Backend::Postgres(storage))
    } else {
        let path = database.strip_prefix("sqlite:").unwrap_or(database);
        let storage =
            SqliteStorage::open(path.as_ref()).with_context(|| format!("opening {path}"))?;
        Ok(Backend::Sqlite(storage))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match open(&cli.database).await? {
        Backend::Sqlite(s) => run(s, cli.command).await,
        Backend::Postgres(s) => run(s, cli.command).await,
    }
}

async fn run<S: Storage>(storage: S, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            allow_plain_http,
        } => {
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(tls_acceptor(&cert, &key)?),
                _ => {
                    check_plain_http(listen, allow_plain_http)?;
                    None
                }
            };
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("listening on {listen}"))?;
            let scheme = if tls.is_some() { "https" } else { "http" };
            // Tests and scripts read this line to learn the port when asked for port 0.
            println!("listening on {scheme}://{}", listener.local_addr()?);
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            serve(
                listener,
                seller_sync_server::api::router(storage),
                tls,
                shutdown,
            )
            .await?;
            Ok(())
        }
        Command::AddUser { email, name, role } => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            if password.len() < 8 {
                bail!("the password must have at least 8 characters");
            }
            let role = match role.as_str() {
                "admin" => Role::Admin,
                "customer" => Role::Customer,
                _ => Role::Seller,
            };
            let user = NewUser {
                id: uuid::Uuid::now_v7().to_string(),
                name,
                email,
                password_hash: hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))?,
                role,
            };
            let clock = seller_sync::hlc::Clock::new();
            storage
                .create_user(&user, clock.stamp(wall_ms_now()))
                .await?;
            println!("{}", user.id);
            Ok(())
        }
    }
}
