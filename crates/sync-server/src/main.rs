//! `seller-sync-server`: the remote instance Seller Panel devices sync with.
//!
//! ```text
//! seller-sync-server serve [--database sqlite:PATH | postgres://…] [--listen 127.0.0.1:8787]
//!                          [--tls-cert cert.pem --tls-key key.pem] [--allow-plain-http]
//!                          [--client-address-header X-Forwarded-For]
//! seller-sync-server add-user --email E --name N --role seller   (password read from stdin)
//! seller-sync-server devices --email E
//! seller-sync-server revoke-device --device ID
//! seller-sync-server revoke-devices --email E
//! ```
//!
//! The database address (with its password) may instead come from `SELLER_SYNC_DATABASE` or
//! the first line of `--database-file PATH`: the command line is visible to every local user.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use seller_sync_core::hlc::wall_ms_now;
use seller_sync_core::protocol::Role;
use seller_sync_server::api::{Limits, router_with};
use seller_sync_server::auth::hash_password;
use seller_sync_server::serve::{check_plain_http, serve, tls_acceptor};
use seller_sync_server::storage::postgres::PostgresStorage;
use seller_sync_server::storage::sqlite::SqliteStorage;
use seller_sync_server::storage::{NewUser, Storage, UserAuth};

/// Where the database address comes from when neither option gives it.
const DATABASE_VAR: &str = "SELLER_SYNC_DATABASE";
const DEFAULT_DATABASE: &str = "sqlite:seller-sync.sqlite3";

#[derive(Parser)]
#[command(version, about = "The server Seller Panel devices sync with")]
struct Cli {
    /// `sqlite:PATH` or `postgres://…` (add `?sslmode=require` for TLS). Without it, the
    /// `SELLER_SYNC_DATABASE` variable, else `sqlite:seller-sync.sqlite3`. A password given here
    /// is visible to every local user (ps): prefer the variable or --database-file.
    #[arg(long, global = true, conflicts_with = "database_file")]
    database: Option<String>,
    /// A file whose first line is the database address (keep it readable by the server only).
    #[arg(long, global = true)]
    database_file: Option<PathBuf>,
    /// A PEM file of the certificate authority that signed PostgreSQL's certificate, trusted
    /// besides the system's roots (with `sslmode=require`).
    #[arg(long, global = true)]
    database_ca: Option<PathBuf>,
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
        /// Behind a reverse proxy: the header it puts the client's address in (its last entry
        /// counts), for the per-address limit on failed sign-ins. The proxy must set it.
        #[arg(long)]
        client_address_header: Option<String>,
    },
    /// Lists a user's devices: id, name, signed in, last used, revoked.
    Devices {
        #[arg(long)]
        email: String,
    },
    /// Revokes one device: its token stops working and it never signs in again under its id.
    RevokeDevice {
        #[arg(long)]
        device: String,
    },
    /// Revokes every device of a user (a lost password, a stolen computer).
    RevokeDevices {
        #[arg(long)]
        email: String,
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

/// The database address: --database-file's first line, --database, the variable, the default.
fn database_address(cli: &Cli) -> anyhow::Result<String> {
    if let Some(file) = &cli.database_file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading the database address from {}", file.display()))?;
        let first = text.lines().next().unwrap_or("").trim();
        if first.is_empty() {
            bail!(
                "{} holds no database address on its first line",
                file.display()
            );
        }
        return Ok(first.to_owned());
    }
    if let Some(database) = &cli.database {
        return Ok(database.clone());
    }
    match std::env::var(DATABASE_VAR) {
        Ok(database) if !database.trim().is_empty() => Ok(database.trim().to_owned()),
        _ => Ok(DEFAULT_DATABASE.to_owned()),
    }
}

async fn open(database: &str, ca: Option<&Path>) -> anyhow::Result<Backend> {
    if database.starts_with("postgres://") || database.starts_with("postgresql://") {
        // The address may hold a password: the error says what failed, never the address.
        let storage = PostgresStorage::connect_with_ca(database, ca)
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
    let database = database_address(&cli)?;
    match open(&database, cli.database_ca.as_deref()).await? {
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
            client_address_header,
        } => {
            let defaults = Limits::default();
            let limits = Limits {
                client_address_header: client_address_header
                    .map(|h| h.parse())
                    .transpose()
                    .context("--client-address-header is not a header name")?,
                // Each long poll holds a connection: half the file limit at most, so waiting
                // devices never leave the others without a descriptor.
                waits_total: open_files_limit().map_or(defaults.waits_total, |n| {
                    defaults.waits_total.min(n / 2).max(1)
                }),
                ..defaults
            };
            tracing::info!(
                long_polls = limits.waits_total,
                hashing_threads = limits.hashing_threads,
                "limits"
            );
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
            serve(listener, router_with(storage, limits), tls, shutdown).await?;
            Ok(())
        }
        Command::Devices { email } => {
            let user = user_named(&storage, &email).await?;
            let devices = storage.devices_of(&user.id).await?;
            if devices.is_empty() {
                println!("{email} has no device signed in");
            }
            for d in devices {
                let state = match &d.revoked_at {
                    Some(at) => format!("revoked {at}"),
                    None => "active".to_owned(),
                };
                println!(
                    "{}\t{}\tsigned in {}\tlast used {}\t{state}",
                    d.id,
                    d.name,
                    d.created_at,
                    d.last_seen_at.as_deref().unwrap_or("never"),
                );
            }
            Ok(())
        }
        Command::RevokeDevice { device } => {
            if !storage.revoke_device(&device).await? {
                bail!("no device {device} on this server (see `devices --email`)");
            }
            println!("device {device} revoked");
            Ok(())
        }
        Command::RevokeDevices { email } => {
            let user = user_named(&storage, &email).await?;
            let revoked = storage.revoke_devices(&user.id).await?;
            println!("{revoked} device(s) of {email} revoked");
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
            let clock = seller_sync_core::hlc::Clock::new();
            storage
                .create_user(&user, clock.stamp(wall_ms_now()))
                .await?;
            println!("{}", user.id);
            Ok(())
        }
    }
}

/// The soft limit on open files (Linux: /proc/self/limits), when known.
fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

async fn user_named<S: Storage>(storage: &S, email: &str) -> anyhow::Result<UserAuth> {
    storage
        .user_by_email(email.trim())
        .await?
        .with_context(|| format!("no user signs in as {email} on this server"))
}
