//! The spec as loaded from YAML: what the maintainer wrote, with positions, before any Rust
//! naming decisions.

use crate::diag::Span;

/// The whole spec: every file plus the error-code list and the events.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    pub files: Vec<SpecFile>,
    pub errors: Option<ErrorList>,
    /// Every event of the `events/` files, in file order.
    pub events: Vec<EventDef>,
    /// Every callback payload of the `events/` files (robot messages, card actions): pushed
    /// like events, but on a topic of their own and answered by the app.
    pub callbacks: Vec<EventDef>,
    /// Introductions of the folders of the spec (`areas.yaml`): a folder has no file whose
    /// `doc` could introduce it.
    pub area_docs: Vec<AreaDoc>,
}

/// The introduction of a folder module (`contact`, `message`), from `areas.yaml`.
#[derive(Debug, Clone)]
pub struct AreaDoc {
    /// The folder's path, `/`-separated (`contact`, `robot`).
    pub folder: String,
    pub span: Span,
    pub doc: String,
}

/// One event DingTalk pushes (`user_add_org`), declared in an `events/*.yaml` file.
#[derive(Debug, Clone)]
pub struct EventDef {
    /// The event type as DingTalk names it (`EventType` / the `eventType` header).
    pub name: String,
    pub span: Span,
    /// `api-spec/events/contact.yaml`.
    pub display_path: String,
    pub summary: String,
    pub doc: String,
    pub doc_url: String,
    /// The payload: the fields of Stream's `data`, which HTTP pushes flatten next to
    /// `EventType`. Key spellings that differ per channel are `aliases`.
    pub fields: Vec<Field>,
    pub channels: Vec<EventChannel>,
    /// A payload example (Stream `data`), checked against `fields`.
    pub example: Option<Example>,
    /// Callbacks only: the Stream topic they arrive on (`/v1.0/im/bot/messages/get`).
    pub topic: Option<String>,
}

/// A way DingTalk delivers events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventChannel {
    /// Stream mode: a WebSocket frame with header `eventType` and the payload in `data`.
    Stream,
    /// HTTP push: an encrypted POST whose JSON has `EventType` and the payload at top level.
    Http,
}

/// One `api-spec/<area>/<name>.yaml` file; becomes one Rust module.
#[derive(Debug, Clone)]
pub struct SpecFile {
    /// Path as shown in messages, e.g. `api-spec/contact/user.yaml`.
    pub display_path: String,
    /// Module path, e.g. `["contact", "user"]`.
    pub module: Vec<String>,
    pub doc: String,
    pub style: Style,
    pub types: Vec<TypeDef>,
    pub endpoints: Vec<Endpoint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `oapi.dingtalk.com`: token in the query, `errcode` envelope.
    Classic,
    /// `api.dingtalk.com/v1.0`: token in a header, HTTP status errors.
    V1,
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    pub span: Span,
    pub doc: String,
    pub kind: TypeDefKind,
}

#[derive(Debug, Clone)]
pub enum TypeDefKind {
    Struct(Vec<Field>),
    Enum(Vec<EnumValue>),
    /// Named integer codes (`values:`), shared by the fields that name the type: an enum in
    /// Rust that keeps unknown codes, the number on the wire.
    Codes(Vec<IntValue>),
    Union(Union),
}

