//! The processes of a session, found by the marker every one of them carries (see
//! `seller_automation::process`).

/// Chromium's browser process (not a renderer, zygote or helper) among `pids`.
pub fn browser_process(pids: &[u32]) -> Option<u32> {
    pids.iter().copied().find(|pid| {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline);
        comm.trim().starts_with("chrom")
            && !comm.contains("driver")
            && cmdline.contains("--user-data-dir")
            && !cmdline.contains("--type=")
    })
}

/// `pid name` of each process, for failure messages.
pub fn describe(pids: &[u32]) -> Vec<String> {
    pids.iter()
        .map(|pid| {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            format!("{pid} {}", comm.trim())
        })
        .collect()
}

/// Kills a process outright, as a crash would.
pub fn kill_hard(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
}

/// Processes whose command line names `folder` (a browser's `--user-data-dir`), found without
/// the markers the code under test relies on.
pub fn naming(folder: &std::path::Path) -> Vec<u32> {
    let needle = folder.display().to_string();
    let own = std::process::id();
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
                .filter(|pid| *pid != own)
                .filter(|pid| {
                    std::fs::read(format!("/proc/{pid}/cmdline"))
                        .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&needle))
                })
                .collect()
        })
        .unwrap_or_default()
}
