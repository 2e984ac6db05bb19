//! The generator behind `dingtalk-api`: `api-spec/*.yaml` -> Rust.
//!
//! Pipeline: [`parse`] (YAML with positions -> spec model, shape checks) ->
//! [`validate`](validate::validate) (references, clashes, pagination) -> [`generate`] (tokens,
//! formatted with prettyplease). Every problem is reported at once as `file:line:col: message`;
//! nothing here panics on bad input.
//!
//! [`load_dir`] is the only function that touches the file system; the rest is pure, so the
//! same code serves `build.rs`, the `check` CLI and the snapshot tests.

mod chars;
pub mod coverage;
pub mod diag;
pub mod emit;
mod examples;
pub mod json;
mod load;
pub mod model;
pub mod naming;
pub mod validate;
mod yaml;

use std::path::Path;

pub use diag::{Diagnostic, SpecErrors};
pub use emit::{Generated, GeneratedFile};
pub use model::Spec;

use diag::{Diagnostics, Span};

/// One spec file's text, with its path relative to the spec root (`contact/user.yaml`).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub relative_path: String,
    pub text: String,
}

/// The file that holds the error-code list.
pub const ERRORS_FILE: &str = "errors.yaml";

/// The folder whose files declare events (one `Event` enum for all of them).
pub const EVENTS_DIR: &str = "events/";

/// The file that introduces the spec's folders (which have no file of their own).
pub const AREAS_FILE: &str = "areas.yaml";

/// Parses and validates spec sources. `display_root` prefixes paths in messages (`api-spec`).
pub fn parse(
    display_root: &str,
    sources: &[SourceFile],
) -> Result<(Spec, validate::Resolved), SpecErrors> {
    let mut diags = Diagnostics::default();
    let mut spec = Spec::default();
    let mut sorted: Vec<&SourceFile> = sources.iter().collect();
    sorted.sort_by(|a, b| a.relative_path.cmp(&b.relative_path));
    // Files that cannot be read (encoding, syntax, not a mapping): the checks across files
    // would only report what is missing because of them, ahead of the real problem.
    let mut unreadable: Vec<Span> = Vec::new();
    for source in sorted {
        let display = format!("{display_root}/{}", source.relative_path);
        let problems_before = diags.len();
        let root = match yaml::parse(&display, &source.text, &mut diags) {
            yaml::Parsed::Document(root) => root,
            yaml::Parsed::Empty => {
                diags.error(
                    Span::new(&display, 1, 1),
                    "the file is empty (no YAML document, only comments or blank lines)",
                );
                continue;
            }
            yaml::Parsed::Unreadable => {
                unreadable.push(first_problem(&diags, problems_before, &display));
                continue;
            }
        };
        if !matches!(root.kind, yaml::NodeKind::Map(_)) {
            let problems_before = diags.len();
            if source.relative_path == ERRORS_FILE {
                load::load_errors(&display, &root, &mut diags);
            } else {
                load::load_file(&display, Vec::new(), &root, &source.text, &mut diags);
            }
            unreadable.push(first_problem(&diags, problems_before, &display));
            continue;
        }
        if source.relative_path == ERRORS_FILE {
            spec.errors = load::load_errors(&display, &root, &mut diags);
            continue;
        }
        if source.relative_path == AREAS_FILE {
            spec.area_docs = load::load_areas(&display, &root, &mut diags);
            continue;
        }
        if source.relative_path.starts_with(EVENTS_DIR) {
            let (events, callbacks) =
                load::load_events_file(&display, &root, &source.text, &mut diags);
            spec.events.extend(events);
            spec.callbacks.extend(callbacks);
            continue;
        }
        let Some(module) = module_path(&display, &source.relative_path, &mut diags) else {
            continue;
        };
        if let Some(file) = load::load_file(&display, module, &root, &source.text, &mut diags) {
            spec.files.push(file);
        }
    }
    if let Some(first) = unreadable.first() {
        let mut sorted = diags.into_sorted();
        // Only worth a line when other files were read and their checks are the ones skipped.
        if !spec.files.is_empty() || spec.errors.is_some() {
            let which = if unreadable.len() == 1 {
                "this file".to_string()
            } else {
                format!("these {} files", unreadable.len())
            };
            sorted.push(Diagnostic {
                span: first.clone(),
                message: format!(
                    "the checks that need every file (type references, duplicate types and routes, examples, pagination) were skipped until {which} can be read: fix the problems above, then check again"
                ),
            });
        }
        return Err(SpecErrors(sorted));
    }
    check_module_clashes(&spec, &mut diags);
    check_area_docs(&spec, &mut diags);
    if diags.is_empty() {
        let resolved = validate::validate(&spec, &mut diags);
        if diags.is_empty() {
            return Ok((spec, resolved));
        }
    } else {
        // Still run the cross-file checks so that every problem shows up in one pass.
        validate::validate(&spec, &mut diags);
    }
    Err(SpecErrors(diags.into_sorted()))
}

