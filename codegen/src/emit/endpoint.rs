//! One endpoint: its request struct, its answer, and its `Endpoint` impl (the only glue
//! between the types and the runtime).

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{doc_attrs, paragraphs};
use super::types::{Direction, Emitter, ident, lenient};
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
    // A parameter the client can fill is optional in Rust (no `new()` argument, a setter);
    // `fill_client_defaults` makes it present before anything is sent.
    let defaulted;
    let endpoint = if endpoint.params.iter().any(|p| p.client_default.is_some()) {
        defaulted = client_defaults_optional(endpoint);
        &defaulted
    } else {
        endpoint
    };
    let fill_defaults = fill_client_defaults(endpoint);
    let base = naming::type_name(&endpoint.name);
    let request_name = format!("{base}Request");
    let response_name = format!("{base}Response");
    let request_ident = ident(&request_name);
    let http_method = endpoint.method.as_str();
    let signature = format!("`{http_method} {}`", endpoint.path);
    let safety = if endpoint.idempotent {
        "Safe to repeat: the client may retry it."
    } else {
        "Not safe to repeat: the client never retries it once the request may have reached DingTalk."
    };
    let link = format!("[DingTalk documentation]({})", endpoint.doc_url);
    let request_doc = paragraphs(&[&endpoint.summary, &signature, &endpoint.doc, safety, &link]);

    let params = request_params(endpoint);
    let text_params: Vec<&str> = params
        .iter()
        .filter(|p| p.location != Some(Location::Body))
        .map(|p| p.wire.as_str())
        .collect();
    let multipart: Vec<&Field> = params_in(endpoint, Location::Multipart).collect();
    let has_body = endpoint.method.has_body() && multipart.is_empty();
    // A GET request serialises nothing with serde (its parameters go into the query).
    let request_dir = Direction {
        ser: has_body,
        de: false,
        builder: true,
    };
    let starts = first_page(endpoint);
    let request = emitter.struct_item(
        &request_name,
        &request_doc,
        &params,
        request_dir,
        &text_params,
        &starts,
    );

    let (output, response_item) = match endpoint.response.as_ref().map(|r| &r.shape) {
        None | Some(ResponseShape::Empty) => (quote! { () }, quote! {}),
        Some(ResponseShape::Binary) => (quote! { Vec<u8> }, quote! {}),
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
    let user_token = if endpoint.auth == Auth::UserToken {
        quote! {
            fn user_token(&self) -> Option<&crate::UserToken> {
                Some(&self.user_token)
            }
        }
    } else {
        quote! {}
    };
    // A plain-value `result` (`true`, `[1, 2]`) decodes leniently like any field would.
    let write_multipart = if multipart.is_empty() {
        quote! {}
    } else {
        let parts = multipart.iter().map(|field| {
            let wire = &field.wire;
            let name = ident(&naming::field_name(wire));
            let call = if matches!(field.shape, FieldShape::Type(TypeExpr::File)) {
                quote! { file }
            } else {
                quote! { text }
            };
            if field.required {
                quote! { form.#call(#wire, &self.#name); }
            } else {
                quote! { if let Some(value) = &self.#name { form.#call(#wire, value); } }
            }
        });
        quote! {
            const MULTIPART: bool = true;

            fn write_multipart(&self, form: &mut crate::wire::Multipart) {
                #(#parts)*
            }
        }
    };
    // How the answer is read: one pass for the status and the payload where it can be
    // (`decode_answer`), the payload value leniently where it is a plain value.
    let shape = endpoint.response.as_ref().map(|r| &r.shape);
    let read_payload = match shape {
        Some(ResponseShape::Type(ty)) if lenient(ty) => Some(quote! { lenient }),
        // A list or map of objects: `"result": null` is the empty collection.
        Some(ResponseShape::Type(TypeExpr::List(_) | TypeExpr::Map(_))) => {
            Some(quote! { nullable })
        }
        _ => None,
    };
    let read_payload = read_payload.map(|reader| {
        quote! {
            fn read_payload<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self::Output, D::Error> {
                crate::wire::de::#reader(d)
            }
        }
    });
    let decode = match payload_kind(endpoint) {
        // The file itself; an error still arrives as `errcode` JSON and is caught before.
        PayloadKind::Binary => quote! {
            fn decode_output(_http_status: u16, body: &[u8]) -> Result<Self::Output, crate::Error> {
                Ok(body.to_vec())
            }
            fn decode_answer(answer: crate::decode::Answer<'_>) -> Result<crate::decode::Decoded<Self::Output>, crate::Error> {
                crate::decode::binary_answer(&Self::SPEC, answer)
            }
        },
        PayloadKind::Nothing => quote! {
            fn decode_answer(answer: crate::decode::Answer<'_>) -> Result<crate::decode::Decoded<Self::Output>, crate::Error> {
                crate::decode::nothing_answer(&Self::SPEC, answer)
            }
        },
        PayloadKind::ResultField => quote! {
            #read_payload
            fn decode_answer(answer: crate::decode::Answer<'_>) -> Result<crate::decode::Decoded<Self::Output>, crate::Error> {
                crate::decode::result_answer::<Self>(answer)
            }
        },
        PayloadKind::TopLevel => quote! {
            #read_payload
            fn decode_answer(answer: crate::decode::Answer<'_>) -> Result<crate::decode::Decoded<Self::Output>, crate::Error> {
                crate::decode::top_level_answer::<Self>(answer)
            }
        },
    };
    let paging = match (
        &endpoint.pagination,
        endpoint.response.as_ref().map(|r| &r.shape),
    ) {
        (Some(pagination), Some(ResponseShape::Fields(fields))) => paging_impl(
            emitter,
            &request_ident,
            &output,
            endpoint,
            pagination,
            fields,
        ),
        _ => quote! {},
    };

    let method_name = naming::field_name(&endpoint.name);
    let method_ident = ident(&method_name);
    let method_doc = doc_attrs(&paragraphs(&[
        &endpoint.summary,
        &signature,
        &format!("See [`{request_name}`] for the parameters."),
    ]));
    let started: Vec<&str> = starts.iter().map(|(wire, _)| *wire).collect();
    let example = super::example::usage_example(
        emitter,
        &super::example::ExampleCall {
            module: &file.module,
            request_name: &request_name,
            method: &method_name,
            params: &params,
            started: &started,
            answers_nothing: matches!(
                endpoint.response.as_ref().map(|r| &r.shape),
                None | Some(ResponseShape::Empty)
            ),
        },
    );
    let waiters = endpoint
        .waiters
        .iter()
        .map(|waiter| waiter_method(emitter, file, endpoint, waiter, &request_ident, &output));
    let method = quote! {
        #method_doc
        #example
        pub fn #method_ident(
            &self,
            request: #request_ident,
        ) -> impl std::future::Future<Output = Result<#output, crate::Error>> + Send + use<'c> {
            self.client.send_with(request, self.options.clone())
        }
        #(#waiters)*
    };
    let items = quote! {
        #request

        impl crate::endpoint::Endpoint for #request_ident {
            type Output = #output;
            const SPEC: crate::endpoint::EndpointSpec = #spec_tokens;
            #path
            #query
            #headers
            #user_token
            #fill_defaults
            #body
            #write_multipart
            #decode
        }

        #paging
        #response_item
    };
    EmittedEndpoint { items, method }
}

