//! Generates the endpoint modules from `api-spec/` (a copy travels inside the package).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let spec_dir = manifest.join("api-spec");
    println!("cargo::rerun-if-changed={}", spec_dir.display());
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let generated = match dingtalk_codegen::load_dir(&spec_dir, "api-spec") {
        Ok(generated) => generated,
        Err(err) => {
            // One `cargo::error` per problem so each is shown with its position.
            for line in err.to_string().lines() {
                println!("cargo::error={line}");
            }
            return ExitCode::FAILURE;
        }
    };
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
