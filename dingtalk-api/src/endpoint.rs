//! The one trait every generated request implements, and the facts about an endpoint that
//! the runtime needs. The runtime never knows a particular endpoint; it reads these.

use std::borrow::Cow;

use serde::de::DeserializeOwned;

use crate::wire::{Multipart, TextParams};

/// Client-wide values for request parameters a request leaves unset (see
/// [`ClientBuilder::agent_id`](crate::ClientBuilder::agent_id)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientDefaults {
    /// The app's agent id.
    pub agent_id: Option<i64>,
}

/// A parameter that neither the request nor the client's defaults set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingDefault {
    /// The request's field (`agent_id`, `agentid`).
    pub param: &'static str,
    /// The [`ClientBuilder`](crate::ClientBuilder) method that would set it (`agent_id`).
    pub setting: &'static str,
}

/// A request to one DingTalk endpoint. Generated for every endpoint in `api-spec/`.
///
/// Send it with [`Client::send`](crate::Client::send) or through the area accessors
/// (`client.contact().user().get_v2(..)`).
///
/// # Implementing it by hand
///
/// Every endpoint of `api-spec/` is generated. A call the spec does not describe yet can go
/// through the same client (token, retries, error mapping, bounds) by implementing this
/// trait; the defaults cover everything but the facts and the body. Better still, add the
/// endpoint to the spec, so that its types, its fake route and its tests come with it.
///
/// ```no_run
/// use dingtalk_api::endpoint::{Auth, Endpoint, EndpointSpec, Method, Payload, Style};
///
/// #[derive(serde::Serialize)]
/// struct CountMembers {
///     dept_id: i64,
/// }
///
/// #[derive(Debug, serde::Deserialize)]
/// struct MemberCount {
///     count: i64,
/// }
///
/// impl Endpoint for CountMembers {
///     type Output = MemberCount;
///     const SPEC: EndpointSpec = EndpointSpec {
///         name: "custom.count_members",
///         method: Method::Post,
///         path: "/topapi/custom/member/count",
///         style: Style::Classic,
///         payload: Payload::ResultField,
///         idempotent: true,
///         auth: Auth::Token,
///         secret_answer: false,
///     };
///
///     fn write_body(&self, body: &mut Vec<u8>) -> Result<(), serde_json::Error> {
///         serde_json::to_writer(body, self)
///     }
/// }
///
/// # async fn demo(client: dingtalk_api::Client) -> Result<(), dingtalk_api::Error> {
/// let members = client.send(CountMembers { dept_id: 1 }).await?;
/// println!("{} members", members.count);
/// # Ok(())
/// # }
/// ```
pub trait Endpoint {
    /// What a successful call returns.
    type Output: DeserializeOwned + Send;

    /// Facts from the spec: path, method, envelope, idempotency.
    const SPEC: EndpointSpec;

    /// The path, with `{placeholders}` filled in (v1 style only).
    fn path(&self) -> Cow<'static, str> {
        Cow::Borrowed(Self::SPEC.path)
    }

    /// Query parameters (the access token is added by the client).
    fn write_query(&self, query: &mut TextParams) {
        let _ = query;
    }

    /// Request headers (v1 style).
    fn write_headers(&self, headers: &mut TextParams) {
        let _ = headers;
    }

    /// The user's token, for endpoints declared `auth: user_token` (it is a field of their
    /// request, so they cannot be called without one).
    fn user_token(&self) -> Option<&crate::UserToken> {
        None
    }

    /// Fills the parameters the client supplies when the request leaves them unset
    /// (`client_default` in the spec, e.g. the agent id of `ClientBuilder::agent_id`);
    /// `Err` names one that neither set, and the call is refused before it is sent.
    fn fill_client_defaults(&mut self, defaults: &ClientDefaults) -> Result<(), MissingDefault> {
        let _ = defaults;
        Ok(())
    }

    /// True for uploads: the body is `multipart/form-data` written by `write_multipart`.
    const MULTIPART: bool = false;

    /// The parts of a multipart body (uploads).
    fn write_multipart(&self, form: &mut Multipart) {
        let _ = form;
    }

    /// The JSON body, for POST endpoints.
    fn write_body(&self, body: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        let _ = body;
        Ok(())
    }

    /// Reads the payload value (the `result` member, or the whole answer). Overridden for
    /// payloads that are plain values (leniently: `"true"`, `null`) or lists of objects
    /// (`null` is empty).
    #[doc(hidden)]
    fn read_payload<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self::Output, D::Error>
    where
        Self: Sized,
    {
        <Self::Output as serde::Deserialize<'de>>::deserialize(d)
    }

    /// Decodes a successful answer's payload (its status already checked).
    #[doc(hidden)]
    fn decode_output(http_status: u16, body: &[u8]) -> Result<Self::Output, crate::Error>
    where
        Self: Sized,
    {
        crate::decode::payload::<Self>(http_status, body)
    }

    /// Decodes a whole answer: the status (an error here is DingTalk's or the transport's,
    /// judged for retries), then the payload. Generated endpoints read a plain success in
    /// one pass; this default checks the status, then calls
    /// [`decode_output`](Self::decode_output).
    #[doc(hidden)]
    fn decode_answer(
        answer: crate::decode::Answer<'_>,
    ) -> Result<crate::decode::Decoded<Self::Output>, crate::Error>
    where
        Self: Sized,
    {
        crate::decode::checked::<Self>(answer)
    }
}

/// Static facts about an endpoint, from its spec file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointSpec {
    /// `area.module.endpoint`, e.g. `contact.user.get_v2`; used in logs and errors.
    pub name: &'static str,
    pub method: Method,
    pub path: &'static str,
    pub style: Style,
    pub payload: Payload,
    /// True if repeating the call is harmless (reads). Sends and writes are `false`.
    pub idempotent: bool,
    pub auth: Auth,
    /// The answer holds a secret (a token, a ticket): errors never quote its body.
    pub secret_answer: bool,
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
    /// True if requests of this method carry a body.
    pub fn has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Patch)
    }
}

/// Which generation of the DingTalk API the endpoint belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `oapi.dingtalk.com`: `?access_token=`, `errcode` envelope.
    Classic,
    /// `api.dingtalk.com/v1.0`: `x-acs-dingtalk-access-token` header, HTTP status errors.
    V1,
}

/// Where the typed answer sits in the response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// The whole JSON object (next to `errcode`/`errmsg`).
    TopLevel,
    /// The `result` member (most `/topapi/` endpoints).
    ResultField,
    /// Nothing beyond success.
    Nothing,
    /// The body is a file (downloads); a JSON body is DingTalk's `errcode` answer instead.
    Binary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// The app access token is attached (fetched and cached by the client).
    Token,
    /// The user's own OAuth2 token, given in the request ([`Endpoint::user_token`]).
    UserToken,
    /// The suite token of a third-party (ISV) app: the `suite_access_token` query parameter
    /// (classic) or the token header (v1). Only clients of an
    /// [`IsvClient`](crate::suite::IsvClient) have one.
    SuiteToken,
    /// The ISV suite's signature, computed per attempt into the query (`accessKey`,
    /// `timestamp`, `suiteTicket`, `signature`). Only clients of an `IsvClient` can sign.
    SuiteSignature,
    /// No token (e.g. `gettoken` itself).
    None,
}
