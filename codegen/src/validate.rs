//! Whole-spec checks that need more than one node: references, name clashes, pagination,
//! encodings. Runs after loading and before any Rust is emitted.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::diag::{Diagnostics, Span};
use crate::model::*;
use crate::naming;

/// The query parameters the client adds to `auth: suite_signature` requests.
const SIGNATURE_PARAMS: [&str; 4] = ["accessKey", "timestamp", "suiteTicket", "signature"];

/// Where each named type lives and in which direction it travels.
#[derive(Debug, Default)]
pub struct Resolved {
    /// Type name -> module path of the file that defines it.
    pub type_module: BTreeMap<String, Vec<String>>,
    /// Named types reachable from request parameters (they need `Serialize`).
    pub in_requests: BTreeSet<String>,
    /// Named types reachable from responses (they need `Deserialize`).
    pub in_responses: BTreeSet<String>,
    /// Fields (and union variants) that close a cycle of types containing each other by
    /// value: `(module, Rust name of the owning type, wire name)`. They are emitted as
    /// `Box<T>` so that every type has a finite size.
    pub boxed: BTreeSet<(Vec<String>, String, String)>,
    /// Every named type by name (waiters read the fields of answers they poll).
    pub types: BTreeMap<String, TypeDef>,
}

pub fn validate(spec: &Spec, diags: &mut Diagnostics) -> Resolved {
    let mut resolved = Resolved::default();
    let mut defs: HashMap<&str, &TypeDef> = HashMap::new();
    let mut camel_seen: HashMap<String, &Span> = HashMap::new();

    for file in &spec.files {
        for def in &file.types {
            if !naming::is_upper_camel_case(&def.name) {
                diags.error(
                    def.span.clone(),
                    format!(
                        "type name `{}` must be UpperCamelCase (e.g. `{}`)",
                        def.name,
                        naming::type_name(&def.name)
                    ),
                );
            }
            let camel = naming::type_name(&def.name);
            if let Some(first) = camel_seen.get(&camel) {
                diags.error(
                    def.span.clone(),
                    format!("duplicate type `{}` (first defined at {first})", def.name),
                );
                continue;
            }
            camel_seen.insert(camel, &def.span);
            defs.insert(&def.name, def);
            resolved.types.insert(def.name.clone(), def.clone());
            resolved
                .type_module
                .insert(def.name.clone(), file.module.clone());
        }
    }

    let ctx = Ctx { defs: &defs };
    for file in &spec.files {
        check_file(&ctx, file, diags);
        for def in &file.types {
            check_type_def(&ctx, def, diags);
        }
    }

    // Direction of travel, for derive selection and the "unions only in requests" rule.
    for file in &spec.files {
        for endpoint in &file.endpoints {
            for param in &endpoint.params {
                ctx.collect_field(param, &mut resolved.in_requests);
            }
            if let Some(response) = &endpoint.response {
                let mut reached = BTreeSet::new();
                match &response.shape {
                    ResponseShape::Fields(fields) => {
                        for field in fields {
                            ctx.collect_field(field, &mut reached);
                        }
                    }
                    ResponseShape::Type(ty) => ctx.collect_type(ty, &mut reached),
                    ResponseShape::Empty | ResponseShape::Binary => {}
                }
                for name in &reached {
                    if let Some(def) = defs.get(name.as_str())
                        && matches!(def.kind, TypeDefKind::Union(_))
                    {
                        diags.error(
                            response.span.clone(),
                            format!(
                                "the response of `{}` uses the union `{name}`; unions can only be sent in requests",
                                endpoint.name
                            ),
                        );
                    }
                }
                resolved.in_responses.extend(reached);
            }
        }
    }

    // Events and callbacks are received: their types decode.
    for event in spec.events.iter().chain(&spec.callbacks) {
        let mut reached = BTreeSet::new();
        for field in &event.fields {
            ctx.collect_field(field, &mut reached);
        }
        resolved.in_responses.extend(reached);
    }
    check_events(&ctx, spec, diags);

    // A type sent and received has `Option<_>` collections; the runtime reads an optional
    // list of scalars leniently, but has no lenient reader for an optional map of them.
    for file in &spec.files {
        for def in &file.types {
            if let TypeDefKind::Struct(fields) = &def.kind
                && resolved.in_requests.contains(&def.name)
                && resolved.in_responses.contains(&def.name)
            {
                check_two_way_maps(&def.name, fields, diags);
            }
        }
    }
    // Documented examples against the declared responses, as the decoder would read them.
    for file in &spec.files {
        for endpoint in &file.endpoints {
            crate::examples::check(&defs, &resolved.in_requests, file, endpoint, diags);
        }
    }
    for event in spec.events.iter().chain(&spec.callbacks) {
        crate::examples::check_event(&defs, &resolved.in_requests, event, diags);
    }
    resolved.boxed = find_cycles(spec, &defs, diags);
    check_routes(spec, diags);
    if let Some(errors) = &spec.errors {
        check_errors(errors, diags);
    }
    resolved
}

/// Names the `events` module holds besides the payload types.
const EVENT_MODULE_NAMES: &[&str] = &["Event", "EventMeta", "Received", "Channel"];

/// Event types are unique, make distinct Rust names, and their payload fields are sound.
fn check_events(ctx: &Ctx<'_>, spec: &Spec, diags: &mut Diagnostics) {
    let mut names: HashMap<String, (String, Span)> = HashMap::new();
    let mut topics: HashMap<&str, (&str, &Span)> = HashMap::new();
    for callback in &spec.callbacks {
        if let Some(topic) = callback.topic.as_deref() {
            if let Some((first, span)) = topics.get(topic) {
                diags.error(
                    callback.span.clone(),
                    format!("callback `{}` has the topic `{topic}` of callback `{first}` at {span}; one payload per topic", callback.name),
                );
            }
            topics.insert(topic, (&callback.name, &callback.span));
        }
    }
    for event in spec.events.iter().chain(&spec.callbacks) {
        let rust = naming::type_name(&event.name);
        if let Some((first, span)) = names.get(&rust) {
            diags.error(
                event.span.clone(),
                format!(
                    "event `{}` would generate the payload type `{rust}`, already generated for event `{first}` at {span}",
                    event.name
                ),
            );
            continue;
        }
        if EVENT_MODULE_NAMES.contains(&rust.as_str()) || rust == "Unknown" || rust == "Invalid" {
            diags.error(
                event.span.clone(),
                format!(
                    "event `{}`: `{rust}` is a name the events module already uses",
                    event.name
                ),
            );
        }
        names.insert(rust.clone(), (event.name.clone(), event.span.clone()));
        ctx.check_fields(&event.fields, diags);
        // Inline objects become `<Event><Field>` types in the same module.
        let mut inline: HashMap<String, Span> = HashMap::new();
        let mut claim = |name: String, span: &Span, what: &str, diags: &mut Diagnostics| {
            if names.contains_key(&name) || inline.contains_key(&name) {
                diags.error(
                    span.clone(),
                    format!("{what} would generate the Rust type `{name}`, which another event already uses"),
                );
            } else {
                inline.insert(name, span.clone());
            }
        };
        claim_inline(&rust, &event.fields, &mut claim, diags);
        for (name, span) in inline {
            names.insert(name, ("an inline object".to_string(), span));
        }
    }
}

