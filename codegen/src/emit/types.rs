//! Structs, string enums and unions, and the serde attributes that carry DingTalk's wire
//! quirks. Shared by named types and by request/response structs.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Ident;

use super::docs::{doc_attrs, paragraphs};
use crate::model::*;
use crate::naming;
use crate::validate::Resolved;

/// Which serde traits a generated type needs.
#[derive(Debug, Clone, Copy)]
pub struct Direction {
    pub ser: bool,
    pub de: bool,
    /// Emit a constructor and setters (types that users build: requests and their parts).
    pub builder: bool,
}

/// What the emitter knows while emitting one module.
pub struct Emitter<'a> {
    pub resolved: &'a Resolved,
    pub module: &'a [String],
    /// Inline objects and enums found while emitting; appended to the module.
    pub extra: Vec<TokenStream>,
}

pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

impl Emitter<'_> {
    /// Whether every required field of these has a `Default`, so that their struct can derive
    /// it. `seen` holds the named structs on the way (a cycle adds nothing new).
    fn all_have_defaults<'f>(&'f self, fields: &'f [Field], seen: &mut Vec<&'f str>) -> bool {
        fields.iter().filter(|f| f.required).all(|field| {
            if !field.values.is_empty() {
                return false;
            }
            match &field.shape {
                FieldShape::Enum(_) => false,
                FieldShape::Object(inner) => self.all_have_defaults(inner, seen),
                FieldShape::Type(ty) => self.type_has_default(ty, seen),
            }
        })
    }

    fn type_has_default<'f>(&'f self, ty: &'f TypeExpr, seen: &mut Vec<&'f str>) -> bool {
        match ty {
            TypeExpr::UserToken | TypeExpr::File => false,
            TypeExpr::Named(name, _) => match self.resolved.types.get(name).map(|d| &d.kind) {
                Some(TypeDefKind::Struct(fields)) => {
                    if seen.contains(&name.as_str()) {
                        return true;
                    }
                    seen.push(name);
                    // A request type has `Default` (its `new()`) when nothing is required.
                    let dir = self.direction_of(name);
                    if dir.builder {
                        !fields.iter().any(|f| f.required)
                    } else {
                        dir.de && self.all_have_defaults(fields, seen)
                    }
                }
                _ => false,
            },
            // Lists and maps are empty by default; scalars, text and JSON have one.
            _ => true,
        }
    }

    pub fn direction_of(&self, name: &str) -> Direction {
        let ser = self.resolved.in_requests.contains(name);
        let de = self.resolved.in_responses.contains(name);
        if !ser && !de {
            // Unused types stay usable both ways.
            Direction {
                ser: true,
                de: true,
                builder: true,
            }
        } else {
            Direction {
                ser,
                de,
                builder: ser,
            }
        }
    }

    /// Whether the field (or union variant) `wire` of the type `owner` closes a cycle.
    fn is_boxed(&self, owner: &str, wire: &str) -> bool {
        self.resolved
            .boxed
            .contains(&(self.module.to_vec(), owner.to_string(), wire.to_string()))
    }

    /// The Rust path of a named type, relative to the current module when it is local.
    fn named_path(&self, name: &str) -> TokenStream {
        let ty = ident(&naming::type_name(name));
        match self.resolved.type_module.get(name) {
            Some(module) if module.as_slice() != self.module => {
                let segments = module.iter().map(|s| ident(s));
                quote! { crate:: #( #segments :: )* #ty }
            }
            _ => quote! { #ty },
        }
    }

    pub fn rust_type(&self, ty: &TypeExpr) -> TokenStream {
        match ty {
            TypeExpr::String => quote! { String },
            TypeExpr::Bool => quote! { bool },
            TypeExpr::I32 => quote! { i32 },
            TypeExpr::I64 => quote! { i64 },
            TypeExpr::F64 => quote! { f64 },
            TypeExpr::Json => quote! { serde_json::Value },
            TypeExpr::File => quote! { crate::FilePart },
            TypeExpr::UserToken => quote! { crate::UserToken },
            TypeExpr::List(inner) => {
                let inner = self.rust_type(inner);
                quote! { Vec<#inner> }
            }
            TypeExpr::Map(inner) => {
                let inner = self.rust_type(inner);
                quote! { std::collections::BTreeMap<String, #inner> }
            }
            TypeExpr::Named(name, _) => self.named_path(name),
        }
    }

    /// The field's value type without `Option`, emitting inline objects and enums on the way.
    fn base_type(&mut self, owner: &str, field: &Field, dir: Direction) -> (TokenStream, TypeExpr) {
        match &field.shape {
            // Named integer codes: an enum of this field's own (the number stays the wire
            // type, so the lenient reader and the example checks treat it as one).
            FieldShape::Type(ty) if !field.values.is_empty() => {
                let name = format!("{owner}{}", naming::type_name(&field.wire));
                let doc = format!("The codes of `{}` in [`{owner}`].", field.wire);
                let item = self.int_enum_item(&name, &doc, &field.values, dir);
                self.extra.push(item);
                let id = ident(&name);
                (quote! { #id }, ty.clone())
            }
            FieldShape::Type(ty) => (self.rust_type(ty), ty.clone()),
            FieldShape::Object(fields) => {
                let name = format!("{owner}{}", naming::type_name(&field.wire));
                let doc = if field.doc.is_empty() {
                    format!("The `{}` object of [`{owner}`].", field.wire)
                } else {
                    field.doc.clone()
                };
                let item = self.struct_item(&name, &doc, fields, dir, &[], &[]);
                self.extra.push(item);
                let id = ident(&name);
                (quote! { #id }, TypeExpr::Named(name, field.span.clone()))
            }
            FieldShape::Enum(values) => {
                let name = format!("{owner}{}", naming::type_name(&field.wire));
                let doc = if field.doc.is_empty() {
                    format!("Values of `{}` in [`{owner}`].", field.wire)
                } else {
                    field.doc.clone()
                };
                let item = self.enum_item(&name, &doc, values, dir);
                self.extra.push(item);
                let id = ident(&name);
                // Marked as an enum for the lenient/text rules below.
                (
                    quote! { #id },
                    TypeExpr::Named(String::new(), field.span.clone()),
                )
            }
        }
    }

    /// A struct with serde attributes for the directions it travels in.
    ///
    /// `text_params` lists fields that are not part of the JSON body (query, path, header).
    /// `starts` gives required fields a starting value instead of a `new()` argument (the
    /// first page of a paginated call); each keeps a setter.
    pub fn struct_item(
        &mut self,
        name: &str,
        doc: &str,
        fields: &[Field],
        dir: Direction,
        text_params: &[&str],
        starts: &[(&str, TokenStream)],
    ) -> TokenStream {
        let type_ident = ident(name);
        // Answers are read by a generated `Record` (see `record_impl`). `flatten` is a
        // request parameter's (the loader allows it nowhere else), so `Record` never meets it.
        let record = dir.de;
        // Answers and pushed events: `Serialize` only with the `serialize` feature.
        let answer_only = dir.de && !dir.ser;
        let mut record_fields = Vec::new();
        let mut field_tokens = Vec::new();
        let mut required_args = Vec::new();
        let mut required_inits = Vec::new();
        let mut optional_inits = Vec::new();
        let mut setters = Vec::new();

        for field in fields {
            let rust_name = naming::field_name(&field.wire);
            let field_ident = ident(&rust_name);
            let (unboxed, base_expr) = self.base_type(name, field, dir);
            // A field closing a cycle of types is boxed (serde sees through `Box`).
            let boxed = self.is_boxed(name, &field.wire);
            let base = if boxed {
                quote! { Box<#unboxed> }
            } else {
                unboxed.clone()
            };
            let is_collection = matches!(base_expr, TypeExpr::List(_) | TypeExpr::Map(_));
            // Optional collections in answers are plain (empty when absent); in requests
            // they are `Option` so that "not sent" and "sent empty" stay different.
            let plain_collection = !field.required && is_collection && !dir.builder;
            let optional = !field.required && !plain_collection;
            let full = if optional {
                quote! { Option<#base> }
            } else {
                quote! { #base }
            };

            let mut serde_args: Vec<TokenStream> = Vec::new();
            if field.flatten {
                // Its own keys go next to the other body fields (e.g. `msgKey` + `msgParam`).
                serde_args.push(quote! { flatten });
            } else if rust_name != field.wire && dir.ser {
                let wire = &field.wire;
                serde_args.push(quote! { rename = #wire });
            }
            let is_text_param = text_params.contains(&field.wire.as_str());
            if dir.ser && field.flatten {
                // serde writes nothing for a flattened `None`.
            } else if dir.ser {
                if is_text_param {
                    serde_args.push(quote! { skip });
                } else {
                    if optional {
                        serde_args.push(quote! { skip_serializing_if = "Option::is_none" });
                    }
                    if let Some(path) = ser_with(field.encoding, optional) {
                        serde_args.push(quote! { serialize_with = #path });
                    }
                }
            }
            if record {
                record_fields.push(RecordField {
                    ident: field_ident.clone(),
                    ty: full.clone(),
                    field,
                    seed: de_seed(field.encoding, &base_expr),
                });
            }
            let mut attrs = if serde_args.is_empty() {
                quote! {}
            } else {
                quote! { #[serde( #(#serde_args),* )] }
            };
            if answer_only {
                // `Serialize` of an answer (feature `serialize`): wire names, secrets hidden.
                let mut args = Vec::new();
                if rust_name != field.wire {
                    let wire = &field.wire;
                    args.push(quote! { rename = #wire });
                }
                if optional {
                    args.push(quote! { skip_serializing_if = "Option::is_none" });
                }
                if field.secret {
                    args.push(quote! { serialize_with = "crate::wire::ser::redacted" });
                }
                if !args.is_empty() {
                    attrs =
                        quote! { #attrs #[cfg_attr(feature = "serialize", serde( #(#args),* ))] };
                }
            }
            let field_doc = doc_attrs(&field_doc_text(field));
            field_tokens.push(quote! {
                #field_doc
                #attrs
                pub #field_ident: #full,
            });

            if dir.builder {
                let (arg_ty, conversion) = self.argument(&base_expr, &unboxed, &field_ident);
                let conversion = if boxed {
                    quote! { Box::new(#conversion) }
                } else {
                    conversion
                };
                let start = starts
                    .iter()
                    .find(|(wire, _)| *wire == field.wire)
                    .map(|(_, value)| value);
                if let (true, Some(start)) = (field.required, start) {
                    optional_inits.push(quote! { #field_ident: #start });
                    let setter_doc = doc_attrs(&field_doc_text(field));
                    setters.push(quote! {
                        #setter_doc
                        pub fn #field_ident(mut self, #field_ident: #arg_ty) -> Self {
                            self.#field_ident = #conversion;
                            self
                        }
                    });
                } else if field.required {
                    required_args.push(quote! { #field_ident: #arg_ty });
                    if field_ident == conversion.to_string() {
                        required_inits.push(quote! { #field_ident });
                    } else {
                        required_inits.push(quote! { #field_ident: #conversion });
                    }
                } else {
                    let default = if plain_collection {
                        quote! { Default::default() }
                    } else {
                        quote! { None }
                    };
                    optional_inits.push(quote! { #field_ident: #default });
                    let setter_doc = doc_attrs(&field_doc_text(field));
                    let value = if plain_collection {
                        conversion
                    } else {
                        quote! { Some(#conversion) }
                    };
                    setters.push(quote! {
                        #setter_doc
                        pub fn #field_ident(mut self, #field_ident: #arg_ty) -> Self {
                            self.#field_ident = #value;
                            self
                        }
                    });
                }
            }
        }

        // Secrets (app secret, tokens) get a hand-written `Debug` that hides them.
        let has_secret = fields.iter().any(|f| f.secret);
        let mut derives = vec![quote! { Clone }, quote! { PartialEq }];
        if !has_secret {
            derives.insert(0, quote! { Debug });
        }
        if dir.ser {
            derives.push(quote! { serde::Serialize });
        }
        let serialize = if answer_only {
            quote! { #[cfg_attr(feature = "serialize", derive(serde::Serialize))] }
        } else {
            quote! {}
        };
        // An answer can be made by hand (`Default`, then set its public fields), so code that
        // consumes it is testable without a server; `#[non_exhaustive]` still forbids struct
        // literals, so new fields stay non-breaking.
        // (Not when a required field has no default of its own: a user token, where an empty
        // one is no value to hand out, or an enum, whose variants are all real values.)
        if dir.de && !dir.builder && self.all_have_defaults(fields, &mut Vec::new()) {
            derives.push(quote! { Default });
        }
        let doc = doc_attrs(doc);
        let constructor = if dir.builder {
            let mut new_doc = if required_args.is_empty() {
                " Creates the value; every field is optional.".to_string()
            } else {
                " Creates the value from its required fields.".to_string()
            };
            let started: Vec<String> = starts
                .iter()
                .filter(|(wire, _)| fields.iter().any(|f| f.required && f.wire == *wire))
                .map(|(wire, value)| format!("`{}` {value}", naming::field_name(wire)))
                .collect();
            if !started.is_empty() {
                new_doc.push_str(&format!(
                    " Paging starts at the first page: {} (the setters change them).",
                    started.join(", ")
                ));
            }
            let allow = if required_args.len() > 7 {
                quote! { #[allow(clippy::too_many_arguments)] }
            } else {
                quote! {}
            };
            let default = if required_args.is_empty() {
                quote! {
                    impl Default for #type_ident {
                        fn default() -> Self {
                            Self::new()
                        }
                    }
                }
            } else {
                quote! {}
            };
            quote! {
                #default
                impl #type_ident {
                    #[doc = #new_doc]
                    #allow
                    pub fn new( #(#required_args),* ) -> Self {
                        Self { #(#required_inits,)* #(#optional_inits,)* }
                    }
                    #(#setters)*
                }
            }
        } else {
            quote! {}
        };
        let debug = if has_secret {
            let entries = fields.iter().map(|f| {
                let name = naming::field_name(&f.wire);
                let id = ident(&name);
                if f.secret {
                    quote! { .field(#name, &"<redacted>") }
                } else {
                    quote! { .field(#name, &self.#id) }
                }
            });
            quote! {
                impl std::fmt::Debug for #type_ident {
                    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.debug_struct(#name) #(#entries)* .finish()
                    }
                }
            }
        } else {
            quote! {}
        };
        let record = if record {
            record_impl(name, &type_ident, &record_fields)
        } else {
            quote! {}
        };
        quote! {
            #doc
            #[derive( #(#derives),* )]
            #serialize
            #[non_exhaustive]
            pub struct #type_ident {
                #(#field_tokens)*
            }
            #debug
            #constructor
            #record
        }
    }

    /// The parameter type a constructor or setter takes, and how it becomes the field value.
    fn argument(
        &self,
        expr: &TypeExpr,
        base: &TokenStream,
        name: &Ident,
    ) -> (TokenStream, TokenStream) {
        match expr {
            TypeExpr::String => (quote! { impl Into<String> }, quote! { #name.into() }),
            TypeExpr::List(inner) if **inner == TypeExpr::String => (
                quote! { impl IntoIterator<Item = impl Into<String>> },
                quote! { #name.into_iter().map(Into::into).collect() },
            ),
            TypeExpr::List(inner) => {
                let inner = self.rust_type(inner);
                (
                    quote! { impl IntoIterator<Item = #inner> },
                    quote! { #name.into_iter().collect() },
                )
            }
            TypeExpr::Map(inner) if **inner == TypeExpr::String => (
                quote! { impl IntoIterator<Item = (impl Into<String>, impl Into<String>)> },
                quote! { #name.into_iter().map(|(key, value)| (key.into(), value.into())).collect() },
            ),
            TypeExpr::Map(inner) => {
                let inner = self.rust_type(inner);
                (
                    quote! { impl IntoIterator<Item = (impl Into<String>, #inner)> },
                    quote! { #name.into_iter().map(|(key, value)| (key.into(), value)).collect() },
                )
            }
            TypeExpr::Named(..) | TypeExpr::Json => {
                (quote! { impl Into<#base> }, quote! { #name.into() })
            }
            _ => (quote! { #base }, quote! { #name }),
        }
    }

    /// An enum of named integer codes (`values:`) with an `Other` fallback that keeps the
    /// number: read leniently like any integer, written as the number.
    pub fn int_enum_item(
        &mut self,
        name: &str,
        doc: &str,
        values: &[IntValue],
        dir: Direction,
    ) -> TokenStream {
        let type_ident = ident(name);
        let variants: Vec<Ident> = values
            .iter()
            .map(|v| ident(&naming::type_name(&v.name)))
            .collect();
        let codes: Vec<proc_macro2::Literal> = values
            .iter()
            .map(|v| proc_macro2::Literal::i64_unsuffixed(v.code))
            .collect();
        let docs: Vec<TokenStream> = values
            .iter()
            .map(|v| doc_attrs(&format!("`{}`", v.code)))
            .collect();
        let doc = doc_attrs(doc);
        let ser = serialize_impl(
            &type_ident,
            dir,
            quote! { serializer.serialize_i64(self.code()) },
        );
        let de = if dir.de {
            quote! {
                impl crate::wire::de::Lenient for #type_ident {
                    fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        <i64 as crate::wire::de::Lenient>::lenient(d).map(Self::from_code)
                    }
                }
                impl crate::wire::de::Lenient for Option<#type_ident> {
                    fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        <Option<i64> as crate::wire::de::Lenient>::lenient(d)
                            .map(|code| code.map(#type_ident::from_code))
                    }
                }
            }
        } else {
            quote! {}
        };
        let de_impl = deserialize_impl(
            &type_ident,
            dir,
            quote! { <Self as crate::wire::de::Lenient>::lenient(deserializer) },
        );
        quote! {
            #doc
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum #type_ident {
                #( #docs #variants, )*
                /// A code this version of the crate does not know.
                Other(i64),
            }

            impl #type_ident {
                /// The code on the wire.
                pub fn code(self) -> i64 {
                    match self {
                        #( Self::#variants => #codes, )*
                        Self::Other(code) => code,
                    }
                }

                /// The value of a code (`Other` for one this version does not know).
                pub fn from_code(code: i64) -> Self {
                    match code {
                        #( #codes => Self::#variants, )*
                        other => Self::Other(other),
                    }
                }
            }

            impl std::fmt::Display for #type_ident {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    write!(f, "{}", self.code())
                }
            }

            #ser
            #de
            #de_impl
        }
    }

    /// A string enum with an `Unknown` fallback, so new DingTalk values never break decoding.
    pub fn enum_item(
        &mut self,
        name: &str,
        doc: &str,
        values: &[EnumValue],
        dir: Direction,
    ) -> TokenStream {
        let type_ident = ident(name);
        let variants: Vec<Ident> = values
            .iter()
            .map(|v| match &v.name {
                Some(n) => ident(&naming::type_name(n)),
                None => ident(&naming::variant_name(&v.wire)),
            })
            .collect();
        let wires: Vec<&str> = values.iter().map(|v| v.wire.as_str()).collect();
        let docs: Vec<TokenStream> = values
            .iter()
            .map(|v| {
                let text = if v.doc.is_empty() {
                    format!("`{}`", v.wire)
                } else {
                    format!("`{}`: {}", v.wire, v.doc)
                };
                doc_attrs(&text)
            })
            .collect();
        let doc = doc_attrs(doc);
        let ser = serialize_impl(
            &type_ident,
            dir,
            quote! { serializer.serialize_str(self.as_str()) },
        );
        let de = deserialize_impl(
            &type_ident,
            dir,
            quote! { crate::wire::de::string_enum(deserializer) },
        );
        quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum #type_ident {
                #( #docs #variants, )*
                /// A value this version of the crate does not know.
                Unknown(String),
            }

            impl #type_ident {
                /// The value as DingTalk spells it on the wire.
                pub fn as_str(&self) -> &str {
                    match self {
                        #( Self::#variants => #wires, )*
                        Self::Unknown(value) => value,
                    }
                }
            }

            impl From<&str> for #type_ident {
                fn from(value: &str) -> Self {
                    match value {
                        #( #wires => Self::#variants, )*
                        other => Self::Unknown(other.to_owned()),
                    }
                }
            }

            impl std::fmt::Display for #type_ident {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
            #ser
            #de
        }
    }

    /// A union: tagged (`{"msgtype":"text","text":{..}}`) or untagged (the content alone).
    pub fn union_item(&mut self, name: &str, doc: &str, union: &Union) -> TokenStream {
        let type_ident = ident(name);
        let variants: Vec<Ident> = union
            .variants
            .iter()
            .map(|v| match &v.name {
                Some(name) => ident(&naming::type_name(name)),
                None => ident(&naming::variant_name(&v.wire)),
            })
            .collect();
        let boxed: Vec<bool> = union
            .variants
            .iter()
            .map(|v| self.is_boxed(name, &v.wire))
            .collect();
        let types: Vec<TokenStream> = union
            .variants
            .iter()
            .map(|v| self.rust_type(&v.ty))
            .collect();
        let stored: Vec<TokenStream> = types
            .iter()
            .zip(&boxed)
            .map(|(ty, boxed)| {
                if *boxed {
                    quote! { Box<#ty> }
                } else {
                    ty.clone()
                }
            })
            .collect();
        let docs: Vec<TokenStream> = union
            .variants
            .iter()
            .map(|v| doc_attrs(&paragraphs(&[&v.doc])))
            .collect();
        let arms: Vec<TokenStream> = union
            .variants
            .iter()
            .zip(&variants)
            .map(|(v, variant)| {
                let wire = &v.wire;
                match (&union.tag, &union.content) {
                    (Some(tag), Some(content)) => {
                        let as_text = union.content_encoding == Some(Encoding::JsonString);
                        quote! { Self::#variant(value) => crate::wire::ser::keyed(serializer, #tag, #wire, #content, value, #as_text), }
                    }
                    (Some(tag), None) => {
                        quote! { Self::#variant(content) => crate::wire::ser::tagged(serializer, #tag, #wire, content), }
                    }
                    (None, _) => quote! { Self::#variant(content) => serde::Serialize::serialize(content, serializer), },
                }
            })
            .collect();
        // `From` for each variant whose type is unique among the variants.
        let unique = self.unique_variant_types(union);
        let froms: Vec<TokenStream> = union
            .variants
            .iter()
            .zip(&variants)
            .zip(types.iter().zip(&boxed))
            .filter(|(_, (ty, _))| unique.contains(&ty.to_string()))
            .map(|((_, variant), (ty, boxed))| {
                let content = if *boxed {
                    quote! { Box::new(content) }
                } else {
                    quote! { content }
                };
                quote! {
                    impl From<#ty> for #type_ident {
                        fn from(content: #ty) -> Self {
                            Self::#variant(#content)
                        }
                    }
                }
            })
            .collect();
        // And in one step through a variant that is a union itself.
        let nested_froms = self
            .nested_conversions(&type_ident.to_string(), union, 0)
            .into_iter()
            .map(|(ty, via)| {
                quote! {
                    impl From<#ty> for #type_ident {
                        fn from(content: #ty) -> Self {
                            Self::from(#via::from(content))
                        }
                    }
                }
            });
        let doc = doc_attrs(doc);
        quote! {
            #doc
            #[derive(Debug, Clone, PartialEq)]
            #[non_exhaustive]
            #[allow(clippy::large_enum_variant)] // built once per send; boxing buys nothing
            pub enum #type_ident {
                #( #docs #variants(#stored), )*
            }

            impl serde::Serialize for #type_ident {
                fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    match self {
                        #(#arms)*
                    }
                }
            }
            #(#froms)*
            #(#nested_froms)*
        }
    }

    /// The Rust types (as text) that exactly one variant of the union holds: those get a `From`.
    fn unique_variant_types(&self, union: &Union) -> Vec<String> {
        let all: Vec<String> = union
            .variants
            .iter()
            .map(|v| self.rust_type(&v.ty).to_string())
            .collect();
        all.iter()
            .filter(|ty| all.iter().filter(|other| other == ty).count() == 1)
            .cloned()
            .collect()
    }

    /// Types that convert into a union through one of its variants that is a union itself
    /// (`SingleButtonActionCard` -> `ActionCard` -> `Message`), at any depth: each with the
    /// variant type it goes through. A type reached through two variants, or that is a
    /// variant's own type or the union itself (`own`, as the emitter writes it), is left out:
    /// its `From` would be ambiguous.
    fn nested_conversions(
        &self,
        own: &str,
        union: &Union,
        depth: usize,
    ) -> Vec<(TokenStream, TokenStream)> {
        if depth > 4 {
            return Vec::new();
        }
        let unique = self.unique_variant_types(union);
        let mut found: Vec<(String, TokenStream, TokenStream)> = Vec::new();
        for variant in &union.variants {
            let via = self.rust_type(&variant.ty);
            let TypeExpr::Named(inner_name, _) = &variant.ty else {
                continue;
            };
            let Some(TypeDefKind::Union(inner)) =
                self.resolved.types.get(inner_name).map(|def| &def.kind)
            else {
                continue;
            };
            if !unique.contains(&via.to_string()) {
                continue;
            }
            let inner_unique = self.unique_variant_types(inner);
            let direct = inner
                .variants
                .iter()
                .map(|v| self.rust_type(&v.ty))
                .filter(|ty| inner_unique.contains(&ty.to_string()));
            let deeper = self
                .nested_conversions(&via.to_string(), inner, depth + 1)
                .into_iter()
                .map(|(ty, _)| ty);
            for ty in direct.chain(deeper) {
                found.push((ty.to_string(), ty, via.clone()));
            }
        }
        found
            .iter()
            .filter(|(key, _, _)| {
                found.iter().filter(|(other, _, _)| other == key).count() == 1
                    && !unique.contains(key)
                    && key != own
            })
            .map(|(_, ty, via)| (ty.clone(), via.clone()))
            .collect()
    }

    pub fn type_def(&mut self, def: &TypeDef) -> TokenStream {
        let name = naming::type_name(&def.name);
        let dir = self.direction_of(&def.name);
        match &def.kind {
            TypeDefKind::Struct(fields) => self.struct_item(&name, &def.doc, fields, dir, &[], &[]),
            TypeDefKind::Enum(values) => self.enum_item(&name, &def.doc, values, dir),
            TypeDefKind::Codes(codes) => self.int_enum_item(&name, &def.doc, codes, dir),
            TypeDefKind::Union(union) => self.union_item(&name, &def.doc, union),
        }
    }
}

fn field_doc_text(field: &Field) -> String {
    let mut text = field.doc.trim().to_string();
    let note = match field.encoding {
        Some(Encoding::String) => Some("A JSON string on the wire."),
        Some(Encoding::JsonString) => Some("On the wire a string holding JSON."),
        Some(Encoding::Csv) => Some("On the wire one comma-separated string."),
        Some(Encoding::Pipe) => Some("On the wire one `|`-separated string."),
        None => None,
    };
    if let Some(note) = note {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(note);
    }
    if text.is_empty() {
        format!("`{}`", field.wire)
    } else {
        text
    }
}

/// `Serialize` for a type that writes itself as one value (`body`, given `serializer`), when
/// it travels in requests; for one that only arrives, with the `serialize` feature.
fn serialize_impl(type_ident: &Ident, dir: Direction, body: TokenStream) -> TokenStream {
    if !dir.ser && !dir.de {
        return quote! {};
    }
    let cfg = if dir.ser {
        quote! {}
    } else {
        quote! { #[cfg(feature = "serialize")] }
    };
    quote! {
        #cfg
        impl serde::Serialize for #type_ident {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                #body
            }
        }
    }
}

/// `Deserialize` for a type read as one value (`body`, given `deserializer`), when it
/// travels in answers.
fn deserialize_impl(type_ident: &Ident, dir: Direction, body: TokenStream) -> TokenStream {
    if !dir.de {
        return quote! {};
    }
    quote! {
        impl<'de> serde::Deserialize<'de> for #type_ident {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #body
            }
        }
    }
}

fn ser_with(encoding: Option<Encoding>, optional: bool) -> Option<String> {
    let base = match encoding? {
        Encoding::String => "display",
        Encoding::JsonString => "json_string",
        Encoding::Csv => "csv",
        Encoding::Pipe => "pipe",
    };
    let suffix = if optional { "_opt" } else { "" };
    Some(format!("crate::wire::ser::{base}{suffix}"))
}

/// A field of a struct read by `Record`, as `record_impl` needs it.
struct RecordField<'f> {
    ident: Ident,
    /// The field's Rust type.
    ty: TokenStream,
    field: &'f Field,
    /// The reader of its value (`crate::wire::de::Seed::..`).
    seed: TokenStream,
}

/// `Deserialize` through `crate::wire::de::Record`: a match from key to field number
/// (wire names and aliases), then one shared reader per kind of field.
fn record_impl(name: &str, type_ident: &Ident, fields: &[RecordField<'_>]) -> TokenStream {
    let wires: Vec<&str> = fields.iter().map(|f| f.field.wire.as_str()).collect();
    let field_fn = if fields.is_empty() {
        quote! {
            fn field(_key: &str) -> Option<usize> {
                None
            }
        }
    } else {
        let arms = fields.iter().enumerate().map(|(index, f)| {
            let index = proc_macro2::Literal::usize_unsuffixed(index);
            let names = std::iter::once(&f.field.wire).chain(&f.field.aliases);
            quote! { #( #names )|* => Some(#index), }
        });
        quote! {
            fn field(key: &str) -> Option<usize> {
                match key {
                    #(#arms)*
                    _ => None,
                }
            }
        }
    };
    // Slots are named after their fields, unless a name is taken by the reader's own.
    let slots: Vec<Ident> = fields
        .iter()
        .map(|f| {
            let name = f.ident.to_string();
            if matches!(name.as_str(), "map" | "reader" | "number") {
                ident(&format!("{name}_value"))
            } else {
                f.ident.clone()
            }
        })
        .collect();
    let declarations = fields.iter().zip(&slots).map(|(f, slot)| {
        let ty = &f.ty;
        quote! { let mut #slot: Option<#ty> = None; }
    });
    let reads: Vec<TokenStream> = fields
        .iter()
        .zip(&slots)
        .map(|(f, slot)| {
            let seed = &f.seed;
            quote! { reader.read(&mut #slot, #seed)? }
        })
        .collect();
    let read_loop = match reads.as_slice() {
        [] => quote! { while reader.next_field()?.is_some() {} },
        [read] => quote! {
            while reader.next_field()?.is_some() {
                #read;
            }
        },
        _ => {
            let numbers = (0..reads.len()).map(proc_macro2::Literal::usize_unsuffixed);
            quote! {
                while let Some(number) = reader.next_field()? {
                    match number {
                        #( #numbers => #reads, )*
                        _ => {}
                    }
                }
            }
        }
    };
    let inits = fields.iter().zip(&slots).map(|(f, slot)| {
        let (id, wire) = (&f.ident, &f.field.wire);
        if f.field.required {
            quote! { #id: crate::wire::de::required(#slot, #wire)? }
        } else {
            quote! { #id: #slot.unwrap_or_default() }
        }
    });
    quote! {
        impl<'de> serde::Deserialize<'de> for #type_ident {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::wire::de::record(deserializer)
            }
        }
        impl crate::wire::de::Record for #type_ident {
            const NAME: &'static str = #name;
            const FIELDS: &'static [&'static str] = &[#(#wires),*];
            #field_fn
            fn read<'de, A: serde::de::MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
                let mut reader = crate::wire::de::FieldReader::new(map, Self::field, Self::FIELDS);
                #(#declarations)*
                #read_loop
                Ok(Self { #(#inits,)* })
            }
        }
    }
}

/// The `crate::wire::de::Seed` reader of a field read by `Record`: DingTalk's spellings of
/// scalars (`lenient`), `null` for an empty collection (`nullable`), the `encoding:` of the
/// spec, or the type's own `Deserialize` (`plain`).
fn de_seed(encoding: Option<Encoding>, ty: &TypeExpr) -> TokenStream {
    let reader = match encoding {
        Some(Encoding::Csv) => "csv",
        Some(Encoding::Pipe) => "pipe",
        Some(Encoding::JsonString) => "json_string",
        Some(Encoding::String) | None if lenient(ty) => "lenient",
        Some(Encoding::String) | None if matches!(ty, TypeExpr::List(_) | TypeExpr::Map(_)) => {
            "nullable"
        }
        Some(Encoding::String) | None => "plain",
    };
    let reader = ident(reader);
    quote! { crate::wire::de::Seed::#reader() }
}

/// Types whose values DingTalk may send as strings: scalars and collections of them.
pub fn lenient(ty: &TypeExpr) -> bool {
    match ty {
        TypeExpr::List(inner) | TypeExpr::Map(inner) => lenient(inner),
        other => other.is_scalar(),
    }
}
