//! Areas (the top-level modules of `api-spec/`) and their cargo features, so a user who only
//! sends notifications compiles only that.
//!
//! Every area with endpoints gets a feature of its own name. `auth` (the client fetches its
//! token through it) and areas without endpoints (shared types) are always compiled. An area
//! that uses a type of another feature-gated area turns that feature on too.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Field, FieldShape, ResponseShape, Spec, TypeDefKind, TypeExpr};
use crate::validate::Resolved;

/// Areas that are never behind a feature.
const ALWAYS_ON: &[&str] = &["auth"];

/// Optional crates the hand-written runtime of an area uses: the custom robots' webhook
/// (`robot_webhook`) and the ISV suite signature (`suite`) sign with HMAC-SHA256 and base64.
/// Their features turn the crates on, so a build without these areas compiles no crypto.
const RUNTIME_CRATES: &[(&str, &[&str])] = &[
    ("isv", &["dep:base64", "dep:hmac", "dep:sha2"]),
    ("robot", &["dep:base64", "dep:hmac", "dep:sha2"]),
];

/// The feature-gated areas and what each turns on: the other gated areas it needs and the
/// optional crates of its runtime code (`dep:..`), in name order.
pub fn gated_areas(spec: &Spec, resolved: &Resolved) -> BTreeMap<String, BTreeSet<String>> {
    let mut areas: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &spec.files {
        let area = &file.module[0];
        if !file.endpoints.is_empty() && !ALWAYS_ON.contains(&area.as_str()) {
            areas.entry(area.clone()).or_default();
        }
    }
    for file in &spec.files {
        let area = &file.module[0];
        if !areas.contains_key(area) {
            continue;
        }
        let mut used = BTreeSet::new();
        for endpoint in &file.endpoints {
            collect_fields(&endpoint.params, &mut used);
            if let Some(response) = &endpoint.response {
                match &response.shape {
                    ResponseShape::Fields(fields) => collect_fields(fields, &mut used),
                    ResponseShape::Type(ty) => collect_type(ty, &mut used),
                    ResponseShape::Empty | ResponseShape::Binary => {}
                }
            }
        }
        for def in &file.types {
            match &def.kind {
                TypeDefKind::Struct(fields) => collect_fields(fields, &mut used),
                TypeDefKind::Union(union) => {
                    for variant in &union.variants {
                        collect_type(&variant.ty, &mut used);
                    }
                }
                TypeDefKind::Enum(_) | TypeDefKind::Codes(_) => {}
            }
        }
        let needs: BTreeSet<String> = used
            .iter()
            .filter_map(|name| resolved.type_module.get(name))
            .map(|module| module[0].clone())
            .filter(|other| other != area && areas.contains_key(other))
            .collect();
        if let Some(entry) = areas.get_mut(area) {
            entry.extend(needs);
        }
    }
    for (area, crates) in RUNTIME_CRATES {
        if let Some(entry) = areas.get_mut(*area) {
            entry.extend(crates.iter().map(|c| c.to_string()));
        }
    }
    areas
}

fn collect_fields(fields: &[Field], out: &mut BTreeSet<String>) {
    for field in fields {
        match &field.shape {
            FieldShape::Type(ty) => collect_type(ty, out),
            FieldShape::Object(inner) => collect_fields(inner, out),
            FieldShape::Enum(_) => {}
        }
    }
}

fn collect_type(ty: &TypeExpr, out: &mut BTreeSet<String>) {
    match ty {
        TypeExpr::List(inner) | TypeExpr::Map(inner) => collect_type(inner, out),
        TypeExpr::Named(name, _) => {
            out.insert(name.clone());
        }
        _ => {}
    }
}