#[derive(Debug, Clone)]
pub struct EnumValue {
    pub wire: String,
    /// Rust variant name given in the spec, when the wire value makes a poor one (`"0"`).
    pub name: Option<String>,
    pub doc: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Union {
    /// The tag field (`msgtype`); `None` for an untagged union.
    pub tag: Option<String>,
    /// Where the content goes in a keyed union (`msgParam`: `{"msgKey": "sampleText",
    /// "msgParam": {...}}`); `None` puts it under a key equal to the tag value.
    pub content: Option<String>,
    /// How the content is written under `content` (`json_string`: as JSON text).
    pub content_encoding: Option<Encoding>,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub wire: String,
    pub span: Span,
    pub ty: TypeExpr,
    pub doc: String,
    /// Rust variant name given in the spec, when the wire value makes a poor one.
    pub name: Option<String>,
}

/// A parameter, a response field or a field of a named struct.
#[derive(Debug, Clone)]
pub struct Field {
    pub wire: String,
    pub span: Span,
    pub shape: FieldShape,
    pub required: bool,
    pub doc: String,
    pub location: Option<Location>,
    pub encoding: Option<Encoding>,
    pub aliases: Vec<String>,
    /// A credential or token: never shown by `Debug`.
    pub secret: bool,
    /// A body parameter whose own fields go into the body next to the others.
    pub flatten: bool,
    /// A parameter the client fills when the request leaves it unset (`client_default:`).
    pub client_default: Option<ClientDefault>,
    /// Names of the integer codes of an `i32`/`i64` field (`values:`): an enum in Rust that
    /// keeps unknown codes, the number on the wire.
    pub values: Vec<IntValue>,
    /// A parameter's `example:`, as the Rust source its usage example passes (`"manager4220"`,
    /// `[2, 3]`); checked against the type when loading.
    pub example: Option<String>,
}

/// One named integer code of a `values:` field.
#[derive(Debug, Clone)]
pub struct IntValue {
    pub name: String,
    pub code: i64,
    pub span: Span,
}

/// Client-wide values a request parameter can default to (`ClientBuilder` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientDefault {
    /// `ClientBuilder::agent_id`: the app's agent id, which work notices and other
    /// app-scoped calls name.
    AgentId,
}

impl ClientDefault {
    /// The spec's spelling.
    pub fn key(self) -> &'static str {
        match self {
            ClientDefault::AgentId => "agent_id",
        }
    }
}

