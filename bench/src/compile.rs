//! The clean debug build rows: dingtalk-api with every area, with one area (`message`), and
//! a baseline crate holding only reqwest + serde + serde_json + tokio with the same
//! features (`scripts/baseline`), each in a fresh target directory, alternating per round.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the bench crate sits in the workspace")
        .to_path_buf()
}

/// Seconds of one clean `cargo build` with `args`, in a fresh target directory.
fn clean_build(name: &str, args: &[&str]) -> f64 {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = std::env::temp_dir().join(format!(
        "dingtalk-bench-build-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&target);
    let started = Instant::now();
    let status = Command::new(&cargo)
        .current_dir(workspace())
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .args(["build", "--locked", "-q"])
        .args(args)
        .status()
        .expect("cargo runs");
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&target);
    assert!(status.success(), "the {name} build failed");
    seconds
}

pub fn rows(rounds: usize) {
    let baseline_manifest = workspace().join("scripts/baseline/Cargo.toml");
    let baseline_manifest = baseline_manifest.to_string_lossy().into_owned();
    // Downloads are not build time.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for manifest in [None, Some(baseline_manifest.as_str())] {
        let mut fetch = Command::new(&cargo);
        fetch
            .current_dir(workspace())
            .args(["fetch", "--locked", "-q"]);
        if let Some(manifest) = manifest {
            fetch.args(["--manifest-path", manifest]);
        }
        let _ = fetch.status();
    }
    let builds: [(&str, Vec<&str>); 3] = [
        ("baseline", vec!["--manifest-path", &baseline_manifest]),
        ("all", vec!["-p", "dingtalk-api"]),
        (
            "one",
            vec![
                "-p",
                "dingtalk-api",
                "--no-default-features",
                "--features",
                "rustls-ring,gzip,message",
            ],
        ),
    ];
    let mut seconds = [Vec::new(), Vec::new(), Vec::new()];
    for round in 0..rounds {
        let mut order = [0, 1, 2];
        if round % 2 == 1 {
            order.reverse();
        }
        for index in order {
            let (name, args) = &builds[index];
            seconds[index].push(clean_build(name, args));
        }
    }
    let base = crate::median(&seconds[0]);
    println!(
        "| clean debug build, baseline crate (reqwest+serde+serde_json+tokio) | {} s | | 1.00x | |",
        crate::figure(base)
    );
    for (index, label, goal) in [
        (
            1,
            "clean debug build, dingtalk-api every area (default)",
            "<= 1.5x",
        ),
        (
            2,
            "clean debug build, dingtalk-api one area (message)",
            "<= 1.15x",
        ),
    ] {
        let value = crate::median(&seconds[index]);
        println!(
            "| {label} | {} s | baseline {} s | {:.2}x | {goal} |",
            crate::figure(value),
            crate::figure(base),
            value / base
        );
    }
}