fn check_two_way_maps(owner: &str, fields: &[Field], diags: &mut Diagnostics) {
    for field in fields {
        match &field.shape {
            FieldShape::Type(TypeExpr::Map(inner))
                if !field.required
                    && matches!(field.encoding, None | Some(Encoding::String))
                    && crate::emit::lenient_type(inner) =>
            {
                diags.error(
                    field.span.clone(),
                    format!(
                        "field `{}` of `{owner}`: an optional map of scalars in a type that is both sent and received has no lenient decoder; make it `required: true`, or `map<json>`, or use separate request and response types",
                        field.wire
                    ),
                );
            }
            FieldShape::Object(inner) => check_two_way_maps(owner, inner, diags),
            _ => {}
        }
    }
}

/// A type of the containment graph: a named struct or union, or an inline object of one.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct TypeNode {
    module: Vec<String>,
    rust: String,
}

/// One by-value field from a type to another: the field (or variant) that would be boxed.
struct Edge<'a> {
    to: TypeNode,
    wire: &'a str,
    span: &'a Span,
    /// A required struct field (a union variant or an optional field can end the chain).
    required: bool,
    body: Body<'a>,
}

#[derive(Clone, Copy)]
enum Body<'a> {
    Fields(&'a [Field]),
    Variants(&'a [Variant]),
}

/// Finds the fields that close a cycle of types containing each other by value (not through
/// a list or map) with a depth-first walk in a fixed order: exactly the back edges, so that
/// boxing them leaves no cycle. A cycle of required fields only is an error: no finite
/// value of such a type exists.
fn find_cycles(
    spec: &Spec,
    defs: &HashMap<&str, &TypeDef>,
    diags: &mut Diagnostics,
) -> BTreeSet<(Vec<String>, String, String)> {
    let mut finder = CycleFinder {
        defs,
        module_of: spec
            .files
            .iter()
            .flat_map(|f| {
                f.types
                    .iter()
                    .map(move |t| (t.name.as_str(), f.module.as_slice()))
            })
            .collect(),
        done: BTreeSet::new(),
        stack: Vec::new(),
        boxed: BTreeSet::new(),
        diags,
    };
    let mut roots: Vec<(TypeNode, Body<'_>)> = spec
        .files
        .iter()
        .flat_map(|f| f.types.iter())
        .filter_map(|def| Some((finder.node_of(&def.name)?, body_of(def))))
        .collect();
    roots.sort_by(|a, b| a.0.cmp(&b.0));
    for (node, body) in roots {
        if !finder.done.contains(&node) {
            finder.visit(node, false, body);
        }
    }
    finder.boxed
}

fn body_of(def: &TypeDef) -> Body<'_> {
    match &def.kind {
        TypeDefKind::Struct(fields) => Body::Fields(fields),
        TypeDefKind::Union(union) => Body::Variants(&union.variants),
        TypeDefKind::Enum(_) | TypeDefKind::Codes(_) => Body::Fields(&[]),
    }
}

struct CycleFinder<'a, 'd> {
    defs: &'a HashMap<&'a str, &'a TypeDef>,
    module_of: HashMap<&'a str, &'a [String]>,
    done: BTreeSet<TypeNode>,
    /// The walk's path: each node and whether the field leading to it is required.
    stack: Vec<(TypeNode, bool)>,
    boxed: BTreeSet<(Vec<String>, String, String)>,
    diags: &'d mut Diagnostics,
}

impl<'a> CycleFinder<'a, '_> {
    /// Named structs and unions take part; enums hold no other type.
    fn node_of(&self, name: &str) -> Option<TypeNode> {
        let def = self.defs.get(name)?;
        if matches!(def.kind, TypeDefKind::Enum(_) | TypeDefKind::Codes(_)) {
            return None;
        }
        Some(TypeNode {
            module: self.module_of.get(name)?.to_vec(),
            rust: naming::type_name(name),
        })
    }

    fn edges(&self, node: &TypeNode, body: Body<'a>) -> Vec<Edge<'a>> {
        let mut out = Vec::new();
        match body {
            Body::Fields(fields) => {
                for field in fields {
                    match &field.shape {
                        FieldShape::Type(TypeExpr::Named(name, _)) => {
                            if let (Some(to), Some(def)) =
                                (self.node_of(name), self.defs.get(name.as_str()))
                            {
                                out.push(Edge {
                                    to,
                                    wire: &field.wire,
                                    span: &field.span,
                                    required: field.required,
                                    body: body_of(def),
                                });
                            }
                        }
                        FieldShape::Object(inner) => out.push(Edge {
                            to: TypeNode {
                                module: node.module.clone(),
                                rust: format!("{}{}", node.rust, naming::type_name(&field.wire)),
                            },
                            wire: &field.wire,
                            span: &field.span,
                            required: field.required,
                            body: Body::Fields(inner),
                        }),
                        _ => {}
                    }
                }
            }
            Body::Variants(variants) => {
                for variant in variants {
                    if let TypeExpr::Named(name, _) = &variant.ty
                        && let (Some(to), Some(def)) =
                            (self.node_of(name), self.defs.get(name.as_str()))
                    {
                        out.push(Edge {
                            to,
                            wire: &variant.wire,
                            span: &variant.span,
                            required: false,
                            body: body_of(def),
                        });
                    }
                }
            }
        }
        out
    }

    fn visit(&mut self, node: TypeNode, via_required: bool, body: Body<'a>) {
        let edges = self.edges(&node, body);
        self.stack.push((node.clone(), via_required));
        for edge in edges {
            if let Some(position) = self.stack.iter().position(|(n, _)| *n == edge.to) {
                self.boxed.insert((
                    node.module.clone(),
                    node.rust.clone(),
                    edge.wire.to_string(),
                ));
                let all_required =
                    edge.required && self.stack[position + 1..].iter().all(|(_, r)| *r);
                if all_required {
                    self.diags.error(
                        edge.span.clone(),
                        format!(
                            "`{}` contains `{}` again through required fields only, so no value of it can exist; make a field of the cycle optional (or a list)",
                            edge.to.rust, edge.to.rust
                        ),
                    );
                }
                continue;
            }
            if !self.done.contains(&edge.to) {
                self.visit(edge.to, edge.required, edge.body);
            }
        }
        self.stack.pop();
        self.done.insert(node);
    }
}

/// Two endpoints with the same method and path (placeholders compared by position) would be
/// two names for one call; the second is reported, naming where the first is. The one
/// exception is a call DingTalk serves at one path for several fixed values of a parameter
/// (`grantType: authorization_code` or `refresh_token`): endpoints that each declare that
/// parameter as a required single-value `enum`, with different values, are different calls.
fn check_routes(spec: &Spec, diags: &mut Diagnostics) {
    /// v1 or classic, the method, the path with placeholders blanked.
    type Route<'a> = (bool, &'a str, String);
    let mut seen: HashMap<Route<'_>, Vec<(&SpecFile, &Endpoint)>> = HashMap::new();
    for file in &spec.files {
        let mut names = BTreeSet::new();
        for endpoint in &file.endpoints {
            // A duplicate endpoint name is reported already, route and all.
            if !names.insert(naming::field_name(&endpoint.name)) {
                continue;
            }
            let method = endpoint.method.as_str();
            let normalized: Vec<&str> = endpoint
                .path
                .trim_end_matches('/')
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        "{}"
                    } else {
                        segment
                    }
                })
                .collect();
            let key = (file.style == Style::V1, method, normalized.join("/"));
            let earlier = seen.entry(key).or_default();
            if let Some((first_file, first)) = earlier
                .iter()
                .find(|(_, other)| !told_apart(other, endpoint))
            {
                diags.error(
                    endpoint.path_span.clone(),
                    format!(
                        "endpoint `{}` is `{method} {}`, like `{}::{}` at {}; one call has one endpoint: remove one of them or fix its path (endpoints share a path only when each has a required single-value `enum` parameter of the same name, with different values, such as `grantType`)",
                        endpoint.name,
                        endpoint.path,
                        first_file.module.join("::"),
                        first.name,
                        first.path_span
                    ),
                );
            }
            earlier.push((file, endpoint));
        }
    }
}