#[derive(Debug, Clone)]
pub enum FieldShape {
    Type(TypeExpr),
    Object(Vec<Field>),
    Enum(Vec<EnumValue>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeExpr {
    String,
    Bool,
    I32,
    I64,
    F64,
    Json,
    /// A file part of a multipart upload (`in: multipart` parameters only).
    File,
    /// A user's OAuth2 access token (text on the wire; `dingtalk_api::UserToken` in Rust).
    UserToken,
    List(Box<TypeExpr>),
    Map(Box<TypeExpr>),
    Named(String, Span),
}

impl TypeExpr {
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            TypeExpr::String | TypeExpr::Bool | TypeExpr::I32 | TypeExpr::I64 | TypeExpr::F64
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Query,
    Body,
    Path,
    Header,
    /// A part of a `multipart/form-data` body (file uploads).
    Multipart,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A number or bool sent as a JSON string.
    String,
    /// A JSON document sent inside a string.
    JsonString,
    /// A list joined with `,`.
    Csv,
    /// A list joined with `|`.
    Pipe,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// True if requests of this method carry a body (GET and DELETE do not).
    pub fn has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Patch)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    Flat,
    Result,
    FlatWithRequestId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// The app access token, attached by the client.
    Token,
    /// A user's OAuth2 token, given with each request (`dingtalk_api::UserToken`).
    UserToken,
    /// The suite token of a third-party (ISV) app, attached by the client: the query
    /// parameter `suite_access_token` (classic) or the token header (v1).
    SuiteToken,
    /// A per-attempt signature of the ISV suite in the query (`accessKey`, `timestamp`,
    /// `suiteTicket`, `signature`), attached by the client (classic only).
    SuiteSignature,
    None,
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub name: String,
    pub span: Span,
    pub summary: String,
    pub doc: String,
    pub doc_url: String,
    pub method: Method,
    pub path: String,
    pub path_span: Span,
    pub envelope: Option<Envelope>,
    pub idempotent: bool,
    pub auth: Auth,
    pub params: Vec<Field>,
    pub response: Option<Response>,
    pub pagination: Option<Pagination>,
    /// Generated workflows that start with this endpoint (`waiters:`).
    pub waiters: Vec<Waiter>,
}

/// A workflow (`waiters:` of an endpoint): call the endpoint, poll another endpoint of the same
/// file until a field of its answer has a value, and optionally finish with a third call.
#[derive(Debug, Clone)]
pub struct Waiter {
    /// The generated method's name (`send_and_wait`).
    pub name: String,
    pub span: Span,
    pub doc: String,
    /// The endpoint polled.
    pub poll: Named,
    /// The parameters of the polled (and final) request, from the first call.
    pub with: Vec<WaitArg>,
    /// The dotted path of the polled answer's field that says the work is done.
    pub until: Named,
    /// The values that end the wait (any of them: a task may end in several states), or with
    /// `negated` (`not_equals:`) the values that keep it going (the task is done in any
    /// other state, including one this crate does not know).
    pub equals: Vec<WaitValue>,
    pub negated: bool,
    /// The endpoint called once the work is done, with the same `with`.
    pub result: Option<Named>,
}

/// One parameter of a waiter's polled request and where its value comes from.
#[derive(Debug, Clone)]
pub struct WaitArg {
    pub param: Named,
    pub from: WaitSource,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum WaitSource {
    /// A parameter of the first call's request.
    Request(String),
    /// A top-level field of the first call's answer.
    Answer(String),
}

/// The value a waiter's `until` field must have.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitValue {
    Int(i64),
    Bool(bool),
    Text(String),
}

#[derive(Debug, Clone)]
pub struct Response {
    pub span: Span,
    pub shape: ResponseShape,
    pub example: Option<Example>,
}

#[derive(Debug, Clone)]
pub enum ResponseShape {
    /// Nothing but success (the response may still hold an `example`).
    Empty,
    Fields(Vec<Field>),
    Type(TypeExpr),
    /// The answer is the file itself (downloads); errors still come as `errcode` JSON.
    Binary,
}

#[derive(Debug, Clone)]
pub struct Example {
    pub json: String,
    /// Where the scalar's content starts (a block scalar: its first content character).
    pub span: Span,
    /// A block scalar (`example: |`): content line N is file line `span.line + N - 1`, at
    /// the block's indentation.
    pub block: bool,
    /// For a flow scalar: the file line and column of each content character (empty when
    /// unknown; positions then fall back to `span`).
    pub positions: Vec<(usize, usize)>,
}

impl Example {
    /// The file position of a position inside the example's JSON text.
    pub fn locate(&self, line: usize, col: usize, index: usize) -> Span {
        if self.block {
            return Span {
                line: self.span.line + line.saturating_sub(1),
                col: self.span.col + col.saturating_sub(1),
                ..self.span.clone()
            };
        }
        let found = self.positions.get(index).or_else(|| {
            self.positions
                .last()
                .filter(|_| index >= self.positions.len())
        });
        match found {
            Some(&(line, col)) => Span {
                line,
                col,
                ..self.span.clone()
            },
            None => self.span.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Pagination {
    pub span: Span,
    pub position: PagePosition,
    pub size: Named,
    pub max_size: Option<u32>,
    pub has_more: Option<Named>,
    pub next_cursor: Option<Named>,
    pub items: Option<Named>,
}

#[derive(Debug, Clone)]
pub enum PagePosition {
    /// A 0-based item offset, advanced by the number of items returned.
    Offset(Named),
    /// An opaque cursor copied from the answer.
    Cursor(Named),
    /// A 1-based page number, advanced by one.
    Page(Named),
}

/// A wire name written in the spec, with where it was written.
#[derive(Debug, Clone)]
pub struct Named {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct ErrorList {
    pub display_path: String,
    pub doc: String,
    /// Classic numeric `errcode`s (`errors:`), then v1 string codes (`v1_errors:`).
    pub entries: Vec<ErrorEntry>,
}

/// What identifies an error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKey {
    /// A classic `errcode`.
    Classic(i64),
    /// A v1 `code` (`Forbidden.AccessDenied.QpsLimitForApi`), or with `code: None` any v1
    /// answer of one of `http` without a listed code. `http` lists the statuses it comes with.
    V1 {
        code: Option<String>,
        http: Vec<u16>,
    },
}

#[derive(Debug, Clone)]
pub struct ErrorEntry {
    pub key: ErrorKey,
    pub name: String,
    pub span: Span,
    pub meaning: String,
    pub category: ErrorCategory,
    pub retry: Retry,
    /// The least time to wait before retrying (`wait: 10m`, or `wait: qps_window`).
    pub wait: Option<RetryWait>,
    /// At most this many retries of a call that keeps getting this code (`max_retries: 3`).
    pub max_retries: Option<u32>,
    /// The real reason is in the answer's `sub_code` (errcode 88 and 15 wrap other codes).
    pub carries_sub_code: bool,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCategory {
    Token,
    Permission,
    RateLimit,
    NotFound,
    InvalidParam,
    System,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryWait {
    /// DingTalk's per-second QPS window (the client's `rate_limit_backoff`, 1 s by default).
    QpsWindow,
    /// At least this many milliseconds.
    Fixed(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    Never,
    Backoff,
    AfterTokenRefresh,
}
