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
        _ => {
            eprintln!(
                "usage: dingtalk-codegen check [SPEC_DIR]\n       dingtalk-codegen generate [SPEC_DIR] OUT_DIR"
            );
            ExitCode::from(2)
        }
    }
}