/// The fixed values of an endpoint's required single-value `enum` parameters, by wire name.
fn fixed_values(endpoint: &Endpoint) -> BTreeMap<&str, &str> {
    endpoint
        .params
        .iter()
        .filter(|p| p.required)
        .filter_map(|p| match &p.shape {
            FieldShape::Enum(values) if values.len() == 1 => {
                Some((p.wire.as_str(), values[0].wire.as_str()))
            }
            _ => None,
        })
        .collect()
}

/// True if a parameter both endpoints fix (a required single-value `enum`) has a different
/// value in each, so that a request names which of the two it is.
fn told_apart(a: &Endpoint, b: &Endpoint) -> bool {
    let (a, b) = (fixed_values(a), fixed_values(b));
    a.iter()
        .any(|(wire, value)| b.get(wire).is_some_and(|other| other != value))
}

struct Ctx<'a> {
    defs: &'a HashMap<&'a str, &'a TypeDef>,
}

impl Ctx<'_> {
    fn check_type(&self, ty: &TypeExpr, diags: &mut Diagnostics) {
        match ty {
            TypeExpr::List(inner) | TypeExpr::Map(inner) => self.check_type(inner, diags),
            TypeExpr::Named(name, span) if !self.defs.contains_key(name.as_str()) => {
                let known: Vec<&str> = self.defs.keys().copied().collect();
                let hint = crate::load::closest(name, &known)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                diags.error(span.clone(), format!("unknown type `{name}`{hint}"));
            }
            _ => {}
        }
    }

    fn collect_type(&self, ty: &TypeExpr, out: &mut BTreeSet<String>) {
        match ty {
            TypeExpr::List(inner) | TypeExpr::Map(inner) => self.collect_type(inner, out),
            TypeExpr::Named(name, _) => {
                if out.insert(name.clone())
                    && let Some(def) = self.defs.get(name.as_str())
                {
                    match &def.kind {
                        TypeDefKind::Struct(fields) => {
                            for field in fields {
                                self.collect_field(field, out);
                            }
                        }
                        TypeDefKind::Union(union) => {
                            for variant in &union.variants {
                                self.collect_type(&variant.ty, out);
                            }
                        }
                        TypeDefKind::Enum(_) | TypeDefKind::Codes(_) => {}
                    }
                }
            }
            _ => {}
        }
    }

    fn collect_field(&self, field: &Field, out: &mut BTreeSet<String>) {
        match &field.shape {
            FieldShape::Type(ty) => self.collect_type(ty, out),
            FieldShape::Object(fields) => {
                for field in fields {
                    self.collect_field(field, out);
                }
            }
            FieldShape::Enum(_) => {}
        }
    }

    fn is_enum(&self, ty: &TypeExpr) -> bool {
        matches!(ty, TypeExpr::Named(name, _)
            if self.defs.get(name.as_str()).is_some_and(|d| matches!(d.kind, TypeDefKind::Enum(_))))
    }

    fn check_fields(&self, fields: &[Field], diags: &mut Diagnostics) {
        let mut rust_names: HashMap<String, &str> = HashMap::new();
        let mut wire_names: HashMap<&str, &str> = HashMap::new();
        for field in fields {
            wire_names.insert(&field.wire, &field.wire);
        }
        for field in fields {
            for alias in &field.aliases {
                if let Some(owner) = wire_names.insert(alias, &field.wire) {
                    diags.error(
                        field.span.clone(),
                        format!(
                            "alias `{alias}` of `{}` is already the name or an alias of `{owner}`",
                            field.wire
                        ),
                    );
                }
            }
        }
        for field in fields {
            let rust = naming::field_name(&field.wire);
            if let Some(other) = rust_names.get(&rust) {
                diags.error(
                    field.span.clone(),
                    format!(
                        "field `{}` clashes with `{other}`: both become `{rust}` in Rust",
                        field.wire
                    ),
                );
            }
            rust_names.insert(rust, &field.wire);
            self.check_field(field, diags);
        }
    }

    fn check_field(&self, field: &Field, diags: &mut Diagnostics) {
        match &field.shape {
            FieldShape::Type(ty) => self.check_type(ty, diags),
            FieldShape::Object(fields) => self.check_fields(fields, diags),
            FieldShape::Enum(values) => check_enum(values, diags),
        }
        if let Some(encoding) = field.encoding {
            let ok = match (&field.shape, encoding) {
                (_, Encoding::JsonString) => true,
                (FieldShape::Type(ty), Encoding::String) => {
                    matches!(
                        ty,
                        TypeExpr::Bool | TypeExpr::I32 | TypeExpr::I64 | TypeExpr::F64
                    )
                }
                (FieldShape::Type(TypeExpr::List(inner)), Encoding::Csv | Encoding::Pipe) => {
                    inner.is_scalar()
                }
                _ => false,
            };
            if !ok {
                let rule = match encoding {
                    Encoding::String => "a number or bool",
                    Encoding::Csv | Encoding::Pipe => "a list of strings, numbers or bools",
                    Encoding::JsonString => "any value",
                };
                diags.error(
                    field.span.clone(),
                    format!(
                        "field `{}`: encoding `{}` applies only to {rule}",
                        field.wire,
                        encoding_word(encoding)
                    ),
                );
            }
        }
    }
}

