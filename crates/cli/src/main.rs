//! `seller`: the Seller Panel command line. It works on the same data folder as the desktop
//! app, so it can run from scripts and cron (backups, imports, exports).
//!
//! Exit codes: 0 success, 1 the operation failed (the message says why), 2 wrong usage.
//!
//! A data folder without a database gets a new, empty one (said on standard error), as the app
//! does at its first start. Row errors of an import are sentences in the user's language:
//! French when `LC_ALL`, `LC_MESSAGES` or `LANG` (the first set) names French, English when it
//! names another language, and when none names one (cron's `C`), the language chosen in the
//! app's settings.

mod bench;
mod sync;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use std::sync::atomic::AtomicBool;

use chrono::{Datelike, NaiveDate};
use seller_store::csv::{
    CsvError, CsvExportOptions, CsvImportOptions, CsvLanguage, OnRowError, RowError,
    describe_row_error,
};
use seller_store::orders::OrderQuery;
use seller_store::products::{ProductQuery, SortDir};
use seller_store::registers::{self, RegisterKind};
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
        /// Also delete the app's automatic daily backups (seller-panel-auto-*) older than this
        /// many days in that folder. Manual backups, such as the one this command writes, are
        /// never deleted.
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
        /// Keep the generated data set in this file, or measure the one already there.
        #[arg(long, value_name = "FILE")]
        keep: Option<PathBuf>,
    },
    /// Export the inventory, the orders or the accounting registers (CSV or PDF; standard output
    /// unless --out is given).
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Sync with a Seller Panel server, as the app's Sync area does.
    Sync {
        #[command(subcommand)]
        what: SyncWhat,
    },
}

