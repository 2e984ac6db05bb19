//! The maintainer CLI: `check` reads `./api-spec` of the current directory (not the spec the
//! binary was built next to), says which folder it read, and fails when the area features
//! of the `dingtalk-api/Cargo.toml` beside the spec do not match it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh workspace-like folder: `api-spec/` with one feature fixture, and optionally a
/// `dingtalk-api/Cargo.toml`.
fn workspace(name: &str, manifest: Option<&str>) -> PathBuf {
    let root = std::env::temp_dir().join(format!(
        "dingtalk-codegen-cli-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&root);
    let spec = root.join("api-spec");
    std::fs::create_dir_all(&spec).expect("temp dir");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/features/params_required_optional/user.yaml");
    std::fs::copy(fixture, spec.join("user.yaml")).expect("copy fixture");
    if let Some(manifest) = manifest {
        std::fs::create_dir_all(root.join("dingtalk-api")).expect("temp dir");
        std::fs::write(root.join("dingtalk-api/Cargo.toml"), manifest).expect("write manifest");
    }
    root
}

fn run(cwd: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_dingtalk-codegen"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the CLI runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn check_reads_the_spec_of_the_current_directory() {
    let root = workspace("plain", None);
    let (ok, stdout, stderr) = run(&root, &["check"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.starts_with("checked ./api-spec: 1 files, "),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("endpoints, valid"), "{stdout}");
    let (ok, stdout, _) = run(&root, &["check", "api-spec"]);
    assert!(
        ok && stdout.starts_with("checked api-spec: 1 files"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn check_without_a_spec_folder_says_where_it_looked() {
    let root = workspace("empty", None);
    let (ok, _, stderr) = run(&root.join("api-spec"), &["check"]);
    assert!(!ok);
    assert!(stderr.contains("no spec folder at ./api-spec"), "{stderr}");
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn check_fails_when_an_area_has_no_feature_and_prints_the_line() {
    let root = workspace(
        "features",
        Some(
            "[package]\nname = \"dingtalk-api\"\n\n[features]\ndefault = [\"all-areas\"]\nall-areas = []\n",
        ),
    );
    let (ok, _, stderr) = run(&root, &["check"]);
    assert!(!ok, "a missing area feature must fail the check");
    assert!(
        stderr.contains("dingtalk-api/Cargo.toml:4:1: the spec has the area `user`"),
        "{stderr}"
    );
    assert!(stderr.contains("add the line `user = []`"), "{stderr}");
    assert!(
        stderr.contains("write `all-areas = [\"user\"]`"),
        "{stderr}"
    );
    std::fs::write(
        root.join("dingtalk-api/Cargo.toml"),
        "[features]\nall-areas = [\"user\"]\nuser = []\n",
    )
    .expect("write manifest");
    let (ok, stdout, stderr) = run(&root, &["check"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("valid"), "{stdout}");
    let _ = std::fs::remove_dir_all(root);
}