fn encoding_word(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::String => "string",
        Encoding::JsonString => "json_string",
        Encoding::Csv => "csv",
        Encoding::Pipe => "pipe",
    }
}

fn check_enum(values: &[EnumValue], diags: &mut Diagnostics) {
    let mut names: HashMap<String, &str> = HashMap::new();
    for value in values {
        let rust = match &value.name {
            Some(name) => naming::type_name(name),
            None => naming::variant_name(&value.wire),
        };
        if rust == "Unknown" {
            diags.error(
                value.span.clone(),
                "enum value name `Unknown` is reserved for values the spec does not list",
            );
        }
        if let Some(other) = names.get(&rust) {
            diags.error(
                value.span.clone(),
                format!(
                    "enum value `{}` clashes with `{other}`: both become `{rust}` in Rust; give one a `name:`",
                    value.wire
                ),
            );
        }
        names.insert(rust, &value.wire);
    }
}

fn check_type_def(ctx: &Ctx<'_>, def: &TypeDef, diags: &mut Diagnostics) {
    match &def.kind {
        TypeDefKind::Struct(fields) => ctx.check_fields(fields, diags),
        TypeDefKind::Enum(values) => check_enum(values, diags),
        TypeDefKind::Codes(_) => {}
        TypeDefKind::Union(union) => {
            let mut names: HashMap<String, &str> = HashMap::new();
            for variant in &union.variants {
                ctx.check_type(&variant.ty, diags);
                let rust = match &variant.name {
                    Some(name) => naming::type_name(name),
                    None => naming::variant_name(&variant.wire),
                };
                if let Some(other) = names.get(&rust) {
                    diags.error(
                        variant.span.clone(),
                        format!(
                            "variant `{}` clashes with `{other}` (both `{rust}`)",
                            variant.wire
                        ),
                    );
                }
                names.insert(rust, &variant.wire);
            }
        }
    }
}

fn check_file(ctx: &Ctx<'_>, file: &SpecFile, diags: &mut Diagnostics) {
    // Names generated into this module must not clash with each other.
    let mut generated: HashMap<String, Span> = HashMap::new();
    let mut claim = |name: String, span: &Span, what: &str, diags: &mut Diagnostics| {
        if let Some(first) = generated.get(&name) {
            diags.error(
                span.clone(),
                format!(
                    "{what} would generate the Rust type `{name}`, already generated for {first}"
                ),
            );
        } else {
            generated.insert(name, span.clone());
        }
    };
    if let Some(last) = file.module.last()
        && let Some(first) = file.endpoints.first()
    {
        let name = format!("{}Api", naming::type_name(last));
        claim(name, &first.span, "the module's endpoint accessor", diags);
    }
    for def in &file.types {
        let name = naming::type_name(&def.name);
        if crate::load::doc_type_word(&def.name).is_some() {
            diags.error(
                def.span.clone(),
                format!(
                    "type name `{}` is a type word of DingTalk's doc pages, which the spec reads as a mistake; choose a more specific name",
                    def.name
                ),
            );
        } else if naming::PRELUDE_NAMES.contains(&name.as_str()) {
            diags.error(
                def.span.clone(),
                format!(
                    "type name `{}` would shadow Rust's `{name}`; choose a more specific name",
                    def.name
                ),
            );
        }
        claim(
            name.clone(),
            &def.span,
            &format!("type `{}`", def.name),
            diags,
        );
        if let TypeDefKind::Struct(fields) = &def.kind {
            claim_inline(&name, fields, &mut claim, diags);
        }
    }
    let mut endpoint_names: HashMap<String, &Span> = HashMap::new();
    for endpoint in &file.endpoints {
        let what = format!("endpoint `{}`", endpoint.name);
        if !naming::is_snake_case(&endpoint.name) {
            diags.error(
                endpoint.span.clone(),
                format!(
                    "endpoint name `{}` must be snake_case (e.g. `{}`)",
                    endpoint.name,
                    naming::field_name(&endpoint.name)
                ),
            );
        }
        let rust = naming::field_name(&endpoint.name);
        if let Some(first) = endpoint_names.get(&rust) {
            diags.error(
                endpoint.span.clone(),
                format!(
                    "duplicate endpoint `{}` (first defined at {first})",
                    endpoint.name
                ),
            );
            continue;
        }
        endpoint_names.insert(rust, &endpoint.span);
        let base = naming::type_name(&endpoint.name);
        claim(format!("{base}Request"), &endpoint.span, &what, diags);
        claim(format!("{base}Response"), &endpoint.span, &what, diags);
        claim_inline(
            &format!("{base}Request"),
            &endpoint.params,
            &mut claim,
            diags,
        );
        if let Some(Response {
            shape: ResponseShape::Fields(fields),
            ..
        }) = &endpoint.response
        {
            claim_inline(&format!("{base}Response"), fields, &mut claim, diags);
        }
        check_endpoint(ctx, file, endpoint, diags);
    }
}

/// Inline objects and enums become types named `<Owner><Field>`; claim those names too.
fn claim_inline(
    owner: &str,
    fields: &[Field],
    claim: &mut impl FnMut(String, &Span, &str, &mut Diagnostics),
    diags: &mut Diagnostics,
) {
    for field in fields {
        let name = format!("{owner}{}", naming::type_name(&field.wire));
        match &field.shape {
            FieldShape::Object(inner) => {
                let what = format!("inline object `{}`", field.wire);
                claim(name.clone(), &field.span, &what, diags);
                claim_inline(&name, inner, claim, diags);
            }
            FieldShape::Enum(_) => {
                let what = format!("inline enum `{}`", field.wire);
                claim(name, &field.span, &what, diags);
            }
            FieldShape::Type(_) => {}
        }
    }
}

