//! The route table, built from the same spec files the SDK is generated from.

use std::collections::HashMap;

use dingtalk_codegen::model::{Auth, Envelope, Field, Method, Spec, TypeDef};

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
}

/// Every route plus the named types that parameters refer to.
#[derive(Debug)]
pub struct Catalog {
    pub routes: Vec<Route>,
    /// The routes of each path; several only when fixed parameter values tell them apart.
    by_path: HashMap<String, Vec<usize>>,
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
                routes.push(Route {
                    name: format!("{}.{}", file.module.join("."), endpoint.name),
                    method: endpoint.method,
                    path: endpoint.path.clone(),
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
        let mut by_path: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, route) in routes.iter().enumerate() {
            by_path.entry(route.path.clone()).or_default().push(i);
        }
        Catalog {
            routes,
            by_path,
            types,
        }
    }

    /// The route of a request. DingTalk serves some calls at one path for several fixed
    /// values of a body parameter (`grantType`); the spec declares those as endpoints with a
    /// required single-value `enum`, and the request's value picks among them (the first
    /// route when none matches, so its checks name what is missing).
    pub fn route_for(&self, path: &str, body: &[u8]) -> Option<&Route> {
        let candidates = self.by_path.get(path)?;
        let first = candidates.first().map(|i| &self.routes[*i]);
        if candidates.len() < 2 {
            return first;
        }
        let Ok(serde_json::Value::Object(sent)) = serde_json::from_slice(body) else {
            return first;
        };
        candidates
            .iter()
            .map(|i| &self.routes[*i])
            .find(|route| {
                let fixed = route.fixed_values();
                !fixed.is_empty()
                    && fixed.iter().all(|(wire, value)| {
                        sent.get(*wire).and_then(|v| v.as_str()) == Some(value)
                    })
            })
            .or(first)
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