/// The position of the first problem reported since `before` (the file's start if none).
fn first_problem(diags: &Diagnostics, before: usize, display: &str) -> Span {
    diags
        .iter()
        .skip(before)
        .map(|d| d.span.clone())
        .min()
        .unwrap_or_else(|| Span::new(display, 1, 1))
}

/// `contact.yaml` beside a `contact/` folder would make two modules named `contact`.
/// Every introduction in `areas.yaml` names a folder of the spec (a file introduces itself).
fn check_area_docs(spec: &Spec, diags: &mut Diagnostics) {
    for area in &spec.area_docs {
        let path: Vec<&str> = area.folder.split('/').collect();
        let is_file = spec.files.iter().any(|f| f.module == path);
        let is_folder = spec.files.iter().any(|f| {
            f.module.len() > path.len() && f.module.iter().zip(&path).all(|(a, b)| a == b)
        });
        if is_file {
            diags.error(
                area.span.clone(),
                format!(
                    "`{}` is a spec file, not a folder: write its introduction as the `doc:` of `{}.yaml`",
                    area.folder, area.folder
                ),
            );
        } else if !is_folder {
            diags.error(
                area.span.clone(),
                format!("`{}` is no folder of the spec (areas.yaml introduces folders such as `contact`)", area.folder),
            );
        }
    }
}

fn check_module_clashes(spec: &Spec, diags: &mut Diagnostics) {
    for file in &spec.files {
        let folder_too = spec.files.iter().any(|other| {
            other.module.len() > file.module.len() && other.module.starts_with(&file.module)
        });
        if folder_too {
            diags.error(
                Span::new(&file.display_path, 1, 1),
                format!(
                    "module `{}` is both this file and a folder; move the file into the folder",
                    file.module.join("::")
                ),
            );
        }
    }
}

/// `contact/user.yaml` -> `["contact", "user"]`, checking each part is a module name.
fn module_path(display: &str, relative: &str, diags: &mut Diagnostics) -> Option<Vec<String>> {
    let stem = relative.strip_suffix(".yaml")?;
    let parts: Vec<String> = stem.split('/').map(str::to_string).collect();
    for part in &parts {
        let valid = !part.is_empty()
            && part.starts_with(|c: char| c.is_ascii_lowercase())
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !naming::is_keyword(part);
        if !valid {
            diags.error(
                Span::new(display, 1, 1),
                format!("`{part}` cannot name a Rust module: use lower snake_case, not a keyword"),
            );
            return None;
        }
    }
    if parts.len() == 1
        && matches!(
            parts[0].as_str(),
            "endpoint" | "wire" | "error" | "client" | "token"
        )
    {
        diags.error(
            Span::new(display, 1, 1),
            format!(
                "`{}` is the name of a runtime module of dingtalk-api; choose another file name",
                parts[0]
            ),
        );
        return None;
    }
    Some(parts)
}