fn check_endpoint(ctx: &Ctx<'_>, file: &SpecFile, endpoint: &Endpoint, diags: &mut Diagnostics) {
    check_path(file, endpoint, diags);
    if file.style == Style::Classic && !matches!(endpoint.method, Method::Get | Method::Post) {
        diags.error(
            endpoint.span.clone(),
            format!(
                "endpoint `{}`: classic-style endpoints are GET or POST; {} is for `style: v1` files",
                endpoint.name,
                endpoint.method.as_str()
            ),
        );
    }
    if endpoint.auth == Auth::UserToken {
        if file.style == Style::Classic {
            diags.error(
                endpoint.span.clone(),
                "`auth: user_token` is for `style: v1` endpoints (the token goes in the header)",
            );
        }
        if let Some(clash) = endpoint.params.iter().find(|p| p.wire == "user_token") {
            diags.error(
                clash.span.clone(),
                "`user_token` is the request field `auth: user_token` adds; rename this parameter",
            );
        }
    }
    if endpoint.auth == Auth::SuiteSignature && file.style == Style::V1 {
        diags.error(
            endpoint.span.clone(),
            "`auth: suite_signature` is for classic endpoints (v1 ISV calls take the suite token: `auth: suite_token`)",
        );
    }
    if endpoint.auth == Auth::SuiteToken && file.style == Style::Classic {
        if let Some(param) = endpoint
            .params
            .iter()
            .find(|p| p.wire == "suite_access_token")
        {
            diags.error(
                param.span.clone(),
                "parameter `suite_access_token`: `auth: suite_token` makes the client attach the suite token itself; remove this parameter",
            );
        }
    }
    if endpoint.auth == Auth::SuiteSignature {
        for param in &endpoint.params {
            if SIGNATURE_PARAMS.contains(&param.wire.as_str()) {
                diags.error(
                    param.span.clone(),
                    format!(
                        "parameter `{}`: `auth: suite_signature` makes the client add `accessKey`, `timestamp`, `suiteTicket` and `signature` to every attempt; remove this parameter",
                        param.wire
                    ),
                );
            }
        }
    }
    if matches!(
        endpoint.auth,
        Auth::Token | Auth::UserToken | Auth::SuiteToken
    ) {
        for param in &endpoint.params {
            let token = match file.style {
                Style::Classic => param.wire == "access_token",
                Style::V1 => param
                    .wire
                    .eq_ignore_ascii_case("x-acs-dingtalk-access-token"),
            };
            if token {
                diags.error(
                    param.span.clone(),
                    format!(
                        "parameter `{}`: the client attaches the access token itself; remove this parameter (an endpoint that takes another token instead has `auth: none`)",
                        param.wire
                    ),
                );
            }
        }
    }
    ctx.check_fields(&endpoint.params, diags);
    for param in &endpoint.params {
        let Some(location) = param.location else {
            continue;
        };
        let name = &param.wire;
        let method = endpoint.method.as_str();
        match (location, endpoint.method, file.style) {
            (Location::Body, m, _) if !m.has_body() => diags.error(
                param.span.clone(),
                format!("parameter `{name}` is `in: body`, but {method} requests have no body; DingTalk takes their parameters `in: query`"),
            ),
            (Location::Multipart, m, _) if !m.has_body() => diags.error(
                param.span.clone(),
                format!("parameter `{name}` is `in: multipart`, but {method} requests have no body"),
            ),
            (Location::Path | Location::Header, _, Style::Classic) => diags.error(
                param.span.clone(),
                format!("parameter `{name}`: classic-style endpoints take only `query` and `body` parameters"),
            ),
            _ => {}
        }
        if matches!(
            location,
            Location::Query | Location::Path | Location::Header
        ) {
            let textual = match (&param.shape, param.encoding) {
                (_, Some(Encoding::Csv | Encoding::Pipe)) => true,
                (_, Some(Encoding::JsonString)) => false,
                (FieldShape::Enum(_), _) => true,
                (FieldShape::Type(ty), _) => ty.is_scalar() || ctx.is_enum(ty),
                _ => false,
            };
            if !textual {
                diags.error(
                    param.span.clone(),
                    format!(
                        "parameter `{name}` is sent as text (in the query, path or a header): it must be a scalar or enum, or a list with `encoding: csv` or `pipe`"
                    ),
                );
            }
        }
        if location == Location::Path
            && matches!(param.encoding, Some(Encoding::Csv | Encoding::Pipe))
        {
            diags.error(
                param.span.clone(),
                format!("path parameter `{name}` must be a single value, not a joined list"),
            );
        }
        let is_file = matches!(param.shape, FieldShape::Type(TypeExpr::File));
        if is_file && location != Location::Multipart {
            diags.error(
                param.span.clone(),
                format!("parameter `{name}`: a `file` is sent only as an `in: multipart` part"),
            );
        }
        if location == Location::Multipart
            && !is_file
            && !matches!(&param.shape, FieldShape::Type(ty) if ty.is_scalar() || ctx.is_enum(ty))
            && !matches!(param.shape, FieldShape::Enum(_))
        {
            diags.error(
                param.span.clone(),
                format!("multipart parameter `{name}` must be a file, a scalar or an enum"),
            );
        }
        if param.flatten {
            let flattenable = matches!(&param.shape, FieldShape::Type(TypeExpr::Named(name, _))
                if ctx.defs.get(name.as_str()).is_some_and(|d| matches!(d.kind, TypeDefKind::Struct(_) | TypeDefKind::Union(_))));
            if location != Location::Body || !flattenable {
                diags.error(
                    param.span.clone(),
                    format!("parameter `{name}`: `flatten: true` is for an `in: body` parameter whose type is a named struct or union (its keys go into the body beside the others)"),
                );
            }
            if param.encoding.is_some() || !param.aliases.is_empty() {
                diags.error(
                    param.span.clone(),
                    format!("parameter `{name}`: a flattened parameter has no wire name of its own, so no `encoding` or `aliases`"),
                );
            }
        }
        if matches!(&param.shape, FieldShape::Type(ty) if contains_user_token(ty)) {
            diags.error(
                param.span.clone(),
                format!("parameter `{name}`: a user token is not sent as a parameter; declare `auth: user_token` and the request carries it"),
            );
        }
        if location == Location::Path && !param.required {
            diags.error(
                param.span.clone(),
                format!("path parameter `{name}` must be `required: true`"),
            );
        }
    }
    if let Some(response) = &endpoint.response {
        match &response.shape {
            ResponseShape::Empty | ResponseShape::Binary => {}
            ResponseShape::Fields(fields) => ctx.check_fields(fields, diags),
            ResponseShape::Type(ty) => {
                ctx.check_type(ty, diags);
                // A v1 answer is the object itself, so a named struct may be the whole
                // answer; anything else (a list, a value) sits under `result`.
                let whole_v1_object = file.style == Style::V1
                    && matches!(ty, TypeExpr::Named(name, _)
                        if ctx.defs.get(name.as_str()).is_some_and(|d| matches!(d.kind, TypeDefKind::Struct(_))));
                if endpoint.envelope != Some(Envelope::Result) && !whole_v1_object {
                    diags.error(
                        response.span.clone(),
                        "`response.type` is only for `envelope: result` (a payload that is not an object); flat answers list their `fields`",
                    );
                }
            }
        }
    }
    if let Some(pagination) = &endpoint.pagination {
        check_pagination(endpoint, pagination, diags);
    }
    for waiter in &endpoint.waiters {
        check_waiter(ctx, file, endpoint, waiter, diags);
    }
}

/// Why a dotted field path (`progress.status`) leads nowhere: the path up to the segment at
/// fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathProblem {
    NoField(String),
    NotAnObject(String),
}

