// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // The same binary watches the app from a small process of its own (see `sessions.rs`).
    if seller_panel::run_session_reaper_if_asked() {
        return;
    }
    seller_panel::run();
}
