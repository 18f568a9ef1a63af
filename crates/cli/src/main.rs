//! `seller`: the Seller Panel command line. It works on the same data folder as the desktop
//! app, so it can run from scripts and cron (backups, imports, exports).
//!
//! Exit codes: 0 success, 1 the operation failed (the message says why), 2 wrong usage.

mod bench;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use std::sync::atomic::AtomicBool;

use seller_store::csv::{CsvError, CsvExportOptions, CsvImportOptions, OnRowError, RowError};
use seller_store::products::ProductQuery;
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
    /// Import a CSV file (Excel or LibreOffice, French or English settings).
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Measure the store on a generated data set (100,000 products and 200,000 orders by default).
    Bench {
        #[arg(long, default_value_t = 100_000)]
        products: u32,
        #[arg(long, default_value_t = 200_000)]
        orders: u32,
        #[arg(long, default_value_t = 200)]
        samples: u32,
    },
    /// Export to CSV (standard output unless --out is given).
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
}

#[derive(Subcommand)]
enum ImportWhat {
    /// Add the rows of FILE to the inventory: all valid rows or none.
    Inventory {
        file: PathBuf,
        /// Import the valid rows and report the wrong ones, instead of refusing the whole file.
        #[arg(long)]
        skip_errors: bool,
        /// Check the file and report wrong rows without importing anything.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum ExportWhat {
    /// The inventory, every product, as a CSV the importer reads back.
    Inventory {
        /// `fr`: Excel in French (semicolons, decimal comma); `en`: commas, decimal point.
        #[arg(long, default_value = "fr", value_parser = ["fr", "en"])]
        lang: String,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
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
    if let Command::Bench {
        products,
        orders,
        samples,
    } = cli.command
    {
        // Works in a temporary folder of its own, never on the user's data.
        return bench::run(products, orders, samples);
    }
    let dir = data_dir::resolve(cli.data_dir).context("no data folder: pass --data-dir")?;
    match cli.command {
        Command::Backup { to, keep_days } => run_backup(&dir, to, keep_days),
        Command::Restore { file, yes } => run_restore(&dir, &file, yes),
        Command::Import {
            what:
                ImportWhat::Inventory {
                    file,
                    skip_errors,
                    dry_run,
                },
        } => import_inventory(&dir, &file, skip_errors, dry_run),
        Command::Export {
            what: ExportWhat::Inventory { lang, out },
        } => export_inventory(&dir, &lang, out),
        Command::Bench { .. } => unreachable!("handled above"),
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

fn print_row_errors(errors: &[RowError], truncated: bool) {
    for e in errors {
        let column = e.column.as_deref().unwrap_or("-");
        let value = e.value.as_deref().unwrap_or("");
        eprintln!(
            "  line {}, column {column}: {:?} ({value:?})",
            e.line, e.code
        );
    }
    if truncated {
        eprintln!("  (more errors not listed)");
    }
}

fn import_inventory(dir: &Path, file: &Path, skip_errors: bool, dry_run: bool) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let mut store = open_store(dir)?;
    let options = CsvImportOptions {
        on_error: if skip_errors {
            OnRowError::Skip
        } else {
            OnRowError::Block
        },
        ..CsvImportOptions::default()
    };
    if dry_run {
        let preview = store.preview_inventory_csv(&bytes, &options)?;
        println!(
            "{}: {} rows, {} valid, {} wrong ({}, {})",
            file.display(),
            preview.total_rows,
            preview.valid_rows,
            preview.invalid_rows,
            preview.format.encoding.as_str(),
            preview.format.delimiter.as_str()
        );
        print_row_errors(&preview.errors, preview.errors_truncated);
        if preview.invalid_rows > 0 {
            bail!("{} rows are wrong", preview.invalid_rows);
        }
        return Ok(());
    }
    let cancel = AtomicBool::new(false);
    let outcome = store.import_inventory_csv(&bytes, &options, &mut |_, _| {}, &cancel);
    match outcome {
        Ok(report) => {
            println!(
                "imported {} products, skipped {} rows",
                report.imported, report.skipped
            );
            print_row_errors(&report.errors, report.errors_truncated);
            Ok(())
        }
        Err(CsvError::InvalidRows {
            invalid_rows,
            errors,
            errors_truncated,
        }) => {
            print_row_errors(&errors, errors_truncated);
            bail!(
                "{invalid_rows} rows are wrong; nothing was imported (use --skip-errors to import the others)"
            )
        }
        Err(err) => Err(err.into()),
    }
}

fn export_inventory(dir: &Path, lang: &str, out: Option<PathBuf>) -> Result<()> {
    let store = open_store(dir)?;
    let options = if lang == "en" {
        CsvExportOptions::english()
    } else {
        CsvExportOptions::excel_fr()
    };
    let query = ProductQuery::default();
    let rows = match &out {
        Some(path) => {
            // Written beside the target and renamed, so a failed export never leaves half a file.
            let partial = path.with_extension("csv.partial");
            let file = std::io::BufWriter::new(std::fs::File::create(&partial)?);
            let rows = store.export_inventory_csv(&query, &options, file)?;
            std::fs::rename(&partial, path)?;
            rows
        }
        None => store.export_inventory_csv(&query, &options, std::io::stdout().lock())?,
    };
    eprintln!("exported {rows} products");
    Ok(())
}
