//! `algo calendar` prints the sessions the executor will trade, from the data it will read.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use std::process::Command;

fn algo(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_algo"));
    cmd.arg("calendar")
        .args(args)
        .env_remove("ALGO_CALENDAR_FILE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("algo runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_diwali_week_shows_the_muhurat_session_the_holidays_and_the_weekend() {
    let (ok, out, err) = algo(&["--from", "2025-10-20", "--to", "2025-10-26"], &[]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(lines.len(), 7, "{out}");
    assert_eq!(lines[0], "2025-10-20 Mon  09:15-15:30  MIS by 15:20:00");
    assert!(
        lines[1]
            .starts_with("2025-10-21 Tue  13:45-14:45  MIS by 14:35:00  special  Muhurat trading"),
        "{out}"
    );
    assert!(
        lines[1].contains("[NSE circular on Muhurat trading 2025"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("2025-10-22 Wed  closed  Diwali Balipratipada  [NSE/CMTR/65587]"),
        "{out}"
    );
    assert_eq!(lines[5], "2025-10-25 Sat  weekend");
    // 2025 is final; the warning is about the year after today's, whatever today is.
    assert!(!err.contains("2025"), "{err}");
}

#[test]
fn a_provisional_year_is_warned_about_and_a_calendar_file_replaces_the_list() {
    let (ok, out, err) = algo(&["--from", "2027-01-25", "--to", "2027-01-27"], &[]);
    assert!(ok, "{err}");
    assert!(
        out.contains("2027-01-26 Tue  closed  Republic Day"),
        "{out}"
    );
    assert!(
        err.contains("warning: the 2027 calendar is provisional"),
        "{err}"
    );

    let dir = std::env::temp_dir().join(format!("algo-calendar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("calendar.txt");
    std::fs::write(
        &file,
        "regular NSE 09:15:00-15:30:00 mis 15:20:00 | source: test\n\
         regular BSE 09:15:00-15:30:00 mis 15:10:00 | source: test\n\
         year 2027 final | source: NSE circular for 2027 (test)\n\
         2027-01-27 session 09:15:00-13:00:00 mis 12:45:00 A shortened day | source: test\n",
    )
    .expect("write");
    let path = file.display().to_string();
    let env = [("ALGO_CALENDAR_FILE", path.as_str())];
    let (ok, out, err) = algo(
        &[
            "--from",
            "2027-01-26",
            "--to",
            "2027-01-27",
            "--exchange",
            "BSE",
        ],
        &env,
    );
    assert!(ok, "{err}");
    assert!(out.starts_with("BSE sessions"), "{out}");
    assert!(
        out.contains("2027-01-26 Tue  09:15-15:30  MIS by 15:10:00"),
        "{out}"
    );
    assert!(
        out.contains(
            "2027-01-27 Wed  09:15-13:00  MIS by 12:45:00  special  A shortened day  [test]"
        ),
        "{out}"
    );
    assert!(!err.contains("2027 calendar is provisional"), "{err}");

    std::fs::write(&file, "2027-01-26 closed Republic Day\n").expect("write");
    let (ok, _, err) = algo(&["--from", "2027-01-26"], &env);
    assert!(!ok);
    assert!(
        err.contains("calendar line 1") && err.contains("source"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_arguments_say_what_is_wrong() {
    let (ok, _, err) = algo(&["--from", "01-12-2026"], &[]);
    assert!(!ok && err.contains("--from must be YYYY-MM-DD"), "{err}");
    let (ok, _, err) = algo(&["--from", "2026-12-10", "--to", "2026-12-01"], &[]);
    assert!(!ok && err.contains("before --from"), "{err}");
    let (ok, _, err) = algo(&["--exchange", "NFO"], &[]);
    assert!(
        !ok && err.contains("--exchange must be NSE or BSE"),
        "{err}"
    );
}