/// `#[cfg(feature = "<area>")]` for a gated area, nothing otherwise.
pub fn cfg_for(area: &str, gated: &BTreeMap<String, BTreeSet<String>>) -> TokenStream {
    if gated.contains_key(area) {
        quote! { #[cfg(feature = #area)] }
    } else {
        quote! {}
    }
}

/// [`cfg_for`] for an item (a module, a method), also marking it in the docs (docs.rs builds
/// with `--cfg docsrs`) as available with the feature.
pub fn item_cfg_for(area: &str, gated: &BTreeMap<String, BTreeSet<String>>) -> TokenStream {
    if gated.contains_key(area) {
        quote! {
            #[cfg(feature = #area)]
            #[cfg_attr(docsrs, doc(cfg(feature = #area)))]
        }
    } else {
        quote! {}
    }
}

/// The `[features]` lines `dingtalk-api/Cargo.toml` must hold between its area markers.
pub fn cargo_feature_lines(gated: &BTreeMap<String, BTreeSet<String>>) -> String {
    let mut out = String::new();
    let all: Vec<String> = gated.keys().map(|a| format!("\"{a}\"")).collect();
    out.push_str(&format!("all-areas = [{}]\n", all.join(", ")));
    for (area, needs) in gated {
        let needs: Vec<String> = needs.iter().map(|a| format!("\"{a}\"")).collect();
        out.push_str(&format!("{area} = [{}]\n", needs.join(", ")));
    }
    out
}

/// Feature name -> (1-based line, the quoted values of its list).
pub type ManifestFeatures = BTreeMap<String, (usize, Vec<String>)>;

/// The features declared in the `[features]` table of a `Cargo.toml`: name -> (1-based line,
/// the quoted values of its list). A small reader for the table alone: it also reads the
/// normalised manifest `cargo package` writes (no comments, lists possibly over several
/// lines), so it does not rely on the `# BEGIN areas` markers.
pub fn manifest_features(manifest: &str) -> (Option<usize>, ManifestFeatures) {
    let mut table_line = None;
    let mut features = BTreeMap::new();
    let mut current: Option<(String, usize, Vec<String>)> = None;
    let mut in_table = false;
    for (index, raw) in manifest.lines().enumerate() {
        let line = strip_toml_comment(raw);
        let trimmed = line.trim();
        if current.is_none() && trimmed.starts_with('[') && !trimmed.contains('=') {
            in_table = trimmed == "[features]";
            if in_table {
                table_line = Some(index + 1);
            }
            continue;
        }
        if !in_table {
            continue;
        }
        let (rest, opened_here) = match current {
            Some(_) => (trimmed, false),
            None => {
                let Some((key, value)) = trimmed.split_once('=') else {
                    continue;
                };
                let key = key.trim().trim_matches('"').to_string();
                current = Some((key, index + 1, Vec::new()));
                (value.trim(), true)
            }
        };
        if let Some((_, _, values)) = &mut current {
            values.extend(quoted_strings(rest));
        }
        // A list ends at its `]`; a value that is not a list ends on its own line.
        let done = rest.contains(']') || (opened_here && !rest.starts_with('['));
        if done && let Some((key, line, values)) = current.take() {
            features.insert(key, (line, values));
        }
    }
    if let Some((key, line, values)) = current.take() {
        features.insert(key, (line, values));
    }
    (table_line, features)
}

fn strip_toml_comment(line: &str) -> &str {
    let mut in_string = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_string = !in_string,
            '#' if !in_string => return &line[..i],
            _ => {}
        }
    }
    line
}

fn quoted_strings(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// One way the area features of `dingtalk-api/Cargo.toml` differ from the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaFeatureProblem {
    /// 1-based line of the manifest the problem is about.
    pub line: usize,
    pub message: String,
    /// True when something the spec needs is missing (a build must fail); false for a
    /// stale entry that names no area of the spec.
    pub missing: bool,
}

