//! Maintainer CLI: `dingtalk-codegen check [DIR]` validates the spec without building;
//! `dingtalk-codegen generate [DIR] OUT` writes the generated Rust for inspection.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let default_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../api-spec");
    match args.first().map(String::as_str) {
        Some("check") => {
            let dir = args.get(1).map(PathBuf::from).unwrap_or(default_dir);
            match dingtalk_codegen::load_dir(&dir, "api-spec") {
                Ok(generated) => {
                    println!(
                        "api-spec is valid ({} generated files)",
                        generated.files.len()
                    );
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("{err}");
                    ExitCode::FAILURE
                }
            }
        }
        Some("generate") if args.len() >= 2 => {
            let (dir, out) = match args.len() {
                2 => (default_dir, PathBuf::from(&args[1])),
                _ => (PathBuf::from(&args[1]), PathBuf::from(&args[2])),
            };
            let generated = match dingtalk_codegen::load_dir(&dir, "api-spec") {
                Ok(generated) => generated,
                Err(err) => {
                    eprintln!("{err}");
                    return ExitCode::FAILURE;
                }
            };
            for file in &generated.files {
                let path = out.join(&file.path);
                let written = path
                    .parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| std::fs::write(&path, &file.contents));
                if let Err(err) = written {
                    eprintln!("cannot write {}: {err}", path.display());
                    return ExitCode::FAILURE;
                }
            }
            println!("wrote {} files to {}", generated.files.len(), out.display());
            ExitCode::SUCCESS
        }
        Some(command @ ("coverage" | "features")) => derived_file(command, &args, &default_dir),
        _ => {
            eprintln!(
                "usage: dingtalk-codegen check [SPEC_DIR]\n       dingtalk-codegen generate [SPEC_DIR] OUT_DIR\n       dingtalk-codegen coverage [--check]\n       dingtalk-codegen features [--check]"
            );
            ExitCode::from(2)
        }
    }
}

/// `coverage` prints `api-spec/COVERAGE.md`; `features` prints the area features of
/// `dingtalk-api/Cargo.toml`. With `--check` each compares with the file and fails if stale.
fn derived_file(command: &str, args: &[String], spec_dir: &std::path::Path) -> ExitCode {
    let check = args.iter().any(|a| a == "--check");
    let parsed = dingtalk_codegen::read_dir(spec_dir)
        .map_err(|err| format!("cannot read the spec: {err}"))
        .and_then(|sources| {
            dingtalk_codegen::parse("api-spec", &sources).map_err(|err| err.to_string())
        });
    let (spec, resolved) = match parsed {
        Ok(parsed) => parsed,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    let (expected, current, target) = if command == "coverage" {
        let current = std::fs::read_to_string(spec_dir.join("COVERAGE.md")).unwrap_or_default();
        let expected = dingtalk_codegen::coverage::coverage_markdown(&spec);
        (expected, current, "api-spec/COVERAGE.md")
    } else {
        let manifest = std::fs::read_to_string(spec_dir.join("../dingtalk-api/Cargo.toml"))
            .unwrap_or_default();
        let current = manifest
            .split("# BEGIN areas\n")
            .nth(1)
            .and_then(|rest| rest.split("# END areas").next())
            .unwrap_or_default()
            .to_string();
        let expected = dingtalk_codegen::cargo_features(&spec, &resolved);
        (
            expected,
            current,
            "the area features of dingtalk-api/Cargo.toml",
        )
    };
    if !check {
        print!("{expected}");
        return ExitCode::SUCCESS;
    }
    if expected == current {
        println!("{target}: current");
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "{target} is out of date; regenerate with `cargo run -p dingtalk-codegen -- {command}`. Expected:\n{expected}"
        );
        ExitCode::FAILURE
    }
}
