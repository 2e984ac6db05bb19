//! One endpoint: its request struct, its answer, and its `Endpoint` impl (the only glue
//! between the types and the runtime).

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{doc_attrs, paragraphs};
use super::types::{Direction, Emitter, ident};
use crate::model::*;
use crate::naming;

pub struct EmittedEndpoint {
    pub items: TokenStream,
    /// The accessor method on the module's `...Api` struct.
    pub method: TokenStream,
}

pub fn endpoint(
    emitter: &mut Emitter<'_>,
    file: &SpecFile,
    endpoint: &Endpoint,
) -> EmittedEndpoint {
    let base = naming::type_name(&endpoint.name);
    let request_name = format!("{base}Request");
    let response_name = format!("{base}Response");
    let request_ident = ident(&request_name);
    let http_method = match endpoint.method {
        Method::Get => "GET",
        Method::Post => "POST",
    };
    let signature = format!("`{http_method} {}`", endpoint.path);
    let safety = if endpoint.idempotent {
        "Safe to repeat: the client may retry it."
    } else {
        "Not safe to repeat: the client never retries it once the request may have reached DingTalk."
    };
    let link = format!("[DingTalk documentation]({})", endpoint.doc_url);
    let request_doc = paragraphs(&[&endpoint.summary, &signature, &endpoint.doc, safety, &link]);

    let text_params: Vec<&str> = endpoint
        .params
        .iter()
        .filter(|p| p.location != Some(Location::Body))
        .map(|p| p.wire.as_str())
        .collect();
    let has_body = endpoint.method == Method::Post;
    // A GET request serialises nothing with serde (its parameters go into the query).
    let request_dir = Direction {
        ser: has_body,
        de: false,
        builder: true,
    };
    let request = emitter.struct_item(
        &request_name,
        &request_doc,
        &endpoint.params,
        request_dir,
        &text_params,
    );

    let (output, response_item) = match endpoint.response.as_ref().map(|r| &r.shape) {
        None | Some(ResponseShape::Empty) => (quote! { () }, quote! {}),
        Some(ResponseShape::Type(ty)) => (emitter.rust_type(ty), quote! {}),
        Some(ResponseShape::Fields(fields)) => {
            let doc = format!("The answer of [`{request_name}`].");
            let item = emitter.struct_item(
                &response_name,
                &doc,
                fields,
                Direction {
                    ser: false,
                    de: true,
                    builder: false,
                },
                &[],
            );
            let id = ident(&response_name);
            (quote! { #id }, item)
        }
    };

    let spec_tokens = spec_const(file, endpoint);
    let query = write_query(endpoint);
    let body = if has_body {
        quote! {
            fn write_body(&self, body: &mut Vec<u8>) -> Result<(), serde_json::Error> {
                serde_json::to_writer(body, self)
            }
        }
    } else {
        quote! {}
    };
    let path = path_fn(endpoint);
    let headers = write_headers(endpoint);

    let method_ident = ident(&naming::field_name(&endpoint.name));
    let method_doc = doc_attrs(&paragraphs(&[
        &endpoint.summary,
        &signature,
        &format!("See [`{request_name}`] for the parameters."),
    ]));
    let method = quote! {
        #method_doc
        pub fn #method_ident(
            &self,
            request: #request_ident,
        ) -> impl std::future::Future<Output = Result<#output, crate::Error>> + Send + 'c {
            self.client.send(request)
        }
    };
    let items = quote! {
        #request

        impl crate::endpoint::Endpoint for #request_ident {
            type Output = #output;
            const SPEC: crate::endpoint::EndpointSpec = #spec_tokens;
            #path
            #query
            #headers
            #body
        }

        #response_item
    };
    EmittedEndpoint { items, method }
}

