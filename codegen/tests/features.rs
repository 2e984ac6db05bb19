//! Feature fixtures: every folder under `tests/fixtures/features/` is a small valid spec that
//! exercises one feature of the format (an envelope, encodings, unions, pagination, ...). Each
//! must validate, and every file generated from it is snapshotted so that a change in the
//! emitted Rust shows up as a reviewable diff.

use std::path::{Path, PathBuf};

use dingtalk_codegen::{Generated, generate, parse, read_dir};

fn features_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/features")
}

/// The case folders, sorted by name.
fn case_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(features_dir())
        .expect("the features folder exists")
        .map(|entry| entry.expect("readable features entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn generate_case(name: &str) -> Generated {
    let sources = read_dir(&features_dir().join(name))
        .unwrap_or_else(|err| panic!("case `{name}`: cannot read its files: {err}"));
    assert!(!sources.is_empty(), "case `{name}` holds no .yaml file");
    match parse("api-spec", &sources) {
        Ok((spec, resolved)) => generate(&spec, &resolved),
        Err(errors) => panic!("feature case `{name}` must be a valid spec:\n{errors}"),
    }
}

#[test]
fn every_feature_case_generates_and_is_snapshotted() {
    let names = case_names();
    assert!(
        names.len() >= 10,
        "expected at least 10 feature cases, found {}: {names:?}",
        names.len()
    );
    for name in &names {
        let generated = generate_case(name);
        assert!(
            generated.get("api.rs").is_some(),
            "case `{name}`: no api.rs generated"
        );
        let has_events = features_dir().join(name).join("events").is_dir();
        for file in &generated.files {
            // Every case generates `events.rs`; only the cases about events snapshot it.
            if file.path == "events.rs" && !has_events {
                continue;
            }
            let flat = file.path.trim_end_matches(".rs").replace('/', "__");
            insta::assert_snapshot!(format!("{name}__{flat}"), &file.contents);
        }
    }
}

#[test]
fn generated_files_parse_as_rust() {
    for name in case_names() {
        for file in &generate_case(&name).files {
            assert!(
                !file.contents.contains("prettyplease could not format"),
                "case `{name}`: {} was not formatted",
                file.path
            );
            if let Err(err) = syn::parse_file(&file.contents) {
                panic!("case `{name}`: {} does not parse as Rust: {err}", file.path);
            }
        }
    }
}

#[test]
fn generation_is_deterministic() {
    for name in case_names() {
        let first = generate_case(&name);
        let second = generate_case(&name);
        assert_eq!(first, second, "case `{name}`: two runs differ");
    }
}

#[test]
fn generation_does_not_depend_on_source_order() {
    for name in case_names() {
        let mut sources = read_dir(&features_dir().join(&name)).expect("readable case");
        let (spec, resolved) = parse("api-spec", &sources).expect("valid case");
        let forward = generate(&spec, &resolved);
        sources.reverse();
        let (spec, resolved) = parse("api-spec", &sources).expect("valid case");
        assert_eq!(
            forward,
            generate(&spec, &resolved),
            "case `{name}`: output depends on the order of the source files"
        );
    }
}

#[test]
fn one_rust_file_per_spec_file_plus_api_error_codes_and_events() {
    for name in case_names() {
        let sources = read_dir(&features_dir().join(&name)).expect("readable case");
        let mut expected: Vec<String> = sources
            .iter()
            .filter(|s| s.relative_path != dingtalk_codegen::ERRORS_FILE)
            .filter(|s| !s.relative_path.starts_with(dingtalk_codegen::EVENTS_DIR))
            .map(|s| s.relative_path.replace(".yaml", ".rs"))
            .collect();
        expected.push("api.rs".to_string());
        // `error_code.rs` and `events.rs` always exist (the events files make one file).
        expected.push("error_code.rs".to_string());
        expected.push("events.rs".to_string());
        expected.sort();
        let paths: Vec<String> = generate_case(&name)
            .files
            .iter()
            .map(|f| f.path.clone())
            .collect();
        assert_eq!(paths, expected, "case `{name}`: unexpected generated files");
    }
}

/// A build with some areas off writes only the files of the areas that are on (and of what
/// no area feature gates); the module tree is the same, its modules of the areas that are
/// off `cfg`'d out so that nothing includes their missing files.
#[test]
fn only_the_enabled_areas_are_written() {
    let sources = read_dir(&features_dir().join("module_tree")).expect("readable case");
    let (spec, resolved) = parse("api-spec", &sources).expect("a valid case");
    let all = generate(&spec, &resolved);
    let chat_only = dingtalk_codegen::generate_enabled(&spec, &resolved, &|area| area == "chat");
    let paths = |generated: &Generated| -> Vec<String> {
        generated.files.iter().map(|f| f.path.clone()).collect()
    };
    assert!(paths(&all).iter().any(|p| p.starts_with("contact/")));
    let written = paths(&chat_only);
    assert!(written.contains(&"chat.rs".to_string()), "{written:?}");
    assert!(!written.contains(&"events.rs".to_string()), "{written:?}");
    assert!(
        !written.iter().any(|p| p.starts_with("contact/")),
        "{written:?}"
    );
    // Everything written is what the full generation writes, byte for byte.
    for file in &chat_only.files {
        assert_eq!(
            all.get(&file.path),
            Some(file.contents.as_str()),
            "{}",
            file.path
        );
    }
    let tree = chat_only.get("api.rs").expect("api.rs");
    let gate = tree
        .find("#[cfg(feature = \"contact\")]")
        .expect("contact is gated");
    let module = tree
        .find("pub mod contact {")
        .expect("contact is in the tree");
    assert!(
        gate < module && !tree[gate..module].contains("pub mod"),
        "{tree}"
    );
}
