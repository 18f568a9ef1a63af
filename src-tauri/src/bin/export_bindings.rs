//! Regenerates `ui/src/bindings.ts` from the Rust commands.

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    seller_panel::export_bindings(&path).unwrap_or_else(|e| panic!("exporting bindings: {e}"));
    println!("wrote {}", path.display());
}
