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
        let by_path = routes
            .iter()
            .enumerate()
            .map(|(i, r)| (r.path.clone(), i))
            .collect();
        Catalog {
            routes,
            by_path,
            types,
        }
    }

    pub fn route_for_path(&self, path: &str) -> Option<&Route> {
        self.by_path.get(path).map(|i| &self.routes[*i])
    }
}