/// Compares the `[features]` table of `manifest` with the spec's areas.
pub fn area_feature_problems(
    gated: &BTreeMap<String, BTreeSet<String>>,
    manifest: &str,
) -> Vec<AreaFeatureProblem> {
    let (table_line, features) = manifest_features(manifest);
    let mut problems = Vec::new();
    let header = table_line.unwrap_or(1);
    let all_line = cargo_feature_lines(gated)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    for (area, needs) in gated {
        let expected_line = cargo_feature_lines(&BTreeMap::from([(area.clone(), needs.clone())]))
            .lines()
            .nth(1)
            .unwrap_or_default()
            .to_string();
        match features.get(area) {
            None => problems.push(AreaFeatureProblem {
                line: header,
                message: format!(
                    "the spec has the area `{area}`, but [features] has no feature `{area}`, so its endpoints would be compiled out; add the line `{expected_line}` to [features] (and \"{area}\" to all-areas)"
                ),
                missing: true,
            }),
            Some((line, values)) => {
                let absent: Vec<&String> = needs.iter().filter(|n| !values.contains(n)).collect();
                if !absent.is_empty() {
                    let absent: Vec<String> = absent.iter().map(|a| format!("\"{a}\"")).collect();
                    problems.push(AreaFeatureProblem {
                        line: *line,
                        message: format!(
                            "feature `{area}` must turn on {} (its spec uses their types, or its runtime code those crates); write `{expected_line}`",
                            absent.join(", ")
                        ),
                        missing: true,
                    });
                }
            }
        }
    }
    match features.get("all-areas") {
        None => problems.push(AreaFeatureProblem {
            line: header,
            message: format!("[features] has no `all-areas` feature; add the line `{all_line}`"),
            missing: true,
        }),
        Some((line, values)) => {
            let absent: Vec<String> = gated
                .keys()
                .filter(|area| !values.contains(area))
                .map(|area| format!("\"{area}\""))
                .collect();
            if !absent.is_empty() {
                problems.push(AreaFeatureProblem {
                    line: *line,
                    message: format!(
                        "`all-areas` does not turn on {}, so the default build leaves those endpoints out; write `{all_line}`",
                        absent.join(", ")
                    ),
                    missing: true,
                });
            }
            let stale: Vec<String> = values
                .iter()
                .filter(|v| !gated.contains_key(*v))
                .map(|v| format!("\"{v}\""))
                .collect();
            if !stale.is_empty() {
                problems.push(AreaFeatureProblem {
                    line: *line,
                    message: format!(
                        "`all-areas` lists {}, which the spec has no area with endpoints for; write `{all_line}` (and remove those features)",
                        stale.join(", ")
                    ),
                    missing: false,
                });
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gated() -> BTreeMap<String, BTreeSet<String>> {
        BTreeMap::from([
            ("chat".to_string(), BTreeSet::new()),
            ("robot".to_string(), BTreeSet::from(["chat".to_string()])),
        ])
    }

    #[test]
    fn reads_the_features_table_with_comments_and_markers() {
        let manifest = "[package]\nname = \"x\"\n\n[features]\ndefault = [\"all-areas\"] # on\n# BEGIN areas\nall-areas = [\"chat\", \"robot\"]\nchat = []\nrobot = [\"chat\"]\n# END areas\n\n[dependencies]\nchat = \"1\"\n";
        let (table, features) = manifest_features(manifest);
        assert_eq!(table, Some(4));
        assert_eq!(features["robot"], (9, vec!["chat".to_string()]));
        assert!(!features.contains_key("name"));
        assert_eq!(features.len(), 4, "the [dependencies] table is not read");
        assert!(area_feature_problems(&gated(), manifest).is_empty());
    }

    #[test]
    fn reads_the_normalised_manifest_of_cargo_package() {
        // `cargo package` drops comments and may spread lists over lines.
        let manifest = "[package]\nname = \"x\"\n\n[features]\nall-areas = [\n    \"chat\",\n    \"robot\",\n]\nchat = []\nrobot = [\"chat\"]\n\n[dependencies.serde]\nversion = \"1\"\n";
        let (_, features) = manifest_features(manifest);
        assert_eq!(
            features["all-areas"],
            (5, vec!["chat".to_string(), "robot".to_string()])
        );
        assert_eq!(features["chat"].0, 9);
        assert!(area_feature_problems(&gated(), manifest).is_empty());
    }

    #[test]
    fn a_missing_area_feature_names_the_line_to_paste() {
        let manifest = "[features]\nall-areas = [\"chat\"]\nchat = []\n";
        let problems = area_feature_problems(&gated(), manifest);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems.iter().all(|p| p.missing));
        assert!(
            problems[0].message.contains("`robot = [\"chat\"]`"),
            "{problems:#?}"
        );
        assert_eq!(problems[1].line, 2);
        assert!(
            problems[1]
                .message
                .contains("all-areas = [\"chat\", \"robot\"]")
        );
    }

    #[test]
    fn a_stale_area_is_reported_but_not_missing() {
        let manifest = "[features]\nall-areas = [\"chat\", \"robot\", \"gone\"]\nchat = []\nrobot = [\"chat\"]\ngone = []\n";
        let problems = area_feature_problems(&gated(), manifest);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(!problems[0].missing);
        assert!(problems[0].message.contains("\"gone\""));
    }
}