/// `Paginated` for an endpoint with `pagination`: how to ask for the next page.
fn paging_impl(
    emitter: &Emitter<'_>,
    request: &syn::Ident,
    output: &TokenStream,
    endpoint: &Endpoint,
    pagination: &Pagination,
    fields: &[Field],
) -> TokenStream {
    let field = |wire: &str| fields.iter().find(|f| f.wire == wire);
    let param = |wire: &str| endpoint.params.iter().find(|p| p.wire == wire);
    let Some(items) = pagination.items.as_ref().and_then(|n| field(&n.name)) else {
        return quote! {};
    };
    let FieldShape::Type(TypeExpr::List(item_type)) = &items.shape else {
        return quote! {};
    };
    let item = emitter.rust_type(item_type);
    let items_ident = ident(&naming::field_name(&items.wire));
    // The `has_more` field, and whether it is `bool` (required) or `Option<bool>`.
    let has_more = pagination
        .has_more
        .as_ref()
        .and_then(|n| field(&n.name))
        .map(|f| (ident(&naming::field_name(&f.wire)), f.required));
    let body = match &pagination.position {
        PagePosition::Offset(offset) => {
            let Some(offset_param) = param(&offset.name) else {
                return quote! {};
            };
            let offset_ident = ident(&naming::field_name(&offset_param.wire));
            let int = match &offset_param.shape {
                FieldShape::Type(TypeExpr::I32) => quote! { i32 },
                _ => quote! { i64 },
            };
            // Offset pages end on `has_more` false or absent, or on an empty page.
            let last = has_more.as_ref().map(|(name, required)| {
                if *required {
                    quote! { !page.#name || }
                } else {
                    quote! { page.#name != Some(true) || }
                }
            });
            let advanced = if offset_param.required {
                quote! { next.#offset_ident = self.#offset_ident.checked_add(returned)?; }
            } else {
                quote! { next.#offset_ident = Some(self.#offset_ident.unwrap_or(0).checked_add(returned)?); }
            };
            quote! {
                if #last page.#items_ident.is_empty() {
                    return None;
                }
                let returned = #int::try_from(page.#items_ident.len()).ok()?;
                let mut next = self.clone();
                #advanced
                Some(next)
            }
        }
        PagePosition::Page(page_name) => {
            let (Some(page_param), Some(size_param)) =
                (param(&page_name.name), param(&pagination.size.name))
            else {
                return quote! {};
            };
            let page_ident = ident(&naming::field_name(&page_param.wire));
            let size_ident = ident(&naming::field_name(&size_param.wire));
            let int = match &page_param.shape {
                FieldShape::Type(TypeExpr::I32) => quote! { i32 },
                _ => quote! { i64 },
            };
            // Page numbers end on `has_more` false, an empty page, or a page shorter than
            // the size asked for.
            let last = has_more.as_ref().map(|(name, required)| {
                if *required {
                    quote! { !page.#name || }
                } else {
                    quote! { page.#name == Some(false) || }
                }
            });
            let size = if size_param.required {
                quote! { Some(self.#size_ident) }
            } else {
                quote! { self.#size_ident }
            };
            let current = if page_param.required {
                quote! { self.#page_ident }
            } else {
                quote! { self.#page_ident.unwrap_or(1) }
            };
            let assign = if page_param.required {
                quote! { next.#page_ident = following; }
            } else {
                quote! { next.#page_ident = Some(following); }
            };
            quote! {
                let returned = page.#items_ident.len();
                let short = #size.is_some_and(|size| usize::try_from(size).is_ok_and(|size| returned < size));
                if #last returned == 0 || short {
                    return None;
                }
                let following: #int = #current.checked_add(1)?;
                let mut next = self.clone();
                #assign
                Some(next)
            }
        }
        PagePosition::Cursor(cursor) => {
            let (Some(cursor_param), Some(next_field)) = (
                param(&cursor.name),
                pagination.next_cursor.as_ref().and_then(|n| field(&n.name)),
            ) else {
                return quote! {};
            };
            let cursor_ident = ident(&naming::field_name(&cursor_param.wire));
            let next_ident = ident(&naming::field_name(&next_field.wire));
            // Cursor pages end on an explicit `has_more: false`; absent means "follow the cursor".
            let stop = match &has_more {
                Some((name, true)) => quote! { if !page.#name { return None; } },
                Some((name, false)) => quote! { if page.#name == Some(false) { return None; } },
                None => quote! {},
            };
            let value = match &next_field.shape {
                FieldShape::Type(TypeExpr::String) => quote! { page.#next_ident.clone() },
                _ => quote! { page.#next_ident },
            };
            let take = if next_field.required {
                quote! { let cursor = #value; }
            } else {
                quote! { let cursor = #value?; }
            };
            let empty = match &next_field.shape {
                FieldShape::Type(TypeExpr::String) => quote! {
                    if cursor.is_empty() {
                        return None;
                    }
                },
                _ => quote! {},
            };
            let (unchanged, assign) = if cursor_param.required {
                (
                    quote! { self.#cursor_ident == cursor },
                    quote! { next.#cursor_ident = cursor; },
                )
            } else {
                (
                    quote! { self.#cursor_ident.as_ref() == Some(&cursor) },
                    quote! { next.#cursor_ident = Some(cursor); },
                )
            };
            quote! {
                #stop
                #take
                #empty
                if #unchanged {
                    return None;
                }
                let mut next = self.clone();
                #assign
                Some(next)
            }
        }
    };
    // The walk's page size: unset -> the documented maximum, larger -> lowered to it.
    let walk = match (pagination.max_size, param(&pagination.size.name)) {
        (Some(max), Some(size)) => {
            let size_ident = ident(&naming::field_name(&size.wire));
            let max = proc_macro2::Literal::u32_unsuffixed(max);
            // A size of 0 (or less) is never sent: DingTalk would refuse it or page forever.
            let set = if size.required {
                quote! { self.#size_ident = self.#size_ident.clamp(1, #max); }
            } else {
                quote! { self.#size_ident = Some(self.#size_ident.map_or(#max, |size| size.clamp(1, #max))); }
            };
            // An offset walk starts at 0 explicitly: some endpoints page only when both the
            // offset and the size are sent.
            let start = match &pagination.position {
                PagePosition::Offset(offset) => match param(&offset.name) {
                    Some(p) if !p.required => {
                        let offset_ident = ident(&naming::field_name(&p.wire));
                        quote! { self.#offset_ident = Some(self.#offset_ident.unwrap_or(0)); }
                    }
                    _ => quote! {},
                },
                // Page numbers start at 1.
                PagePosition::Page(page) => match param(&page.name) {
                    Some(p) if !p.required => {
                        let page_ident = ident(&naming::field_name(&p.wire));
                        quote! { self.#page_ident = Some(self.#page_ident.unwrap_or(1)); }
                    }
                    _ => quote! {},
                },
                PagePosition::Cursor(_) => quote! {},
            };
            quote! {
                const MAX_PAGE_SIZE: Option<u32> = Some(#max);

                fn with_walk_page_size(mut self) -> Self {
                    #set
                    #start
                    self
                }
            }
        }
        _ => quote! {},
    };
    quote! {
        impl crate::paging::Paginated for #request {
            type Item = #item;
            #walk

            fn next_page(&self, page: &#output) -> Option<Self> {
                #body
            }

            fn into_items(page: #output) -> Vec<#item> {
                page.#items_ident
            }
        }
    }
}

/// Where a paginated request starts when the caller names no page: the first page (offset
/// and cursor 0, page 1) and the documented maximum size, so `new()` asks for neither.
/// Only required integer parameters get one (an optional one is simply not sent).
fn first_page(endpoint: &Endpoint) -> Vec<(&str, TokenStream)> {
    let Some(pagination) = &endpoint.pagination else {
        return Vec::new();
    };
    let integer = |wire: &str| {
        endpoint.params.iter().find(|p| {
            p.wire == wire
                && p.required
                && matches!(p.shape, FieldShape::Type(TypeExpr::I32 | TypeExpr::I64))
        })
    };
    let mut starts = Vec::new();
    let (position, first) = match &pagination.position {
        PagePosition::Offset(name) | PagePosition::Cursor(name) => (name, 0),
        PagePosition::Page(name) => (name, 1),
    };
    if let Some(param) = integer(&position.name) {
        let value = proc_macro2::Literal::i64_unsuffixed(first);
        starts.push((param.wire.as_str(), quote! { #value }));
    }
    if let (Some(max), Some(param)) = (pagination.max_size, integer(&pagination.size.name)) {
        let value = proc_macro2::Literal::u32_unsuffixed(max);
        starts.push((param.wire.as_str(), quote! { #value }));
    }
    starts
}

fn spec_const(file: &SpecFile, endpoint: &Endpoint) -> TokenStream {
    let name = format!("{}.{}", file.module.join("."), endpoint.name);
    let path = &endpoint.path;
    let method = match endpoint.method {
        Method::Get => quote! { Get },
        Method::Post => quote! { Post },
        Method::Put => quote! { Put },
        Method::Patch => quote! { Patch },
        Method::Delete => quote! { Delete },
    };
    let style = match file.style {
        Style::Classic => quote! { Classic },
        Style::V1 => quote! { V1 },
    };
    let payload = match payload_kind(endpoint) {
        PayloadKind::Binary => quote! { Binary },
        PayloadKind::Nothing => quote! { Nothing },
        PayloadKind::ResultField => quote! { ResultField },
        PayloadKind::TopLevel => quote! { TopLevel },
    };
    let idempotent = endpoint.idempotent;
    // An answer with a secret field (a token, a ticket) is never quoted in an error.
    let secret_answer = match endpoint.response.as_ref().map(|r| &r.shape) {
        Some(ResponseShape::Fields(fields)) => has_secret(fields),
        _ => false,
    };
    let auth = match endpoint.auth {
        Auth::Token => quote! { Token },
        Auth::UserToken => quote! { UserToken },
        Auth::SuiteToken => quote! { SuiteToken },
        Auth::SuiteSignature => quote! { SuiteSignature },
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
            secret_answer: #secret_answer,
        }
    }
}

/// Where the typed answer sits in the response body (`Payload` in the runtime).
enum PayloadKind {
    TopLevel,
    ResultField,
    Nothing,
    Binary,
}

fn payload_kind(endpoint: &Endpoint) -> PayloadKind {
    let shape = endpoint.response.as_ref().map(|r| &r.shape);
    match (endpoint.envelope, shape) {
        (_, Some(ResponseShape::Binary)) => PayloadKind::Binary,
        (_, None | Some(ResponseShape::Empty)) => PayloadKind::Nothing,
        (Some(Envelope::Result), _) => PayloadKind::ResultField,
        _ => PayloadKind::TopLevel,
    }
}

/// True if any field, or any field of an inline object, is `secret`.
fn has_secret(fields: &[Field]) -> bool {
    fields.iter().any(|field| {
        field.secret || matches!(&field.shape, FieldShape::Object(inner) if has_secret(inner))
    })
}

/// The Rust type of what `endpoint` returns.
fn output_of(emitter: &Emitter<'_>, endpoint: &Endpoint) -> TokenStream {
    match endpoint.response.as_ref().map(|r| &r.shape) {
        None | Some(ResponseShape::Empty) => quote! { () },
        Some(ResponseShape::Binary) => quote! { Vec<u8> },
        Some(ResponseShape::Type(ty)) => emitter.rust_type(ty),
        Some(ResponseShape::Fields(_)) => {
            let id = ident(&format!("{}Response", naming::type_name(&endpoint.name)));
            quote! { #id }
        }
    }
}

/// A `waiters:` entry as a method next to the endpoint's: the first call, the polling loop
/// of `crate::waiter` with the spec's `until` as its test, and the optional final call.
fn waiter_method(
    emitter: &Emitter<'_>,
    file: &SpecFile,
    endpoint: &Endpoint,
    waiter: &Waiter,
    request_ident: &syn::Ident,
    output: &TokenStream,
) -> TokenStream {
    let by_name = |name: &str| file.endpoints.iter().find(|e| e.name == name);
    let (Some(poll), result) = (
        by_name(&waiter.poll.name),
        waiter.result.as_ref().and_then(|r| by_name(&r.name)),
    ) else {
        return quote! {};
    };
    let answer_fields: &[Field] = match endpoint.response.as_ref().map(|r| &r.shape) {
        Some(ResponseShape::Fields(fields)) => fields,
        _ => &[],
    };
    // Builds the request of `target` from the first call's request and answer.
    let build = |target: &Endpoint, var: &syn::Ident| {
        // Numbers and flags are `Copy`; text is cloned.
        let copied = |field: &Field, value: TokenStream| match field.shape {
            FieldShape::Type(TypeExpr::String) => quote! { #value.clone() },
            _ => value,
        };
        let value = |param: &Field| {
            let arg = waiter.with.iter().find(|a| a.param.name == param.wire)?;
            let (source, plain) = match &arg.from {
                WaitSource::Request(name) => {
                    let field = endpoint.params.iter().find(|p| &p.wire == name)?;
                    let id = ident(&naming::field_name(name));
                    (
                        copied(field, quote! { request.#id }),
                        crate::validate::plain_in_rust(field),
                    )
                }
                WaitSource::Answer(name) => {
                    let field = answer_fields.iter().find(|f| &f.wire == name)?;
                    let id = ident(&naming::field_name(name));
                    (copied(field, quote! { first.#id }), field.required)
                }
            };
            Some((source, plain))
        };
        let type_ident = ident(&format!("{}Request", naming::type_name(&target.name)));
        let mut args = Vec::new();
        let mut sets = Vec::new();
        for param in &target.params {
            let Some((source, plain)) = value(param) else {
                continue;
            };
            let id = ident(&naming::field_name(&param.wire));
            if crate::validate::plain_in_rust(param) {
                args.push(source);
            } else if plain {
                sets.push(quote! { #var.#id = Some(#source); });
            } else {
                sets.push(quote! { #var.#id = #source; });
            }
        }
        let mutable = if sets.is_empty() {
            quote! {}
        } else {
            quote! { mut }
        };
        quote! {
            let #mutable #var = #type_ident::new(#(#args),*);
            #(#sets)*
        }
    };
    let poll_var = ident("poll");
    let build_poll = build(poll, &poll_var);
    let poll_output = output_of(emitter, poll);
    let until = until_test(emitter, poll, waiter);
    let method = ident(&waiter.name);
    let poll_name = format!("{}Request", naming::type_name(&poll.name));
    let first_name = request_ident.to_string();
    let until_text = waiter
        .equals
        .iter()
        .map(|value| match value {
            WaitValue::Int(n) => n.to_string(),
            WaitValue::Bool(b) => b.to_string(),
            WaitValue::Text(t) => format!("{t:?}"),
        })
        .collect::<Vec<_>>()
        .join("` or `");
    // With a final call, the last poll's answer only said "done".
    let polled = if result.is_some() {
        quote! { _ }
    } else {
        quote! { last }
    };
    let (last_output, finish, finish_text) = match result {
        Some(result) => {
            let var = ident("last");
            let build_last = build(result, &var);
            let name = format!("{}Request", naming::type_name(&result.name));
            (
                output_of(emitter, result),
                quote! {
                    #build_last
                    let last = self.client.send_with(last, self.options.clone()).await?;
                },
                format!(", then sends [`{name}`] and returns its answer"),
            )
        }
        None => (
            poll_output.clone(),
            quote! {},
            ", and returns that last answer".to_string(),
        ),
    };
    let doc = doc_attrs(&paragraphs(&[
        &waiter.doc,
        &format!(
            "Sends [`{first_name}`], then polls [`{poll_name}`] (waiting as `wait` says) until `{}` is {}`{until_text}`{finish_text}. A poll that fails ends the wait with its error; a wait that runs out is [`Error::Timeout`](crate::Error::Timeout).",
            waiter.until.name,
            if waiter.negated { "no longer " } else { "" }
        ),
    ]));
    quote! {
        #doc
        pub async fn #method(
            &self,
            request: #request_ident,
            wait: crate::waiter::Wait,
        ) -> Result<crate::waiter::Waited<#output, #last_output>, crate::Error> {
            let first = self.client.send_with(request.clone(), self.options.clone()).await?;
            #build_poll
            let (polls, #polled) = crate::waiter::poll_until(
                self.client,
                poll,
                &wait,
                |answer: &#poll_output| #until,
            )
            .await?;
            #finish
            Ok(crate::waiter::Waited { first, last, polls })
        }
    }
}

/// The test of a waiter's `until` on the polled answer (`answer`): the dotted path through
/// optional fields, compared with the spec's value.
fn until_test(emitter: &Emitter<'_>, poll: &Endpoint, waiter: &Waiter) -> TokenStream {
    let fields: &[Field] = match poll.response.as_ref().map(|r| &r.shape) {
        Some(ResponseShape::Fields(fields)) => fields,
        _ => &[],
    };
    // The spec check has accepted the path; a path that leads nowhere tests nothing.
    let Ok(path) = crate::validate::field_path(fields, &waiter.until.name, |name| {
        emitter.resolved.types.get(name)
    }) else {
        return quote! { false };
    };
    let mut value: Option<TokenStream> = None;
    for field in &path {
        let id = ident(&naming::field_name(&field.wire));
        value = Some(match (value, field.required) {
            (None, true) => quote! { Some(&answer.#id) },
            (None, false) => quote! { answer.#id.as_ref() },
            (Some(v), true) => quote! { #v.map(|v| &v.#id) },
            (Some(v), false) => quote! { #v.and_then(|v| v.#id.as_ref()) },
        });
    }
    let (Some(value), Some(last)) = (value, path.last()) else {
        return quote! { false };
    };
    // Named codes (the field's own `values:` or a type of them) are compared by code; text
    // and string enums by their wire text (`as_str`).
    let coded = !last.values.is_empty()
        || matches!(&last.shape, FieldShape::Type(TypeExpr::Named(name, _))
            if matches!(emitter.resolved.types.get(name).map(|d| &d.kind), Some(TypeDefKind::Codes(_))));
    // `not_equals` tests each value with `!=` and joins them with `&&` (no `!(..)` to undo).
    let op = if waiter.negated {
        quote! { != }
    } else {
        quote! { == }
    };
    let tests: Vec<TokenStream> = waiter
        .equals
        .iter()
        .map(|equals| match equals {
            WaitValue::Int(n) if coded => {
                let n = proc_macro2::Literal::i64_unsuffixed(*n);
                quote! { v.code() #op #n }
            }
            WaitValue::Int(n) => {
                let n = proc_macro2::Literal::i64_unsuffixed(*n);
                quote! { *v #op #n }
            }
            WaitValue::Bool(b) => quote! { *v #op #b },
            WaitValue::Text(t) => quote! { v.as_str() #op #t },
        })
        .collect();
    if waiter.negated {
        quote! { #value.is_some_and(|v| #(#tests)&&*) }
    } else {
        quote! { #value.is_some_and(|v| #(#tests)||*) }
    }
}

/// `endpoint` with its client-defaulted parameters optional, their docs saying where an
/// unset value comes from.
fn client_defaults_optional(endpoint: &Endpoint) -> Endpoint {
    let mut endpoint = endpoint.clone();
    for param in &mut endpoint.params {
        if let Some(default) = param.client_default {
            param.required = false;
            let from = match default {
                ClientDefault::AgentId => "`ClientBuilder::agent_id`",
            };
            param.doc = format!(
                "{} Unset: the client's default ({from}); a call with neither is refused before anything is sent.",
                param.doc.trim_end()
            );
        }
    }
    endpoint
}

/// `Endpoint::fill_client_defaults` for a request with client-defaulted parameters.
fn fill_client_defaults(endpoint: &Endpoint) -> TokenStream {
    let fills: Vec<TokenStream> = endpoint
        .params
        .iter()
        .filter_map(|param| {
            let default = param.client_default?;
            let name = naming::field_name(&param.wire);
            let field = ident(&name);
            let source = match default {
                ClientDefault::AgentId => quote! { defaults.agent_id },
            };
            let setting = default.key();
            Some(quote! {
                if self.#field.is_none() {
                    self.#field = #source;
                }
                if self.#field.is_none() {
                    return Err(crate::endpoint::MissingDefault { param: #name, setting: #setting });
                }
            })
        })
        .collect();
    if fills.is_empty() {
        return quote! {};
    }
    quote! {
        fn fill_client_defaults(
            &mut self,
            defaults: &crate::endpoint::ClientDefaults,
        ) -> Result<(), crate::endpoint::MissingDefault> {
            #(#fills)*
            Ok(())
        }
    }
}

/// The request's fields: the spec's parameters, after the user's token for `auth: user_token`
/// (a field of the request, so a call cannot be made without one; never serialised).
fn request_params(endpoint: &Endpoint) -> std::borrow::Cow<'_, [Field]> {
    if endpoint.auth != Auth::UserToken {
        return std::borrow::Cow::Borrowed(&endpoint.params);
    }
    let token = Field {
        wire: "user_token".to_string(),
        span: endpoint.span.clone(),
        shape: FieldShape::Type(TypeExpr::UserToken),
        required: true,
        doc: "The user's access token (from `oauth2().user_access_token(..)`): this call acts as that user, and the app token cannot be used for it.".to_string(),
        location: None,
        encoding: None,
        aliases: Vec::new(),
        secret: true,
        flatten: false,
        client_default: None,
        values: Vec::new(),
        example: None,
    };
    let mut params = vec![token];
    params.extend(endpoint.params.iter().cloned());
    std::borrow::Cow::Owned(params)
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
    let pushes = text_pushes(fields, &target);
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
