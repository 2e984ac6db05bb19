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

/// The feature-gated areas and the other gated areas each needs, in name order.
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
                TypeDefKind::Enum(_) => {}
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
