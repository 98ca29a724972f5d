//! `algo bench …`: measured figures, printed as lines for people and one JSON line at the end.

use std::hint::black_box;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use algo_app::stoploss::StopBook;
use algo_kite::ticker::{decode_frame_into, encode_frame, Depth, DepthLevel, Mode, Ohlc, Tick};
use anyhow::Context;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

/// A full-mode tick for an NSE equity token with plausible values.
fn full_tick(rng: &mut SmallRng, token: u32, price: i64) -> Tick {
    let level = |rng: &mut SmallRng, p: i64| DepthLevel {
        quantity: rng.gen_range(1..5000),
        price: p,
        orders: rng.gen_range(1..50),
    };
    let mut depth = Depth::default();
    for i in 0..5 {
        depth.buy[i] = level(rng, price - 5 * (i as i64 + 1));
        depth.sell[i] = level(rng, price + 5 * (i as i64 + 1));
    }
    Tick {
        mode: Mode::Full,
        last_traded_quantity: Some(rng.gen_range(1..500)),
        average_traded_price: Some(price - 20),
        volume_traded: Some(rng.gen_range(1..10_000_000)),
        total_buy_quantity: Some(rng.gen_range(1..1_000_000)),
        total_sell_quantity: Some(rng.gen_range(1..1_000_000)),
        ohlc: Some(Ohlc {
            open: price - 100,
            high: price + 300,
            low: price - 400,
            close: price - 50,
        }),
        last_trade_time: Some(1_795_665_600),
        oi: Some(0),
        oi_day_high: Some(0),
        oi_day_low: Some(0),
        exchange_timestamp: Some(1_795_665_600),
        depth: Some(depth),
        ..Tick::ltp(token, price)
    }
}

/// NSE equity tokens (low byte 1) for `n` instruments.
fn tokens(n: usize) -> Vec<u32> {
    (0..n as u32).map(|i| ((100_000 + i) << 8) | 1).collect()
}

/// `frames` frames of `per_frame` full ticks over `instruments` instruments.
fn frames(instruments: usize, frames: usize, per_frame: usize) -> (Vec<Vec<u8>>, Vec<i64>) {
    let mut rng = SmallRng::seed_from_u64(7);
    let tokens = tokens(instruments);
    let prices: Vec<i64> = (0..instruments)
        .map(|_| rng.gen_range(10_000..500_000) / 5 * 5)
        .collect();
    let out = (0..frames)
        .map(|f| {
            let ticks: Vec<Tick> = (0..per_frame)
                .map(|k| {
                    let i = (f * per_frame + k) % instruments;
                    let wiggle = rng.gen_range(-20..=20) * 5;
                    full_tick(&mut rng, tokens[i], prices[i] + wiggle)
                })
                .collect();
            encode_frame(&ticks)
        })
        .collect();
    (out, prices)
}

/// Decodes (and with a book, applies) frames for `seconds`; ticks per second.
fn run_rust(frames: &[Vec<u8>], seconds: f64, mut book: Option<&mut StopBook>) -> (f64, u64) {
    let mut ticks = Vec::with_capacity(64);
    let mut fired = Vec::new();
    let mut count = 0u64;
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < seconds {
        for frame in frames {
            ticks.clear();
            let n = decode_frame_into(frame, &mut ticks).unwrap_or(0);
            if let Some(book) = book.as_deref_mut() {
                for t in &ticks {
                    book.on_tick(t.instrument_token, t.last_price, &mut fired);
                }
            }
            count += n as u64;
        }
        black_box(&ticks);
    }
    (
        count as f64 / start.elapsed().as_secs_f64(),
        fired.len() as u64,
    )
}

fn python_ticks_per_sec(frames: &[Vec<u8>], seconds: f64, root: &Path) -> anyhow::Result<f64> {
    let path = std::env::temp_dir().join(format!("algo-bench-frames-{}.bin", std::process::id()));
    let mut file = std::fs::File::create(&path)?;
    for f in frames {
        file.write_all(&(f.len() as u32).to_be_bytes())?;
        file.write_all(f)?;
    }
    drop(file);
    let python = root.join(".venv-tools/bin/python");
    let out = std::process::Command::new(&python)
        .arg(root.join("scripts/bench/ticks_python.py"))
        .arg(&path)
        .arg(seconds.to_string())
        .output()
        .with_context(|| {
            format!(
                "running {} (scripts/services installs it)",
                python.display()
            )
        })?;
    let _ = std::fs::remove_file(&path);
    anyhow::ensure!(
        out.status.success(),
        "python parser failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).context("python output")?;
    v["ticks_per_sec"].as_f64().context("ticks_per_sec")
}

/// `algo bench ticks`.
pub fn ticks(vs_python: bool, with_book: bool, seconds: f64, root: &Path) -> anyhow::Result<()> {
    if with_book {
        let (instruments, stops) = (2_000usize, 100_000usize);
        let (frames, prices) = frames(instruments, 500, 40);
        let mut book = StopBook::new();
        let mut rng = SmallRng::seed_from_u64(11);
        let toks = tokens(instruments);
        for _ in 0..stops {
            let i = rng.gen_range(0..instruments);
            // Stops 5–30 % under the price: armed, and not crossed by normal ticks.
            let stop = prices[i] * rng.gen_range(70..95) / 100;
            book.arm(uuid::Uuid::new_v4(), toks[i], stop);
        }
        println!("bench ticks --book: {stops} stops across {instruments} instruments, full-mode frames of 40 ticks, one core, {seconds} s");
        let (rate, fired) = run_rust(&frames, seconds, Some(&mut book));
        println!(
            "  decode + stop book: {:.0} ticks/s ({fired} stops fired)",
            rate
        );
        println!(
            "{}",
            json!({ "bench": "ticks", "mode": "full", "book": true, "stops": stops, "instruments": instruments, "ticks_per_sec": rate.round() })
        );
        return Ok(());
    }
    let (frames, _) = frames(200, 1_000, 20);
    println!("bench ticks: decoding full-mode frames of 20 ticks on one core for {seconds} s");
    let (rust, _) = run_rust(&frames, seconds, None);
    println!("  rust codec:              {:.0} ticks/s", rust);
    if !vs_python {
        println!(
            "{}",
            json!({ "bench": "ticks", "mode": "full", "rust_ticks_per_sec": rust.round() })
        );
        return Ok(());
    }
    let python = python_ticks_per_sec(&frames, seconds, root)?;
    let ratio = rust / python;
    println!("  official python parser: {:.0} ticks/s", python);
    println!("  ratio:                  {:.0}x", ratio);
    println!(
        "{}",
        json!({ "bench": "ticks", "mode": "full", "rust_ticks_per_sec": rust.round(), "python_ticks_per_sec": python.round(), "ratio": (ratio * 10.0).round() / 10.0 })
    );
    Ok(())
}
