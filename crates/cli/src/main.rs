//! `seller`: the Seller Panel command line. It works on the same data folder as the desktop
//! app, so it can run from scripts and cron (backups, imports, exports).
//!
//! Exit codes: 0 success, 1 the operation failed (the message says why), 2 wrong usage.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use seller_store::{Store, backup, data_dir};

#[derive(Parser)]
#[command(name = "seller", version, about = "Seller Panel from the command line")]
struct Cli {
    /// The data folder (default: $SELLER_PANEL_DATA_DIR, else the app's folder).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a backup (database and photos in one file).
    Backup {
        /// A file, or a folder to write a dated file into (default: the data folder's backups/).
        #[arg(long, value_name = "PATH")]
        to: Option<PathBuf>,
        /// Also delete automatic backups older than this many days in that folder.
        #[arg(long, value_name = "DAYS")]
        keep_days: Option<u32>,
    },
    /// Replace the current data with a backup's; the current data is kept aside.
    Restore {
        file: PathBuf,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Check a backup file and show what it holds, without changing anything.
    Inspect { file: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let dir = data_dir::resolve(cli.data_dir).context("no data folder: pass --data-dir")?;
    match cli.command {
        Command::Backup { to, keep_days } => run_backup(&dir, to, keep_days),
        Command::Restore { file, yes } => run_restore(&dir, &file, yes),
        Command::Inspect { file } => {
            let manifest = backup::inspect(&file)?;
            println!(
                "{}: schema {}, {} products, {} photos, made {} by Seller Panel {}",
                file.display(),
                manifest.schema_version,
                manifest.product_count,
                manifest.photo_count,
                manifest.created_at,
                manifest.app_version
            );
            Ok(())
        }
    }
}

fn open_store(dir: &Path) -> Result<Store> {
    let path = dir.join(data_dir::DATABASE_FILE);
    if !path.exists() {
        bail!(
            "no Seller Panel database in {} (start the app once, or pass --data-dir)",
            dir.display()
        );
    }
    Ok(Store::open(&path)?)
}

fn run_backup(dir: &Path, to: Option<PathBuf>, keep_days: Option<u32>) -> Result<()> {
    let store = open_store(dir)?;
    let target = to.unwrap_or_else(|| dir.join(data_dir::BACKUPS_DIR));
    let file = if target.is_dir() || target.extension().is_none() {
        target.join(backup::default_file_name())
    } else {
        target
    };
    let manifest = store.backup_to(dir, &file)?;
    println!(
        "{} ({} products, {} photos)",
        file.display(),
        manifest.product_count,
        manifest.photo_count
    );
    if let Some(days) = keep_days {
        let folder = file.parent().unwrap_or(Path::new("."));
        let removed = backup::prune(folder, days, std::time::SystemTime::now())?;
        println!("removed {removed} backups older than {days} days");
    }
    Ok(())
}

fn run_restore(dir: &Path, file: &Path, yes: bool) -> Result<()> {
    let manifest = backup::inspect(file)?;
    if !yes {
        use std::io::{BufRead, IsTerminal, Write};
        if !std::io::stdin().is_terminal() {
            bail!("restoring replaces the current data: confirm with --yes");
        }
        print!(
            "Replace the data in {} with this backup of {} ({} products, {} photos)? The current data is kept aside. [y/N] ",
            dir.display(),
            manifest.created_at,
            manifest.product_count,
            manifest.photo_count
        );
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "o" | "oui") {
            bail!("restore canceled; nothing changed");
        }
    }
    std::fs::create_dir_all(dir)?;
    let restored = backup::restore(file, dir)?;
    // Opening migrates an older backup to this version's schema (with its own copy first).
    open_store(dir)?;
    match restored.previous_data {
        Some(previous) => println!("restored; the previous data is in {}", previous.display()),
        None => println!("restored"),
    }
    Ok(())
}