/// Parses a YAML data file (e.g. a seed) into JSON; syntax errors come as `file:line:col`.
#[cfg(feature = "data")]
pub fn yaml_to_json(display_path: &str, text: &str) -> Result<serde_json::Value, SpecErrors> {
    let mut diags = Diagnostics::default();
    match yaml::parse_data(display_path, text, &mut diags) {
        yaml::Parsed::Document(root) if diags.is_empty() => Ok(root.to_json()),
        yaml::Parsed::Empty => Err(SpecErrors(vec![Diagnostic {
            span: Span::new(display_path, 1, 1),
            message: "the file is empty".into(),
        }])),
        _ => Err(SpecErrors(diags.into_sorted())),
    }
}

/// Reads every `*.yaml` under `dir` (sorted, so output is deterministic). A file that is
/// not UTF-8 is still returned: [`parse`] reports its first invalid byte with its position.
pub fn read_dir(dir: &Path) -> std::io::Result<Vec<SourceFile>> {
    let mut out = Vec::new();
    collect(dir, dir, &mut out)?;
    out.sort_by(|a, b| a.relative_path.cmp(&b.relative_path));
    Ok(out)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml") {
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push(SourceFile {
                relative_path: relative,
                text: chars::decode(&std::fs::read(&path)?),
            });
        }
    }
    Ok(())
}

/// Generates the Rust files for a validated spec.
pub fn generate(spec: &Spec, resolved: &validate::Resolved) -> Generated {
    emit::generate(spec, resolved)
}

/// Generates the Rust files of the areas whose cargo feature `enabled` says is on (and of
/// everything no area feature gates; `events.rs` with the `events` feature): what
/// `dingtalk-api`'s build script writes.
pub fn generate_enabled(
    spec: &Spec,
    resolved: &validate::Resolved,
    enabled: &dyn Fn(&str) -> bool,
) -> Generated {
    emit::generate_enabled(spec, resolved, enabled)
}

/// The `[features]` lines for the spec's areas (see `emit::areas`), as `dingtalk-api/Cargo.toml`
/// must hold them between `# BEGIN areas` and `# END areas`.
pub fn cargo_features(spec: &Spec, resolved: &validate::Resolved) -> String {
    emit::areas::cargo_feature_lines(&emit::areas::gated_areas(spec, resolved))
}

/// Compares the `[features]` table of a `dingtalk-api/Cargo.toml` (its text, shown in
/// messages as `shown_path`) with the spec's areas: every problem, located in the manifest,
/// each saying which line to write. An area without its feature would be compiled out
/// silently (only a `cfg` warning), so `check` and `build.rs` both refuse that.
pub fn check_area_features(
    spec: &Spec,
    resolved: &validate::Resolved,
    shown_path: &str,
    manifest: &str,
) -> Vec<Diagnostic> {
    area_feature_problems(spec, resolved, manifest)
        .into_iter()
        .map(|problem| Diagnostic {
            span: Span::new(shown_path, problem.line, 1),
            message: problem.message,
        })
        .collect()
}

/// The problems of [`check_area_features`] with whether each is a missing feature.
pub fn area_feature_problems(
    spec: &Spec,
    resolved: &validate::Resolved,
    manifest: &str,
) -> Vec<emit::areas::AreaFeatureProblem> {
    emit::areas::area_feature_problems(&emit::areas::gated_areas(spec, resolved), manifest)
}

/// Reads, validates and generates in one step (what `build.rs` and the CLI do).
pub fn load_dir(dir: &Path, display_root: &str) -> Result<Generated, LoadError> {
    let sources = read_dir(dir).map_err(|e| LoadError::Io(dir.display().to_string(), e))?;
    let (spec, resolved) = parse(display_root, &sources).map_err(LoadError::Spec)?;
    Ok(generate(&spec, &resolved))
}

/// Why [`load_dir`] failed.
#[derive(Debug)]
pub enum LoadError {
    Io(String, std::io::Error),
    Spec(SpecErrors),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io(path, err) => write!(f, "cannot read the spec at {path}: {err}"),
            LoadError::Spec(errors) => errors.fmt(f),
        }
    }
}

impl std::error::Error for LoadError {}