/// The fields a dotted `path` passes through in `fields`, the last one included, entering
/// named structs (found with `lookup`) and inline objects on the way. Shared by the waiter
/// check and the code it generates.
pub fn field_path<'a>(
    fields: &'a [Field],
    path: &str,
    lookup: impl Fn(&str) -> Option<&'a TypeDef>,
) -> Result<Vec<&'a Field>, PathProblem> {
    let segments: Vec<&str> = path.split('.').collect();
    let mut current = fields;
    let mut found = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let prefix = || segments[..=i].join(".");
        let field = current
            .iter()
            .find(|f| f.wire == *segment)
            .ok_or_else(|| PathProblem::NoField(prefix()))?;
        found.push(field);
        if i + 1 == segments.len() {
            break;
        }
        current = match &field.shape {
            FieldShape::Object(inner) => inner,
            FieldShape::Type(TypeExpr::Named(name, _)) => match lookup(name).map(|d| &d.kind) {
                Some(TypeDefKind::Struct(inner)) => inner,
                _ => return Err(PathProblem::NotAnObject(prefix())),
            },
            _ => return Err(PathProblem::NotAnObject(prefix())),
        };
    }
    Ok(found)
}

/// A field of a request or an answer is a plain value (not `Option`) in Rust.
pub fn plain_in_rust(field: &Field) -> bool {
    field.required && field.client_default.is_none()
}

/// A waiter's endpoints are in its file, its `with` fills every required parameter of the
/// polled (and final) request from values of the same scalar type, and `until` names a
/// scalar field of the polled answer with a value of its type.
fn check_waiter(
    ctx: &Ctx<'_>,
    file: &SpecFile,
    endpoint: &Endpoint,
    waiter: &Waiter,
    diags: &mut Diagnostics,
) {
    let find = |named: &Named, role: &str, diags: &mut Diagnostics| {
        let found = file.endpoints.iter().find(|e| e.name == named.name);
        if found.is_none() {
            diags.error(
                named.span.clone(),
                format!(
                    "waiter `{}`: `{role}` names `{}`, which is not an endpoint of this file",
                    waiter.name, named.name
                ),
            );
        }
        found
    };
    let poll = find(&waiter.poll, "poll", diags);
    let result = waiter
        .result
        .as_ref()
        .and_then(|r| find(r, "result", diags));
    let answer_fields = match endpoint.response.as_ref().map(|r| &r.shape) {
        Some(ResponseShape::Fields(fields)) => fields.as_slice(),
        _ => &[],
    };
    for target in poll.iter().chain(result.iter()) {
        for arg in &waiter.with {
            let Some(param) = target.params.iter().find(|p| p.wire == arg.param.name) else {
                diags.error(
                    arg.param.span.clone(),
                    format!(
                        "waiter `{}`: `{}` is not a parameter of `{}`",
                        waiter.name, arg.param.name, target.name
                    ),
                );
                continue;
            };
            let source = match &arg.from {
                WaitSource::Request(name) => endpoint.params.iter().find(|p| &p.wire == name),
                WaitSource::Answer(name) => answer_fields.iter().find(|f| &f.wire == name),
            };
            let Some(source) = source else {
                diags.error(
                    arg.span.clone(),
                    format!(
                        "waiter `{}`: `{}` has no such field",
                        waiter.name,
                        match &arg.from {
                            WaitSource::Request(n) => format!("request.{n}"),
                            WaitSource::Answer(n) => format!("answer.{n}"),
                        }
                    ),
                );
                continue;
            };
            let scalar = |f: &Field| match &f.shape {
                FieldShape::Type(t) if t.is_scalar() => Some(format!("{t:?}")),
                _ => None,
            };
            match (scalar(source), scalar(param)) {
                (Some(a), Some(b)) if a == b => {}
                _ => diags.error(
                    arg.span.clone(),
                    format!("waiter `{}`: the value for `{}` must be a scalar of the parameter's own type", waiter.name, param.wire),
                ),
            }
            if plain_in_rust(param) && !plain_in_rust(source) {
                diags.error(
                    arg.span.clone(),
                    format!("waiter `{}`: `{}` is required but its value may be absent; take it from a `required: true` field", waiter.name, param.wire),
                );
            }
        }
        for param in target.params.iter().filter(|p| plain_in_rust(p)) {
            if !waiter.with.iter().any(|a| a.param.name == param.wire) {
                diags.error(
                    waiter.span.clone(),
                    format!(
                        "waiter `{}`: `with` gives no value for `{}`, a required parameter of `{}`",
                        waiter.name, param.wire, target.name
                    ),
                );
            }
        }
    }
    let Some(poll) = poll else { return };
    let fields: &[Field] = match poll.response.as_ref().map(|r| &r.shape) {
        Some(ResponseShape::Fields(fields)) => fields,
        _ => &[],
    };
    let problem = match field_path(fields, &waiter.until.name, |name| {
        ctx.defs.get(name).copied()
    }) {
        Err(PathProblem::NoField(prefix)) => {
            format!("the answer of `{}` has no field `{prefix}`", poll.name)
        }
        Err(PathProblem::NotAnObject(prefix)) => format!("`{prefix}` is not an object"),
        Ok(path) => match until_mismatch(ctx, waiter, path.last().map(|f| &f.shape)) {
            Some(problem) => problem,
            None => return,
        },
    };
    diags.error(
        waiter.until.span.clone(),
        format!("waiter `{}`: {problem}", waiter.name),
    );
}

/// Why the values of a waiter's `until` cannot be compared with the field it leads to, if
/// they cannot: a scalar with values of its type, a string enum with its wire values, named
/// codes with integers (any: an unnamed code is kept as `Other`, as for a field's own
/// `values:`).
fn until_mismatch(ctx: &Ctx<'_>, waiter: &Waiter, shape: Option<&FieldShape>) -> Option<String> {
    let field = &waiter.until.name;
    let all = |fits: &dyn Fn(&WaitValue) -> bool| waiter.equals.iter().all(fits);
    let named = match shape {
        Some(FieldShape::Type(TypeExpr::Named(name, _))) => {
            ctx.defs.get(name.as_str()).map(|def| (name, &def.kind))
        }
        _ => None,
    };
    match (shape, named) {
        (Some(FieldShape::Type(ty)), _) if ty.is_scalar() => {
            let fits = |value: &WaitValue| {
                matches!(
                    (ty, value),
                    (TypeExpr::I32 | TypeExpr::I64, WaitValue::Int(_))
                        | (TypeExpr::Bool, WaitValue::Bool(_))
                        | (TypeExpr::String, WaitValue::Text(_))
                )
            };
            (!all(&fits)).then(|| format!("`{field}` is compared with a value of another type (an integer, bool or string field with a value of that type)"))
        }
        (_, Some((name, TypeDefKind::Enum(values)))) => {
            let known = |value: &WaitValue| matches!(value, WaitValue::Text(t) if values.iter().any(|v| &v.wire == t));
            let unknown: Vec<String> = waiter
                .equals
                .iter()
                .filter(|value| !known(value))
                .map(|value| match value {
                    WaitValue::Text(t) => format!("`{t}`"),
                    WaitValue::Int(n) => format!("`{n}`"),
                    WaitValue::Bool(b) => format!("`{b}`"),
                })
                .collect();
            let wires: Vec<&str> = values.iter().map(|v| v.wire.as_str()).collect();
            (!unknown.is_empty()).then(|| {
                format!(
                    "`{field}` is the enum `{name}`: compare it with its wire values ({}); {} is not one",
                    wires.join(", "),
                    unknown.join(", ")
                )
            })
        }
        (_, Some((name, TypeDefKind::Codes(_)))) => (!all(&|value| {
            matches!(value, WaitValue::Int(_))
        }))
        .then(|| format!("`{field}` is the integer codes `{name}`: compare it with integers")),
        _ => Some(format!(
            "`{field}` must lead to an integer, bool, string or enum field"
        )),
    }
}

