//! Generates the endpoint modules from `api-spec/` (a copy travels inside the package), and
//! refuses to build when an area of the spec has no cargo feature (it would be compiled out
//! silently, with nothing but a `cfg` warning).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let spec_dir = manifest.join("api-spec");
    println!("cargo::rerun-if-changed={}", spec_dir.display());
    println!("cargo::rerun-if-changed=Cargo.toml");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let sources = match dingtalk_codegen::read_dir(&spec_dir) {
        Ok(sources) => sources,
        Err(err) => {
            println!(
                "cargo::error=cannot read the spec at {}: {err}",
                spec_dir.display()
            );
            return ExitCode::FAILURE;
        }
    };
    let (spec, resolved) = match dingtalk_codegen::parse("api-spec", &sources) {
        Ok(parsed) => parsed,
        Err(err) => {
            // One `cargo::error` per problem so each is shown with its position.
            for line in err.to_string().lines() {
                println!("cargo::error={line}");
            }
            return ExitCode::FAILURE;
        }
    };
    // The manifest as cargo sees it: in a packaged crate it is normalised (no comments, so
    // no `# BEGIN areas` markers); the check reads the `[features]` table itself.
    if let Ok(text) = std::fs::read_to_string(manifest.join("Cargo.toml")) {
        let missing: Vec<_> = dingtalk_codegen::area_feature_problems(&spec, &resolved, &text)
            .into_iter()
            .filter(|problem| problem.missing)
            .collect();
        for problem in &missing {
            println!(
                "cargo::error=dingtalk-api/Cargo.toml:{}: {}",
                problem.line, problem.message
            );
        }
        if !missing.is_empty() {
            return ExitCode::FAILURE;
        }
    }
    // Only the enabled areas' files: the others' modules are cfg'd out, nothing includes them.
    let enabled = |area: &str| {
        let feature = format!("CARGO_FEATURE_{}", area.to_uppercase().replace('-', "_"));
        std::env::var_os(feature).is_some()
    };
    let generated = dingtalk_codegen::generate_enabled(&spec, &resolved, &enabled);
    for file in &generated.files {
        let path = out_dir.join(&file.path);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, &file.contents));
        if let Err(err) = written {
            println!("cargo::error=cannot write {}: {err}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
