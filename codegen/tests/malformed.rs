//! The malformed-spec catalog: every folder under `tests/fixtures/malformed/` is the spec root of
//! one case holding one deliberate mistake (a few hold several, to prove that every problem is
//! reported in one pass). Each case must be rejected, and its messages are snapshotted exactly
//! as a maintainer sees them: `api-spec/<file>.yaml:<line>:<col>: <message>`, one per line.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use dingtalk_codegen::{SpecErrors, parse, read_dir};

fn catalog_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/malformed")
}

/// The case folders, sorted by name.
fn case_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(catalog_dir())
        .expect("the malformed catalog exists")
        .map(|entry| entry.expect("readable catalog entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Parses one case, turning a panic into a test failure that names the case.
fn run_case(name: &str) -> Result<(), SpecErrors> {
    let sources = read_dir(&catalog_dir().join(name))
        .unwrap_or_else(|err| panic!("case `{name}`: cannot read its files: {err}"));
    assert!(!sources.is_empty(), "case `{name}` holds no .yaml file");
    let outcome = catch_unwind(AssertUnwindSafe(|| parse("api-spec", &sources).map(|_| ())));
    outcome.unwrap_or_else(|_| panic!("case `{name}`: the parser panicked"))
}

fn render(errors: &SpecErrors) -> String {
    errors
        .0
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_malformed_case_is_rejected_with_located_messages() {
    let names = case_names();
    let mut covered = Vec::new();
    for name in &names {
        let errors = match run_case(name) {
            Ok(()) => panic!("case `{name}` was accepted, but it holds a deliberate mistake"),
            Err(errors) => errors,
        };
        assert!(
            !errors.0.is_empty(),
            "case `{name}`: rejected without any message"
        );
        for diagnostic in &errors.0 {
            assert!(
                diagnostic.span.file.starts_with("api-spec/")
                    && diagnostic.span.file.ends_with(".yaml"),
                "case `{name}`: message not located in a spec file: {diagnostic}"
            );
            assert!(
                diagnostic.span.line >= 1 && diagnostic.span.col >= 1,
                "case `{name}`: line and column are 1-based: {diagnostic}"
            );
            assert!(
                !diagnostic.message.trim().is_empty(),
                "case `{name}`: empty message at {}",
                diagnostic.span
            );
        }
        insta::assert_snapshot!(name.as_str(), render(&errors));
        covered.push(name.clone());
    }
    assert_eq!(covered, names, "every case folder was checked");
}

#[test]
fn the_catalog_is_large_enough() {
    let names = case_names();
    assert!(
        names.len() >= 60,
        "expected at least 60 malformed cases, found {}: {names:?}",
        names.len()
    );
}

#[test]
fn no_case_panics_and_every_case_is_visited() {
    let names = case_names();
    let mut visited = 0;
    for name in &names {
        // `run_case` turns a panic into a failure naming the case.
        let _ = run_case(name);
        visited += 1;
    }
    assert_eq!(visited, names.len());
    let folders = std::fs::read_dir(catalog_dir())
        .expect("the malformed catalog exists")
        .filter(|entry| entry.as_ref().is_ok_and(|e| e.path().is_dir()))
        .count();
    assert_eq!(visited, folders, "every folder of the catalog was parsed");
}

#[test]
fn messages_are_sorted_and_unique() {
    for name in case_names() {
        if let Err(errors) = run_case(&name) {
            // The one line saying which checks were skipped comes last, wherever it points.
            let mut errors = errors;
            if errors
                .0
                .last()
                .is_some_and(|d| d.message.starts_with("the checks that need every file"))
            {
                errors.0.pop();
            }
            assert!(
                errors
                    .0
                    .iter()
                    .all(|d| !d.message.starts_with("the checks that need every file")),
                "case `{name}`: the skipped-checks line must come last, once"
            );
            let mut sorted = errors.0.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(
                errors.0, sorted,
                "case `{name}`: messages not sorted/unique"
            );
        }
    }
}
