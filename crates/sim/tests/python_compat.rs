//! Kite's official Python client (kiteconnect, pinned in `scripts/services`), pointed at the
//! simulator, logs in, trades and receives ticks in every mode with the values the simulator
//! sent (`kiteconnect_compat.py`).
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use std::path::PathBuf;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_client_works_against_the_simulator() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let python = manifest.join("../../.venv-tools/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/services, which creates the venv and installs kiteconnect",
        python.display()
    );
    let import = tokio::process::Command::new(&python)
        .args(["-c", "import kiteconnect"])
        .output()
        .await
        .expect("the venv's python runs");
    assert!(
        import.status.success(),
        "kiteconnect is not installed in {}: run scripts/services (it pins kiteconnect)\n{}",
        python.display(),
        String::from_utf8_lossy(&import.stderr)
    );
    let sim = algo_sim::spawn(algo_sim::SimConfig {
        walk_interval: None,
        heartbeat_interval: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let script = manifest.join("tests/kiteconnect_compat.py");
    let output = tokio::time::timeout(
        Duration::from_secs(90),
        tokio::process::Command::new(&python)
            .arg(&script)
            .arg(&sim.base_url)
            .arg(&sim.ws_url)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the compatibility script finished within 90 s")
    .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "kiteconnect compatibility failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
    println!("{stdout}");
}