#[derive(Subcommand)]
enum SyncWhat {
    /// Sign this device in to a server; the password is read from standard input. The device's
    /// token is kept in the system keyring.
    SignIn {
        /// The server's address: https://host, or http://127.0.0.1:PORT for a local server.
        #[arg(long, value_name = "URL")]
        server: String,
        #[arg(long)]
        email: String,
    },
    /// Push what changed here and pull what changed elsewhere, now.
    Now,
    /// Show the account, the last sync, what waits to be pushed, and conflicts.
    Status,
    /// Settle a conflict `status` lists: which of the two items keeps the value both were given.
    Resolve {
        /// The conflict: the id of the item whose value was changed, or the value it holds now
        /// (as `status` shows them).
        conflict: String,
        /// `this`: the listed item takes the value back (the other gets a distinct one);
        /// `other`: the other item keeps it (nothing changes, the conflict is closed).
        #[arg(long, value_enum)]
        keep: KeepWhich,
    },
    /// Sign out: the server and the keyring forget the token; the data stays here.
    SignOut,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum KeepWhich {
    This,
    Other,
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
    /// Every order of a period (sales and purchases, canceled ones marked), one CSV row each:
    /// type, date, reference, client or supplier, title, price, fees, cost, profit, status,
    /// canceled.
    Orders {
        #[command(flatten)]
        period: PeriodArgs,
        /// `fr`: Excel in French (semicolons, decimal comma, dd/mm/yyyy); `en`: commas, decimal
        /// point, yyyy-mm-dd.
        #[arg(long, default_value = "fr", value_parser = ["fr", "en"])]
        lang: String,
        /// The file to write (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// The receipts register (livre des recettes): date, reference, client, nature, amount
    /// received and payment method of every sale of the period, canceled ones left out.
    Receipts(RegisterArgs),
    /// The purchases register (registre des achats): date, reference, supplier, nature, amount
    /// (price + fees) and payment method of every purchase of the period, canceled ones left
    /// out.
    Purchases(RegisterArgs),
}

/// A period of whole days in this machine's time zone, and an account.
#[derive(clap::Args)]
struct PeriodArgs {
    /// First day, YYYY-MM-DD (default: 1 January of the --to year, else of this year).
    #[arg(long, value_name = "DATE")]
    from: Option<NaiveDate>,
    /// Last day, included, YYYY-MM-DD (default: 31 December of the --from year, else of this
    /// year).
    #[arg(long, value_name = "DATE")]
    to: Option<NaiveDate>,
    /// Only this Vinted account (its name, username or id; default: all accounts).
    #[arg(long, value_name = "ACCOUNT")]
    account: Option<String>,
}

#[derive(clap::Args)]
struct RegisterArgs {
    #[command(flatten)]
    period: PeriodArgs,
    /// `fr`: French headers, dd/mm/yyyy, 12,50 (CSV: semicolons, for Excel in French); `en`:
    /// English headers, yyyy-mm-dd, 12.50 (CSV: commas).
    #[arg(long, default_value = "fr", value_parser = ["fr", "en"])]
    lang: String,
    /// `csv` for a spreadsheet, `pdf` for an A4 document to print or keep.
    #[arg(long, default_value = "csv", value_parser = ["csv", "pdf"])]
    format: String,
    /// The business name printed at the top of the PDF (default: the --account's name).
    #[arg(long, value_name = "NAME")]
    shop: Option<String>,
    /// The file to write (default: standard output; a PDF is never written to a terminal).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Wrong usage found after parsing (exit code 2, as clap's own).
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            if err.downcast_ref::<Usage>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    if let Command::Bench {
        products,
        orders,
        samples,
        keep,
    } = cli.command
    {
        // Works in a temporary folder of its own (or the --keep file), never on the user's data.
        return bench::run(products, orders, samples, keep.as_deref());
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
        Command::Export {
            what: ExportWhat::Orders { period, lang, out },
        } => export_orders(&dir, &period, &lang, out),
        Command::Export {
            what: ExportWhat::Receipts(args),
        } => export_register(&dir, RegisterKind::Receipts, &args),
        Command::Export {
            what: ExportWhat::Purchases(args),
        } => export_register(&dir, RegisterKind::Purchases, &args),
        Command::Sync { what } => {
            // A new data folder signs in like the app's first start: with a new database.
            drop(open_store(&dir)?);
            sync::run(&dir, what)
        }
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

/// Opens the data folder's database as the app does, creating the folder (private to this
/// user) and an empty database when there is none yet, and saying so on standard error.
fn open_store(dir: &Path) -> Result<Store> {
    let path = dir.join(data_dir::DATABASE_FILE);
    let creating = !path.exists();
    data_dir::prepare_private(dir)
        .with_context(|| format!("preparing the data folder {}", dir.display()))?;
    // As the app opens it: the sync engine's capture must see every write.
    let (store, _capture) = seller_sync::device::open(&path)?;
    if creating {
        let said = match user_language(Some(&store)) {
            CsvLanguage::Fr => format!(
                "nouvelle base de données Seller Panel créée : {}",
                path.display()
            ),
            CsvLanguage::En => format!("created a new Seller Panel database: {}", path.display()),
        };
        eprintln!("{said}");
    }
    Ok(store)
}

/// The language `LC_ALL`, `LC_MESSAGES` or `LANG` names (the first one set, as in POSIX):
/// `None` when none is set or it names no language (`C`, `POSIX`).
fn environment_language() -> Option<CsvLanguage> {
    let value = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.is_empty())?;
    let language = value.split(['_', '.', '@', '-']).next().unwrap_or("");
    match language.to_ascii_lowercase().as_str() {
        "" | "c" | "posix" => None,
        "fr" => Some(CsvLanguage::Fr),
        _ => Some(CsvLanguage::En),
    }
}

/// The language the command line speaks: the environment's, else the app's setting (French
/// or English, as chosen in Réglages), else English.
fn user_language(store: Option<&Store>) -> CsvLanguage {
    environment_language()
        .or_else(|| {
            let setting = store?.setting("language").ok()??;
            match setting.as_str() {
                "fr" => Some(CsvLanguage::Fr),
                "en" => Some(CsvLanguage::En),
                _ => None,
            }
        })
        .unwrap_or(CsvLanguage::En)
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
        println!("removed {removed} automatic backups older than {days} days");
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
    data_dir::prepare_private(dir)?;
    let restored = backup::restore(file, dir)?;
    // Opening migrates an older backup to this version's schema (with its own copy first).
    open_store(dir)?;
    match restored.previous_data {
        Some(previous) => println!("restored; the previous data is in {}", previous.display()),
        None => println!("restored"),
    }
    Ok(())
}

/// Each row error as a sentence in `language` naming what is allowed.
fn print_row_errors(errors: &[RowError], truncated: bool, language: CsvLanguage) {
    for error in errors {
        eprintln!("  {}", describe_row_error(error, language));
    }
    if truncated {
        eprintln!(
            "  {}",
            match language {
                CsvLanguage::Fr => "(d’autres erreurs ne sont pas listées)",
                CsvLanguage::En => "(more errors not listed)",
            }
        );
    }
}

fn import_inventory(dir: &Path, file: &Path, skip_errors: bool, dry_run: bool) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let mut store = open_store(dir)?;
    let language = user_language(Some(&store));
    let fr = language == CsvLanguage::Fr;
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
        print_row_errors(&preview.errors, preview.errors_truncated, language);
        if preview.invalid_rows > 0 {
            if fr {
                bail!("{} lignes sont en erreur", preview.invalid_rows);
            }
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
            print_row_errors(&report.errors, report.errors_truncated, language);
            Ok(())
        }
        Err(CsvError::InvalidRows {
            invalid_rows,
            errors,
            errors_truncated,
        }) => {
            print_row_errors(&errors, errors_truncated, language);
            if fr {
                bail!(
                    "{invalid_rows} lignes sont en erreur ; rien n’a été importé (--skip-errors importe les autres)"
                )
            }
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

fn language(lang: &str) -> CsvLanguage {
    if lang == "en" {
        CsvLanguage::En
    } else {
        CsvLanguage::Fr
    }
}

/// The period's days: both given, or the calendar year of the one given, or this year.
fn period_days(period: &PeriodArgs) -> Result<(NaiveDate, NaiveDate)> {
    let year_of =
        |day: Option<NaiveDate>| day.map_or_else(|| chrono::Local::now().year(), |d| d.year());
    let first = period.from.unwrap_or_else(|| {
        NaiveDate::from_ymd_opt(year_of(period.to), 1, 1).expect("1 January exists")
    });
    let last = period.to.unwrap_or_else(|| {
        NaiveDate::from_ymd_opt(year_of(period.from), 12, 31).expect("31 December exists")
    });
    if last < first {
        return Err(Usage(format!("--to {last} is before --from {first}")).into());
    }
    Ok((first, last))
}

/// The id of the account named by `--account` (its id, name or username).
fn account_id(store: &Store, wanted: Option<&str>) -> Result<Option<(String, String)>> {
    let Some(wanted) = wanted.map(str::trim).filter(|w| !w.is_empty()) else {
        return Ok(None);
    };
    let accounts = store.accounts()?;
    let found = accounts.iter().find(|a| a.id == wanted).or_else(|| {
        accounts.iter().find(|a| {
            a.name.eq_ignore_ascii_case(wanted)
                || a.username
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(wanted))
        })
    });
    match found {
        Some(account) => Ok(Some((account.id.clone(), account.name.clone()))),
        None if accounts.is_empty() => bail!("no account {wanted:?}: there is no Vinted account"),
        None => bail!(
            "no account {wanted:?}; the accounts are: {}",
            accounts
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Writes what `write` produces to `out`, beside it first and renamed so that a failed export
/// never leaves half a file; or to standard output.
fn write_out(
    out: Option<&Path>,
    write: impl FnOnce(&mut dyn std::io::Write) -> Result<()>,
) -> Result<()> {
    match out {
        Some(path) => {
            let mut partial = path.as_os_str().to_owned();
            partial.push(".partial");
            let partial = PathBuf::from(partial);
            let file = std::fs::File::create(&partial)
                .with_context(|| format!("creating {}", partial.display()))?;
            let mut file = std::io::BufWriter::new(file);
            let written = write(&mut file).and_then(|()| {
                use std::io::Write;
                file.flush()?;
                Ok(())
            });
            drop(file);
            if let Err(err) = written {
                let _ = std::fs::remove_file(&partial);
                return Err(err);
            }
            std::fs::rename(&partial, path)
                .with_context(|| format!("writing {}", path.display()))?;
            Ok(())
        }
        None => write(&mut std::io::stdout().lock()),
    }
}

fn export_orders(dir: &Path, period: &PeriodArgs, lang: &str, out: Option<PathBuf>) -> Result<()> {
    let (first, last) = period_days(period)?;
    let store = open_store(dir)?;
    let account = account_id(&store, period.account.as_deref())?;
    let (from, to) = registers::local_day_period(first, last);
    let query = OrderQuery {
        seller_account_id: account.map(|(id, _)| id),
        from: Some(from),
        to: Some(to),
        sort_dir: SortDir::Asc,
        ..OrderQuery::default()
    };
    let mut rows = 0;
    write_out(out.as_deref(), |w| {
        rows = store.export_orders_csv(&query, language(lang), w)?;
        Ok(())
    })?;
    eprintln!("exported {rows} orders from {first} to {last}");
    Ok(())
}

fn export_register(dir: &Path, kind: RegisterKind, args: &RegisterArgs) -> Result<()> {
    use std::io::IsTerminal;
    let (first, last) = period_days(&args.period)?;
    let pdf = args.format == "pdf";
    if pdf && args.out.is_none() && std::io::stdout().is_terminal() {
        return Err(Usage(
            "a PDF is not written to a terminal: pass --out FILE (or redirect the output)"
                .to_owned(),
        )
        .into());
    }
    let store = open_store(dir)?;
    let account = account_id(&store, args.period.account.as_deref())?;
    let (from, to) = registers::local_day_period(first, last);
    let register = store.register(
        kind,
        &from,
        &to,
        account.as_ref().map(|(id, _)| id.as_str()),
    )?;
    let lang = language(&args.lang);
    let shop = args
        .shop
        .clone()
        .or_else(|| account.map(|(_, name)| name))
        .unwrap_or_default();
    write_out(args.out.as_deref(), |w| {
        if pdf {
            registers::write_register_pdf(&register, lang, &shop, w)?;
        } else {
            registers::write_register_csv(&register, lang, w)?;
        }
        Ok(())
    })?;
    eprintln!(
        "{}: {} entries from {first} to {last}, total {}",
        registers::register_name(kind, lang),
        register.rows.len(),
        registers::format_amount(register.total_cents, lang)
    );
    Ok(())
}
