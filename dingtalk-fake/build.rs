//! Embeds every spec file, so the fake serves exactly the endpoints the SDK was generated
//! from (the spec travels inside the package through the `api-spec` symlink).

use std::fmt::Write;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let spec_dir = manifest.join("api-spec");
    println!("cargo::rerun-if-changed={}", spec_dir.display());
    let files = match dingtalk_codegen::read_dir(&spec_dir) {
        Ok(files) => files,
        Err(err) => {
            println!("cargo::error=cannot read {}: {err}", spec_dir.display());
            return;
        }
    };
    let mut out = String::from(
        "/// Every spec file: (path relative to `api-spec/`, contents).\npub static SPEC_FILES: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        let path = spec_dir.join(&file.relative_path);
        let _ = writeln!(
            out,
            "    ({:?}, include_str!({:?})),",
            file.relative_path,
            path.display().to_string()
        );
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(err) = std::fs::write(out_dir.join("spec_files.rs"), out) {
        println!("cargo::error=cannot write spec_files.rs: {err}");
    }
}