/// A path copied from a doc page with its host or query string: the path to write instead.
fn copied_path_hint(file: &SpecFile, path: &str) -> Option<String> {
    let (host, rest) = match path
        .strip_prefix("https://")
        .or_else(|| path.strip_prefix("http://"))
    {
        Some(after_scheme) => {
            let cut = after_scheme.find('/').unwrap_or(after_scheme.len());
            let (host, rest) = after_scheme.split_at(cut);
            (Some(host.to_lowercase()), rest)
        }
        None => (None, path),
    };
    let (bare, query) = match rest.split_once('?') {
        Some((bare, query)) => (bare, Some(query)),
        None => (rest, None),
    };
    if host.is_none() && query.is_none() {
        return None;
    }
    let bare = if bare.is_empty() { "/" } else { bare };
    let mut hint = match (&host, query) {
        (Some(_), Some(_)) => {
            format!("`path` is the part after the host, without the query string: write `{bare}`")
        }
        (Some(_), None) => format!("`path` is the part after the host: write `{bare}`"),
        _ => format!("`path` has no query string: write `{bare}`"),
    };
    if let Some(query) = query {
        let names: Vec<&str> = query
            .split('&')
            .filter_map(|pair| pair.split('=').next())
            .filter(|name| !name.is_empty())
            .collect();
        let token = names.iter().any(|n| n.eq_ignore_ascii_case("access_token"));
        let others: Vec<String> = names
            .iter()
            .filter(|n| !n.eq_ignore_ascii_case("access_token"))
            .map(|n| format!("`{n}`"))
            .collect();
        if !others.is_empty() {
            hint.push_str(&format!(
                "; declare {} under `params` with `in: query`",
                others.join(", ")
            ));
        }
        if token {
            hint.push_str("; the client attaches `access_token` itself");
        }
    }
    match (host.as_deref(), file.style) {
        (Some("api.dingtalk.com"), Style::Classic) => {
            hint.push_str(" (api.dingtalk.com is the host of `style: v1` files)")
        }
        (Some("oapi.dingtalk.com"), Style::V1) => {
            hint.push_str(" (oapi.dingtalk.com is the host of `style: classic` files)")
        }
        _ => {}
    }
    Some(hint)
}

fn check_path(file: &SpecFile, endpoint: &Endpoint, diags: &mut Diagnostics) {
    let path = &endpoint.path;
    let span = &endpoint.path_span;
    if let Some(hint) = copied_path_hint(file, path) {
        diags.error(span.clone(), hint);
        return;
    }
    let valid_chars = path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '.' | '{' | '}'));
    if !path.starts_with('/') || path.contains("//") || !valid_chars || path.ends_with('/') {
        diags.error(
            span.clone(),
            format!(
                "invalid path `{path}`: it must start with `/`, must not end with `/`, and may hold only letters, digits, `_`, `-`, `.`, `/` and `{{name}}` (no query string; parameters go under `params`)"
            ),
        );
        return;
    }
    let mut placeholders = Vec::new();
    for segment in path.split('/') {
        if segment.contains('{') || segment.contains('}') {
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) if !name.is_empty() && !name.contains(['{', '}']) => {
                    placeholders.push(name)
                }
                _ => diags.error(
                    span.clone(),
                    format!("invalid path segment `{segment}` in `{path}`: write a placeholder as a whole segment, `{{name}}`"),
                ),
            }
        }
    }
    if file.style == Style::Classic && !placeholders.is_empty() {
        diags.error(span.clone(), "classic-style paths have no `{placeholders}`");
    }
    for name in &placeholders {
        let declared = endpoint
            .params
            .iter()
            .any(|p| p.wire == *name && p.location == Some(Location::Path));
        if !declared {
            diags.error(
                span.clone(),
                format!("path placeholder `{{{name}}}` has no parameter `{name}` with `in: path`"),
            );
        }
    }
    for param in &endpoint.params {
        if param.location == Some(Location::Path) && !placeholders.contains(&param.wire.as_str()) {
            diags.error(
                param.span.clone(),
                format!(
                    "path parameter `{}` does not appear in the path `{path}`",
                    param.wire
                ),
            );
        }
    }
}

fn contains_user_token(ty: &TypeExpr) -> bool {
    match ty {
        TypeExpr::UserToken => true,
        TypeExpr::List(inner) | TypeExpr::Map(inner) => contains_user_token(inner),
        _ => false,
    }
}

