//! Embeds the app's migrations (`migrations/` at the workspace root): the server builds its
//! typed marketplace tables from them, and serves the schema versions they define.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../../migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// The app's migrations, in order.\npub const APP_MIGRATIONS: &[&str] = &[\n",
    );
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
        writeln!(out, "    include_str!({:?}),", file.canonicalize().unwrap()).unwrap();
    }
    out.push_str("];\n");
    let target = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("app_migrations.rs");
    std::fs::write(target, out).unwrap();
}
