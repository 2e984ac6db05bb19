//! Writes the seed corpus of the `decode_answers` fuzz target: one file per endpoint, its
//! `DECODERS` index as the first byte and its documented response example (from
//! `api-spec/`) as the rest, plus a libFuzzer dictionary of the JSON keys those examples use.
//!
//! ```sh
//! cargo run --manifest-path fuzz/Cargo.toml --example seed_corpus [CORPUS_DIR]
//! ```
//! `CORPUS_DIR` defaults to `fuzz/corpus/decode_answers`; the dictionary goes to
//! `fuzz/decode_answers.dict`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fuzz_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| fuzz_dir.join("corpus/decode_answers"));
    let sources = dingtalk_codegen::read_dir(&fuzz_dir.join("../api-spec"))?;
    let spec = dingtalk_codegen::parse("api-spec", &sources)
        .map_err(|problems| format!("api-spec is invalid:\n{problems}"))?
        .0;

    let mut examples = BTreeMap::new();
    for file in &spec.files {
        for endpoint in &file.endpoints {
            if let Some(example) = endpoint.response.as_ref().and_then(|r| r.example.as_ref()) {
                let name = format!("{}.{}", file.module.join("."), endpoint.name);
                examples.insert(name, example.json.trim().to_owned());
            }
        }
    }

    std::fs::create_dir_all(&corpus)?;
    let mut keys = BTreeSet::new();
    let mut written = 0;
    for (index, (name, _)) in dingtalk_api::DECODERS.iter().enumerate() {
        let Some(example) = examples.get(*name) else {
            eprintln!("{name}: no documented example, no seed");
            continue;
        };
        let mut seed = vec![u8::try_from(index)?];
        seed.extend_from_slice(example.as_bytes());
        std::fs::write(corpus.join(format!("{index:03}-{name}.json")), seed)?;
        written += 1;
        collect_keys(example, &mut keys);
    }

    let mut dict = String::from("# JSON keys of the documented examples, then JSON tokens.\n");
    for key in &keys {
        dict.push_str(&dict_entry(&format!("\"{key}\"")));
    }
    for token in [
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "\"",
        "null",
        "true",
        "false",
        "\"0\"",
        "\"true\"",
        "-1",
        "1.5",
        "1e400",
        "9223372036854775808",
        "\\u0000",
        "\\ud800",
    ] {
        dict.push_str(&dict_entry(token));
    }
    std::fs::write(fuzz_dir.join("decode_answers.dict"), dict)?;
    println!(
        "wrote {written} seeds to {} and {} keys to decode_answers.dict",
        corpus.display(),
        keys.len()
    );
    Ok(())
}

/// One line of a libFuzzer dictionary: quoted, with `"`, `\\` and any byte that is not
/// printable ASCII escaped (`\xAB`).
fn dict_entry(token: &str) -> String {
    let mut line = String::from("\"");
    for byte in token.bytes() {
        match byte {
            b'"' | b'\\' => {
                line.push('\\');
                line.push(char::from(byte));
            }
            b' '..=b'~' => line.push(char::from(byte)),
            _ => line.push_str(&format!("\\x{byte:02X}")),
        }
    }
    line.push_str("\"\n");
    line
}

/// Every object key anywhere in `json`.
fn collect_keys(json: &str, keys: &mut BTreeSet<String>) {
    fn walk(value: &serde_json::Value, keys: &mut BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    keys.insert(key.clone());
                    walk(value, keys);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, keys)),
            _ => {}
        }
    }
    if let Ok(value) = serde_json::from_str(json) {
        walk(&value, keys);
    }
}