fn spec_const(file: &SpecFile, endpoint: &Endpoint) -> TokenStream {
    let name = format!("{}.{}", file.module.join("."), endpoint.name);
    let path = &endpoint.path;
    let method = match endpoint.method {
        Method::Get => quote! { Get },
        Method::Post => quote! { Post },
    };
    let style = match file.style {
        Style::Classic => quote! { Classic },
        Style::V1 => quote! { V1 },
    };
    let has_payload = !matches!(
        endpoint.response.as_ref().map(|r| &r.shape),
        None | Some(ResponseShape::Empty)
    );
    let payload = match (endpoint.envelope, has_payload) {
        (_, false) => quote! { Nothing },
        (Some(Envelope::Result), true) => quote! { ResultField },
        _ => quote! { TopLevel },
    };
    let idempotent = endpoint.idempotent;
    let auth = match endpoint.auth {
        Auth::Token => quote! { Token },
        Auth::None => quote! { None },
    };
    quote! {
        crate::endpoint::EndpointSpec {
            name: #name,
            method: crate::endpoint::Method::#method,
            path: #path,
            style: crate::endpoint::Style::#style,
            payload: crate::endpoint::Payload::#payload,
            idempotent: #idempotent,
            auth: crate::endpoint::Auth::#auth,
        }
    }
}

fn params_in(endpoint: &Endpoint, location: Location) -> impl Iterator<Item = &Field> {
    endpoint
        .params
        .iter()
        .filter(move |p| p.location == Some(location))
}

/// Text value writer calls for query parameters and headers.
fn text_pushes(fields: Vec<&Field>, target: &TokenStream) -> Vec<TokenStream> {
    fields
        .into_iter()
        .map(|field| {
            let wire = &field.wire;
            let name = ident(&naming::field_name(wire));
            let separator = match field.encoding {
                Some(Encoding::Csv) => Some(","),
                Some(Encoding::Pipe) => Some("|"),
                _ => None,
            };
            let push = |value: TokenStream| match separator {
                Some(separator) => quote! { #target.push_joined(#wire, #value, #separator); },
                None => quote! { #target.push(#wire, #value); },
            };
            if field.required {
                push(quote! { &self.#name })
            } else {
                let push = push(quote! { value });
                quote! { if let Some(value) = &self.#name { #push } }
            }
        })
        .collect()
}

fn write_query(endpoint: &Endpoint) -> TokenStream {
    let fields: Vec<&Field> = params_in(endpoint, Location::Query).collect();
    if fields.is_empty() {
        return quote! {};
    }
    let target = quote! { query };
    let pushes = text_pushes(fields, &target);
    quote! {
        fn write_query(&self, query: &mut crate::wire::TextParams) {
            #(#pushes)*
        }
    }
}

fn write_headers(endpoint: &Endpoint) -> TokenStream {
    let fields: Vec<&Field> = params_in(endpoint, Location::Header).collect();
    if fields.is_empty() {
        return quote! {};
    }
    let target = quote! { headers };
    let pushes: Vec<TokenStream> = fields
        .into_iter()
        .map(|field| {
            let wire = &field.wire;
            let name = ident(&naming::field_name(wire));
            if field.required {
                quote! { #target.push(#wire, &self.#name); }
            } else {
                quote! { if let Some(value) = &self.#name { #target.push(#wire, value); } }
            }
        })
        .collect();
    quote! {
        fn write_headers(&self, headers: &mut crate::wire::TextParams) {
            #(#pushes)*
        }
    }
}

/// For paths with `{placeholders}`: the path with each segment percent-encoded.
fn path_fn(endpoint: &Endpoint) -> TokenStream {
    if !endpoint.path.contains('{') {
        return quote! {};
    }
    let mut parts = Vec::new();
    for segment in endpoint.path.split('/').skip(1) {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                let name = ident(&naming::field_name(param));
                parts.push(quote! { path.push('/'); crate::wire::push_path_segment(&mut path, &self.#name); });
            }
            None => {
                let literal = format!("/{segment}");
                parts.push(quote! { path.push_str(#literal); });
            }
        }
    }
    quote! {
        fn path(&self) -> std::borrow::Cow<'static, str> {
            let mut path = String::new();
            #(#parts)*
            std::borrow::Cow::Owned(path)
        }
    }
}
