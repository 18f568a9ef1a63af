//! Embeds the app's migrations (`migrations/` at the workspace root): the server builds its
//! typed marketplace tables from them, and serves the schema versions they define.

use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "sql") {
            files.push(path);
        }
    }
    files.sort();
    let mut out = String::from(
        "/// The app's migrations, in order.\npub const APP_MIGRATIONS: &[&str] = &[\n",
    );
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
        writeln!(out, "    include_str!({:?}),", file.canonicalize()?)?;
    }
    out.push_str("];\n");
    let target = PathBuf::from(std::env::var("OUT_DIR")?).join("app_migrations.rs");
    std::fs::write(target, out)?;
    Ok(())
}
