//! The route table, built from the same spec files the SDK is generated from.

use std::collections::HashMap;

use dingtalk_codegen::model::{Auth, Envelope, Field, Method, Spec, Style, TypeDef};

include!(concat!(env!("OUT_DIR"), "/spec_files.rs"));

/// One endpoint the fake serves.
#[derive(Debug, Clone)]
pub struct Route {
    /// `module.endpoint`, e.g. `contact.user.get_v2` (the SDK's `EndpointSpec::name`).
    pub name: String,
    pub method: Method,
    pub path: String,
    pub envelope: Envelope,
    pub auth: Auth,
    pub params: Vec<Field>,
    /// The documented response example, served when no state logic exists.
    pub example: Option<String>,
    /// The answer is a file (a download), not JSON.
    pub binary: bool,
    pub style: Style,
    /// The path split at `/` (v1 paths hold placeholders such as `/v1.0/x/{id}`).
    pub segments: Vec<Segment>,
}

/// One `/`-separated piece of a route's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    /// `{name}`: any non-empty segment, its value bound to `name`.
    Param(String),
}

/// What a request's method and path resolve to.
pub enum Lookup<'a> {
    /// The route, and the values of its path placeholders (percent-decoded).
    Found(&'a Route, Vec<(String, String)>),
    /// A v1 path that exists, but not for this method.
    WrongMethod,
    Missing,
}

/// Every route plus the named types that parameters refer to.
#[derive(Debug)]
pub struct Catalog {
    pub routes: Vec<Route>,
    by_path: HashMap<String, usize>,
    pub types: HashMap<String, TypeDef>,
}

impl Catalog {
    /// Loads the embedded spec. It was validated when the SDK was built, so failing here
    /// means the binary was built from a broken spec: report it, do not guess.
    pub fn load() -> Result<Catalog, String> {
        let sources: Vec<dingtalk_codegen::SourceFile> = SPEC_FILES
            .iter()
            .map(|(path, text)| dingtalk_codegen::SourceFile {
                relative_path: (*path).to_string(),
                text: (*text).to_string(),
            })
            .collect();
        let (spec, _) = dingtalk_codegen::parse("api-spec", &sources).map_err(|e| e.to_string())?;
        Ok(Self::from_spec(&spec))
    }

    pub fn from_spec(spec: &Spec) -> Catalog {
        let mut routes = Vec::new();
        let mut types = HashMap::new();
        for file in &spec.files {
            for def in &file.types {
                types.insert(def.name.clone(), def.clone());
            }
            for endpoint in &file.endpoints {
                let response = endpoint.response.as_ref();
                let segments = endpoint
                    .path
                    .split('/')
                    .map(|segment| {
                        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => Segment::Param(name.to_string()),
                            None => Segment::Literal(segment.to_string()),
                        }
                    })
                    .collect();
                routes.push(Route {
                    name: format!("{}.{}", file.module.join("."), endpoint.name),
                    method: endpoint.method,
                    path: endpoint.path.clone(),
                    style: file.style,
                    segments,
                    envelope: endpoint.envelope.unwrap_or(Envelope::Flat),
                    auth: endpoint.auth,
                    params: endpoint.params.clone(),
                    binary: response.is_some_and(|r| {
                        matches!(r.shape, dingtalk_codegen::model::ResponseShape::Binary)
                    }),
                    example: response
                        .and_then(|r| r.example.as_ref())
                        .map(|e| e.json.clone())
                        .filter(|json| !json.trim().is_empty()),
                });
            }
        }
        let by_path = routes
            .iter()
            .enumerate()
            .filter(|(_, r)| r.style == Style::Classic)
            .map(|(i, r)| (r.path.clone(), i))
            .collect();
        Catalog {
            routes,
            by_path,
            types,
        }
    }

    /// Classic routes by exact path (the method is judged later, with DingTalk's codes);
    /// v1 routes by method and path template. DingTalk serves some v1 calls at one path for
    /// several fixed values of a body parameter (`grantType`); the spec declares those as
    /// endpoints with a required single-value `enum`, and the `body`'s value picks among
    /// them (the first when none matches, so that its checks name what is missing).
    pub fn lookup(&self, method: &str, path: &str, body: &[u8]) -> Lookup<'_> {
        if let Some(index) = self.by_path.get(path) {
            return Lookup::Found(&self.routes[*index], Vec::new());
        }
        let parts: Vec<&str> = path.split('/').collect();
        let mut path_matched = false;
        let mut found: Vec<(&Route, Vec<(String, String)>)> = Vec::new();
        for route in self.routes.iter().filter(|r| r.style == Style::V1) {
            let Some(values) = match_template(&route.segments, &parts) else {
                continue;
            };
            path_matched = true;
            if route.method.as_str() == method {
                found.push((route, values));
            }
        }
        if found.len() > 1
            && let Ok(serde_json::Value::Object(sent)) = serde_json::from_slice(body)
            && let Some(index) = found.iter().position(|(route, _)| {
                let fixed = route.fixed_values();
                !fixed.is_empty()
                    && fixed.iter().all(|(wire, value)| {
                        sent.get(*wire).and_then(|v| v.as_str()) == Some(value)
                    })
            })
        {
            let (route, values) = found.swap_remove(index);
            return Lookup::Found(route, values);
        }
        if let Some((route, values)) = found.into_iter().next() {
            return Lookup::Found(route, values);
        }
        if path_matched {
            Lookup::WrongMethod
        } else {
            Lookup::Missing
        }
    }
}

impl Route {
    /// The values of its required single-value `enum` parameters, by wire name.
    pub fn fixed_values(&self) -> Vec<(&str, &str)> {
        self.params
            .iter()
            .filter(|p| p.required)
            .filter_map(|p| match &p.shape {
                dingtalk_codegen::model::FieldShape::Enum(values) if values.len() == 1 => {
                    Some((p.wire.as_str(), values[0].wire.as_str()))
                }
                _ => None,
            })
            .collect()
    }
}

/// The placeholder values of `parts` against `segments`, if the path fits the template.
fn match_template(segments: &[Segment], parts: &[&str]) -> Option<Vec<(String, String)>> {
    if segments.len() != parts.len() {
        return None;
    }
    let mut values = Vec::new();
    for (segment, part) in segments.iter().zip(parts) {
        match segment {
            Segment::Literal(literal) if literal == part => {}
            Segment::Literal(_) => return None,
            Segment::Param(_) if part.is_empty() => return None,
            Segment::Param(name) => values.push((name.clone(), percent_decode(part)?)),
        }
    }
    Some(values)
}

/// `%20` and friends back to their bytes; `None` for bad escapes or non-UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
