//! The smallest Tauri v2 app that renders a page: the benchmark's baseline.

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("minimal window failed to start");
}