fn check_pagination(endpoint: &Endpoint, pagination: &Pagination, diags: &mut Diagnostics) {
    let param = |named: &Named, role: &str, diags: &mut Diagnostics| {
        if !endpoint.params.iter().any(|p| p.wire == named.name) {
            diags.error(
                named.span.clone(),
                format!(
                    "pagination `{role}` names `{}`, which is not a parameter of `{}`",
                    named.name, endpoint.name
                ),
            );
        }
    };
    let (position, role) = match &pagination.position {
        PagePosition::Offset(n) => (n, "offset"),
        PagePosition::Cursor(n) => (n, "cursor"),
        PagePosition::Page(n) => (n, "page"),
    };
    param(position, role, diags);
    param(&pagination.size, "size", diags);

    let fields = match endpoint.response.as_ref().map(|r| &r.shape) {
        Some(ResponseShape::Fields(fields)) => fields.as_slice(),
        _ => {
            diags.error(
                pagination.span.clone(),
                "pagination needs a response with `fields` (it reads the paging fields from it)",
            );
            return;
        }
    };
    let response_field = |named: &Option<Named>, role: &str, diags: &mut Diagnostics| {
        let named = named.as_ref()?;
        let found = fields.iter().find(|f| f.wire == named.name);
        if found.is_none() {
            diags.error(
                named.span.clone(),
                format!(
                    "pagination `{role}` names `{}`, which is not a response field of `{}`",
                    named.name, endpoint.name
                ),
            );
        }
        found
    };
    if let Some(field) = response_field(&pagination.has_more, "has_more", diags)
        && !matches!(field.shape, FieldShape::Type(TypeExpr::Bool))
        && let Some(named) = &pagination.has_more
    {
        diags.error(
            named.span.clone(),
            format!(
                "pagination `has_more` field `{}` must be a bool",
                named.name
            ),
        );
    }
    response_field(&pagination.next_cursor, "next_cursor", diags);
    if let Some(field) = response_field(&pagination.items, "items", diags)
        && !matches!(field.shape, FieldShape::Type(TypeExpr::List(_)))
        && let Some(named) = &pagination.items
    {
        diags.error(
            named.span.clone(),
            format!("pagination `items` field `{}` must be a list", named.name),
        );
    }
    if pagination.items.is_none() {
        diags.error(
            pagination.span.clone(),
            "pagination needs `items` (the response list holding each page's items)",
        );
    }
    let param_type = |named: &Named| {
        endpoint
            .params
            .iter()
            .find(|p| p.wire == named.name)
            .and_then(|p| match &p.shape {
                FieldShape::Type(ty) => Some(ty.clone()),
                _ => None,
            })
    };
    let declared = |named: &Named| endpoint.params.iter().any(|p| p.wire == named.name);
    let integer = |ty: &Option<TypeExpr>| matches!(ty, Some(TypeExpr::I32 | TypeExpr::I64));
    let size_type = param_type(&pagination.size);
    if declared(&pagination.size) && !integer(&size_type) {
        diags.error(
            pagination.size.span.clone(),
            "pagination `size` must be an i32 or i64 parameter",
        );
    }
    match &pagination.position {
        PagePosition::Offset(offset) => {
            let offset_type = param_type(offset);
            if declared(offset) && (!integer(&offset_type) || offset_type != size_type) {
                diags.error(
                    offset.span.clone(),
                    "pagination `offset` must be an integer parameter of the same type as `size`",
                );
            }
        }
        PagePosition::Page(page) => {
            if declared(page) && !integer(&param_type(page)) {
                diags.error(
                    page.span.clone(),
                    "pagination `page` must be an integer parameter (the page number, from 1)",
                );
            }
        }
        PagePosition::Cursor(cursor) => {
            let next_type = pagination
                .next_cursor
                .as_ref()
                .and_then(|n| fields.iter().find(|f| f.wire == n.name))
                .and_then(|f| match &f.shape {
                    FieldShape::Type(ty) => Some(ty.clone()),
                    _ => None,
                });
            let cursor_type = param_type(cursor);
            let scalar = |ty: &Option<TypeExpr>| ty.as_ref().is_some_and(TypeExpr::is_scalar);
            if declared(cursor)
                && (!scalar(&cursor_type) || (next_type.is_some() && next_type != cursor_type))
            {
                diags.error(
                    cursor.span.clone(),
                    "pagination `cursor` must be a scalar parameter of the same type as `next_cursor`",
                );
            }
        }
    }
    match &pagination.position {
        PagePosition::Cursor(_) if pagination.next_cursor.is_none() => diags.error(
            pagination.span.clone(),
            "cursor pagination needs `next_cursor` (the response field holding the next cursor)",
        ),
        PagePosition::Offset(_) if pagination.has_more.is_none() => diags.error(
            pagination.span.clone(),
            "offset pagination needs `has_more` (the response field telling whether more pages exist)",
        ),
        PagePosition::Offset(_) if pagination.next_cursor.is_some() => diags.error(
            pagination.span.clone(),
            "`next_cursor` belongs to cursor pagination; offset pagination advances by the page size",
        ),
        PagePosition::Page(_) if pagination.next_cursor.is_some() => diags.error(
            pagination.span.clone(),
            "`next_cursor` belongs to cursor pagination; page pagination asks for the next page number",
        ),
        _ => {}
    }
}

fn check_errors(errors: &ErrorList, diags: &mut Diagnostics) {
    let mut codes: HashMap<String, &Span> = HashMap::new();
    let mut statuses: HashMap<u16, &Span> = HashMap::new();
    let mut names: HashMap<String, &Span> = HashMap::new();
    for entry in &errors.entries {
        let code = match &entry.key {
            ErrorKey::Classic(code) => Some(code.to_string()),
            ErrorKey::V1 { code, http } => {
                if code.is_none() {
                    // A status-only entry: one per status.
                    for status in http {
                        if let Some(first) = statuses.get(status) {
                            diags.error(
                                entry.span.clone(),
                                format!(
                                    "HTTP {status} already has an entry without a code (first at {first})"
                                ),
                            );
                        }
                        statuses.insert(*status, &entry.span);
                    }
                }
                if entry.carries_sub_code {
                    diags.error(
                        entry.span.clone(),
                        "`carries_sub_code` is for classic codes (v1 answers have no `sub_code`)",
                    );
                }
                code.as_ref().map(|code| format!("v1 {code}"))
            }
        };
        if let Some(code) = code {
            if let Some(first) = codes.get(&code) {
                diags.error(
                    entry.span.clone(),
                    format!("duplicate error code {code} (first at {first})"),
                );
            }
            codes.insert(code, &entry.span);
        }
        let rust = naming::type_name(&entry.name);
        if !naming::is_snake_case(&entry.name) {
            diags.error(
                entry.span.clone(),
                format!("error name `{}` must be snake_case", entry.name),
            );
        }
        if rust == "Other" || rust == "OtherV1" {
            diags.error(
                entry.span.clone(),
                format!("error name `{}` is reserved for unlisted codes", entry.name),
            );
        }
        if let Some(first) = names.get(&rust) {
            diags.error(
                entry.span.clone(),
                format!(
                    "duplicate error name `{}` (first at {first}); classic and v1 codes share one enum, so give one of them a more specific name",
                    entry.name
                ),
            );
        }
        names.insert(rust, &entry.span);
    }
}

/// The problems the example check finds in `json` as the documented example of the endpoint
/// `name` of the file `module` (empty for a valid example; `None` for no such endpoint).
/// For tests that prove the check agrees with the run-time decoder.
pub fn example_problems(
    spec: &Spec,
    resolved: &Resolved,
    module: &[String],
    name: &str,
    json: &str,
) -> Option<Vec<crate::Diagnostic>> {
    let defs: HashMap<&str, &TypeDef> = spec
        .files
        .iter()
        .flat_map(|f| f.types.iter().map(|t| (t.name.as_str(), t)))
        .collect();
    let file = spec.files.iter().find(|f| f.module == module)?;
    let mut endpoint = file.endpoints.iter().find(|e| e.name == name)?.clone();
    let response = endpoint.response.as_mut()?;
    let span = response
        .example
        .as_ref()
        .map_or_else(|| response.span.clone(), |e| e.span.clone());
    response.example = Some(Example {
        json: json.to_string(),
        span,
        block: true,
        positions: Vec::new(),
    });
    let mut diags = Diagnostics::default();
    crate::examples::check(&defs, &resolved.in_requests, file, &endpoint, &mut diags);
    Some(diags.into_sorted())
}
