//! `events.rs`: one payload struct per event of `api-spec/events/`, and the `Event` enum that
//! holds any of them — with fallbacks for event types the spec does not know and payloads
//! that do not match it, so reading an event never fails.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{doc_attrs, paragraphs};
use super::types::{Direction, Emitter, ident};
use crate::model::*;
use crate::naming;
use crate::validate::Resolved;

pub fn events(spec: &Spec, resolved: &Resolved) -> TokenStream {
    let module = vec!["events".to_string()];
    let mut emitter = Emitter {
        resolved,
        module: &module,
        extra: Vec::new(),
    };
    let mut items = Vec::new();
    let mut variants = Vec::new();
    let mut arms = Vec::new();
    let mut names = Vec::new();
    let mut debug_arms = Vec::new();
    let mut serialize_arms = Vec::new();
    for event in &spec.events {
        let rust = naming::type_name(&event.name);
        let type_ident = ident(&rust);
        let wire = &event.name;
        let channels = event
            .channels
            .iter()
            .map(|c| match c {
                EventChannel::Stream => "Stream",
                EventChannel::Http => "HTTP push",
            })
            .collect::<Vec<_>>()
            .join(", ");
        let doc = paragraphs(&[
            &format!("`{wire}`: {}", event.summary),
            &event.doc,
            &format!("Delivered by: {channels}."),
            &format!("[DingTalk documentation]({})", event.doc_url),
        ]);
        items.push(emitter.struct_item(
            &rust,
            &doc,
            &event.fields,
            Direction {
                ser: false,
                de: true,
                builder: false,
            },
            &[],
            &[],
        ));
        let variant_doc = doc_attrs(&format!("`{wire}`: {}", event.summary));
        variants.push(quote! { #variant_doc #type_ident(#type_ident), });
        arms.push(quote! {
            #wire => crate::events::decode_as(event_type, raw, Event::#type_ident),
        });
        names.push(quote! { Self::#type_ident(_) => #wire, });
        debug_arms.push(quote! {
            Self::#type_ident(payload) => f.debug_tuple(#rust).field(payload).finish(),
        });
        serialize_arms.push(quote! {
            Self::#type_ident(payload) => crate::events::serialize_typed(serializer, #wire, payload),
        });
    }
    for callback in &spec.callbacks {
        let rust = naming::type_name(&callback.name);
        let type_ident = ident(&rust);
        let topic = callback.topic.as_deref().unwrap_or_default();
        let doc = paragraphs(&[
            &format!("Callback `{topic}`: {}", callback.summary),
            &callback.doc,
            &format!("[DingTalk documentation]({})", callback.doc_url),
        ]);
        items.push(emitter.struct_item(
            &rust,
            &doc,
            &callback.fields,
            Direction {
                ser: false,
                de: true,
                builder: false,
            },
            &[],
            &[],
        ));
        items.push(quote! {
            impl #type_ident {
                /// The Stream topic this callback arrives on.
                pub const TOPIC: &'static str = #topic;
            }
        });
    }
    let extra = std::mem::take(&mut emitter.extra);
    let wires: Vec<&str> = spec.events.iter().map(|e| e.name.as_str()).collect();
    quote! {
        #(#items)*
        #(#extra)*

        /// An event DingTalk pushed, typed by its event type (`EventType` of an HTTP push,
        /// the `eventType` header of a Stream frame), from the spec's `events/` files.
        ///
        /// `Debug` shows an `Unknown` or `Invalid` payload's shape (its keys and size), not its
        /// values: an undecoded payload may hold a secret (a suite ticket, a permanent code).
        #[derive(Clone, PartialEq)]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant)] // received one at a time; boxing buys nothing
        pub enum Event {
            #(#variants)*
            /// An event type this version of the crate does not know, with its payload as it
            /// came.
            Unknown {
                event_type: String,
                raw: serde_json::Value,
            },
            /// A known event type whose payload does not match the spec, kept whole with the
            /// reason, so that nothing is lost.
            Invalid {
                event_type: String,
                raw: serde_json::Value,
                error: String,
            },
        }

        impl Event {
            /// Reads a payload by its event type. Never fails: see [`Event::Unknown`] and
            /// [`Event::Invalid`].
            pub fn from_payload(event_type: &str, raw: serde_json::Value) -> Event {
                match event_type {
                    #(#arms)*
                    _ => Event::Unknown {
                        event_type: event_type.to_string(),
                        raw,
                    },
                }
            }

            /// The event type as DingTalk names it (`user_add_org`).
            pub fn event_type(&self) -> &str {
                match self {
                    #(#names)*
                    Self::Unknown { event_type, .. } | Self::Invalid { event_type, .. } => {
                        event_type
                    }
                }
            }
        }

        impl std::fmt::Debug for Event {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    #(#debug_arms)*
                    Self::Unknown { event_type, raw } => f
                        .debug_struct("Unknown")
                        .field("event_type", event_type)
                        .field("raw", &crate::events::RawShape(raw))
                        .finish(),
                    Self::Invalid { event_type, raw, error } => f
                        .debug_struct("Invalid")
                        .field("event_type", event_type)
                        .field("raw", &crate::events::RawShape(raw))
                        .field("error", error)
                        .finish(),
                }
            }
        }

        /// With the `serialize` feature: `{"event_type": .., "payload": ..}`, the payload
        /// with its secrets redacted. An `Unknown` or `Invalid` payload is written as its shape
        /// (`"raw_shape"`), as `Debug` shows it, since nothing says which of its values are secret.
        #[cfg(feature = "serialize")]
        impl serde::Serialize for Event {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#serialize_arms)*
                    Self::Unknown { event_type, raw } => {
                        crate::events::serialize_unread(serializer, event_type, raw, None)
                    }
                    Self::Invalid { event_type, raw, error } => {
                        crate::events::serialize_unread(serializer, event_type, raw, Some(error))
                    }
                }
            }
        }

        /// Every event type the spec declares.
        pub static EVENT_TYPES: &[&str] = &[ #(#wires),* ];
    }
}
