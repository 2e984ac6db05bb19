//! Every documented response example of the real spec (`../api-spec`) passes the example
//! check, which follows the run-time decoder's rules (`dingtalk-api/src/wire/de.rs`); the
//! integration tests of `tests/tests/hostile.rs` prove that the runtime decodes each of
//! them. The controls below prove the check is not vacuous: each example broken in a way
//! the decoder rejects is rejected too.

use std::path::PathBuf;

use dingtalk_codegen::model::{FieldShape, ResponseShape, Spec, Style, TypeExpr};
use dingtalk_codegen::validate::{Resolved, example_problems};
use serde_json::Value;

fn real_spec() -> (Spec, Resolved) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../api-spec");
    let sources = dingtalk_codegen::read_dir(&dir).expect("api-spec is readable");
    dingtalk_codegen::parse("api-spec", &sources).unwrap_or_else(|e| panic!("valid spec:\n{e}"))
}

/// (module, endpoint name, example text) for every documented example.
fn examples(spec: &Spec) -> Vec<(Vec<String>, String, String)> {
    spec.files
        .iter()
        .flat_map(|file| {
            file.endpoints.iter().filter_map(move |endpoint| {
                let example = endpoint.response.as_ref()?.example.as_ref()?;
                Some((
                    file.module.clone(),
                    endpoint.name.clone(),
                    example.json.clone(),
                ))
            })
        })
        .collect()
}

#[test]
fn every_documented_example_of_the_real_spec_is_accepted() {
    let (spec, resolved) = real_spec();
    let examples = examples(&spec);
    assert!(
        examples.len() >= 100,
        "expected the real spec's examples, found {}",
        examples.len()
    );
    for (module, name, json) in &examples {
        let problems = example_problems(&spec, &resolved, module, name, json).expect("endpoint");
        assert!(
            problems.is_empty(),
            "{}.{name}: the documented example is rejected:\n{problems:#?}",
            module.join(".")
        );
    }
}

#[test]
fn an_example_that_is_not_an_object_is_rejected_everywhere() {
    let (spec, resolved) = real_spec();
    for (module, name, _) in examples(&spec) {
        let problems = example_problems(&spec, &resolved, &module, &name, "[]").expect("endpoint");
        assert_eq!(
            problems.len(),
            1,
            "{}.{name}: {problems:#?}",
            module.join(".")
        );
    }
}

/// For every example, each scalar payload field it sets, replaced by an object, is rejected
/// (the decoder rejects an object for any scalar); errcode-bearing error examples aside.
#[test]
fn an_object_where_a_scalar_is_declared_is_rejected_in_every_example() {
    let (spec, resolved) = real_spec();
    let mut broken = 0;
    for file in &spec.files {
        for endpoint in &file.endpoints {
            let Some(response) = &endpoint.response else {
                continue;
            };
            let (Some(example), ResponseShape::Fields(fields)) =
                (&response.example, &response.shape)
            else {
                continue;
            };
            let value: Value = serde_json::from_str(&example.json).expect("JSON");
            let errcode = value.get("errcode").and_then(Value::as_i64).unwrap_or(0);
            if errcode != 0 {
                continue;
            }
            let under_result = file.style == Style::Classic
                && endpoint.envelope == Some(dingtalk_codegen::model::Envelope::Result);
            for field in fields {
                let scalar = matches!(&field.shape, FieldShape::Type(ty) if ty.is_scalar() || *ty == TypeExpr::Bool);
                if !scalar || field.encoding.is_some() {
                    continue;
                }
                let mut mutated = value.clone();
                let payload = if under_result {
                    mutated.get_mut("result")
                } else {
                    Some(&mut mutated)
                };
                let Some(slot) = payload.and_then(|p| p.get_mut(&field.wire)) else {
                    continue;
                };
                *slot = serde_json::json!({"unexpected": "object"});
                let problems = example_problems(
                    &spec,
                    &resolved,
                    &file.module,
                    &endpoint.name,
                    &mutated.to_string(),
                )
                .expect("endpoint");
                assert!(
                    !problems.is_empty(),
                    "{}.{}: an object for `{}` was accepted",
                    file.module.join("."),
                    endpoint.name,
                    field.wire
                );
                broken += 1;
            }
        }
    }
    assert!(broken >= 100, "only {broken} mutations were tried");
}
