//! Maintainer CLI, run from the workspace root:
//!
//! - `dingtalk-codegen check [DIR]` validates the spec without building (and the area
//!   features of `DIR/../dingtalk-api/Cargo.toml`, when that file exists);
//! - `dingtalk-codegen generate [DIR] OUT` writes the generated Rust for inspection;
//! - `dingtalk-codegen coverage [DIR] [--check]` and `features [DIR] [--check]` print (or
//!   compare) the files derived from the spec.
//!
//! `DIR` defaults to `./api-spec` in the current directory (not the spec this binary was
//! built next to), and every command says which folder it read.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const DEFAULT_DIR: &str = "./api-spec";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flags: Vec<&str> = args
        .iter()
        .skip(1)
        .filter(|a| a.starts_with("--"))
        .map(String::as_str)
        .collect();
    let positional: Vec<&str> = args
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(String::as_str)
        .collect();
    match (args.first().map(String::as_str), positional.as_slice()) {
        (Some("check"), [] | [_]) if flags.is_empty() => {
            check(positional.first().copied().unwrap_or(DEFAULT_DIR))
        }
        (Some("generate"), [out]) if flags.is_empty() => generate(DEFAULT_DIR, out),
        (Some("generate"), [dir, out]) if flags.is_empty() => generate(dir, out),
        (Some(command @ ("coverage" | "features")), [] | [_])
            if flags.iter().all(|f| *f == "--check") =>
        {
            let dir = positional.first().copied().unwrap_or(DEFAULT_DIR);
            derived_file(command, !flags.is_empty(), dir)
        }
        _ => {
            eprintln!(
                "usage: dingtalk-codegen check [SPEC_DIR]\n       dingtalk-codegen generate [SPEC_DIR] OUT_DIR\n       dingtalk-codegen coverage [SPEC_DIR] [--check]\n       dingtalk-codegen features [SPEC_DIR] [--check]\nSPEC_DIR defaults to {DEFAULT_DIR} (relative to the current directory)"
            );
            ExitCode::from(2)
        }
    }
}

/// How paths inside `dir` are shown in messages: `api-spec/user.yaml`, `other/user.yaml`.
fn display_root(dir: &str) -> String {
    let trimmed = dir.trim_end_matches('/');
    let trimmed = trimmed.strip_prefix("./").unwrap_or(trimmed);
    if trimmed.is_empty() {
        ".".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Reads and validates the spec in `dir`; on failure prints every problem.
fn read_spec(
    dir: &str,
) -> Result<
    (
        usize,
        dingtalk_codegen::Spec,
        dingtalk_codegen::validate::Resolved,
    ),
    ExitCode,
> {
    let path = Path::new(dir);
    if !path.is_dir() {
        eprintln!(
            "no spec folder at {dir} (run from the workspace root, or name the folder: `dingtalk-codegen check path/to/api-spec`)"
        );
        return Err(ExitCode::FAILURE);
    }
    let sources = match dingtalk_codegen::read_dir(path) {
        Ok(sources) => sources,
        Err(err) => {
            eprintln!("cannot read the spec at {dir}: {err}");
            return Err(ExitCode::FAILURE);
        }
    };
    match dingtalk_codegen::parse(&display_root(dir), &sources) {
        Ok((spec, resolved)) => Ok((sources.len(), spec, resolved)),
        Err(err) => {
            eprintln!("{err}\n(read {dir})");
            Err(ExitCode::FAILURE)
        }
    }
}

/// `dingtalk-api/Cargo.toml` beside the spec folder `dir`.
fn manifest_of(dir: &str) -> PathBuf {
    let spec = Path::new(dir.trim_end_matches('/'));
    match spec.parent() {
        Some(parent) if spec.file_name().is_some() => parent.join("dingtalk-api/Cargo.toml"),
        _ => spec.join("../dingtalk-api/Cargo.toml"),
    }
}

fn check(dir: &str) -> ExitCode {
    let (files, spec, resolved) = match read_spec(dir) {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    // The area features must match the spec, or a new area is silently compiled out.
    let manifest_path = manifest_of(dir);
    if let Ok(manifest) = std::fs::read_to_string(&manifest_path) {
        let shown = manifest_path.display().to_string();
        let shown = shown.strip_prefix("./").unwrap_or(&shown);
        let problems = dingtalk_codegen::check_area_features(&spec, &resolved, shown, &manifest);
        if !problems.is_empty() {
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!("(read {dir})");
            return ExitCode::FAILURE;
        }
    }
    let endpoints: usize = spec.files.iter().map(|f| f.endpoints.len()).sum();
    println!("checked {dir}: {files} files, {endpoints} endpoints, valid");
    ExitCode::SUCCESS
}

fn generate(dir: &str, out: &str) -> ExitCode {
    let (_, spec, resolved) = match read_spec(dir) {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    let generated = dingtalk_codegen::generate(&spec, &resolved);
    let out = PathBuf::from(out);
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
    println!(
        "read {dir}: wrote {} files to {}",
        generated.files.len(),
        out.display()
    );
    ExitCode::SUCCESS
}

/// `coverage` prints `api-spec/COVERAGE.md`; `features` prints the area features of
/// `dingtalk-api/Cargo.toml`. With `--check` each compares with the file and fails if stale.
/// The folder read is reported on stderr, so that stdout stays the file's contents.
fn derived_file(command: &str, check: bool, dir: &str) -> ExitCode {
    let (_, spec, resolved) = match read_spec(dir) {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    let spec_dir = Path::new(dir);
    let root = display_root(dir);
    let (expected, current, target) = if command == "coverage" {
        let current = std::fs::read_to_string(spec_dir.join("COVERAGE.md")).unwrap_or_default();
        let expected = dingtalk_codegen::coverage::coverage_markdown(&spec);
        (expected, current, format!("{root}/COVERAGE.md"))
    } else {
        let manifest = std::fs::read_to_string(manifest_of(dir)).unwrap_or_default();
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
            format!("the area features of {}", manifest_of(dir).display()),
        )
    };
    if !check {
        eprintln!("read {dir}");
        print!("{expected}");
        return ExitCode::SUCCESS;
    }
    if expected == current {
        println!("read {dir}: {target} is current");
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "read {dir}: {target} is out of date; regenerate with `cargo run -p dingtalk-codegen -- {command}`. Expected:\n{expected}"
        );
        ExitCode::FAILURE
    }
}
