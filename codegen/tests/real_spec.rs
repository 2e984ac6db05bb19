//! Snapshots of everything generated from the real `api-spec/`: one snapshot per generated
//! file, so a spec change shows up as a reviewable diff of Rust.

use std::path::PathBuf;

fn generate_real_spec() -> dingtalk_codegen::Generated {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../api-spec");
    match dingtalk_codegen::load_dir(&dir, "api-spec") {
        Ok(generated) => generated,
        Err(err) => panic!("the real spec must be valid:\n{err}"),
    }
}

#[test]
fn real_spec_output_is_snapshotted_per_file() {
    let generated = generate_real_spec();
    let mut names = Vec::new();
    for file in &generated.files {
        let name = file.path.trim_end_matches(".rs").replace('/', "__");
        insta::assert_snapshot!(name.as_str(), &file.contents);
        names.push(name);
    }
    // A new spec file must come with a new snapshot: list them to make that visible.
    insta::assert_snapshot!("generated_files", names.join("\n"));
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(generate_real_spec(), generate_real_spec());
}

#[test]
fn generated_files_parse_as_rust() {
    for file in &generate_real_spec().files {
        if let Err(err) = syn::parse_file(&file.contents) {
            panic!("{} does not parse: {err}", file.path);
        }
    }
}
