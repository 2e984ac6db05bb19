//! Receiving DingTalk's HTTP callbacks with plain hyper: the framework-agnostic
//! `CallbackHandler` takes the query string and the body, and gives back the typed event and
//! the encrypted reply. `check_url` (sent when the URL is registered) is answered the same way.
//!
//! ```sh
//! DINGTALK_CALLBACK_TOKEN=... DINGTALK_CALLBACK_AES_KEY=... DINGTALK_CALLBACK_OWNER=<corp id or app key> \
//!     cargo run -p dingtalk-api --example callback_hyper --features events
//! ```

use std::convert::Infallible;
use std::sync::Arc;

use dingtalk_api::events::{CallbackCrypto, CallbackHandler, Event};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

/// DingTalk's pushes are small; a larger body is refused before it is read.
const MAX_BODY: usize = 1024 * 1024;

async fn callback(
    handler: Arc<CallbackHandler>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let query = request.uri().query().unwrap_or_default().to_string();
    let Ok(body) = Limited::new(request.into_body(), MAX_BODY).collect().await else {
        return Ok(answer(StatusCode::PAYLOAD_TOO_LARGE, "body too large"));
    };
    match handler.handle(&query, &body.to_bytes()) {
        Ok(callback) => {
            match &callback.received.event {
                Event::UserAddOrg(added) => println!("users joined: {:?}", added.user_id),
                event if event.is_check_url() => println!("URL check answered"),
                other => println!("{}: {other:?}", callback.received.meta.event_type),
            }
            // Answer only once the event is safely handled: without the reply DingTalk
            // pushes it again.
            Ok(answer(StatusCode::OK, callback.reply))
        }
        Err(err) => {
            eprintln!("refused a callback: {err}");
            Ok(answer(StatusCode::BAD_REQUEST, "refused"))
        }
    }
}

fn answer(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let crypto = CallbackCrypto::new(
        env("DINGTALK_CALLBACK_TOKEN")?,
        &env("DINGTALK_CALLBACK_AES_KEY")?,
        env("DINGTALK_CALLBACK_OWNER")?,
    )?;
    let handler = Arc::new(
        CallbackHandler::new(crypto).replay_protection(std::time::Duration::from_secs(300), 10_000),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    println!("listening on http://127.0.0.1:8080");
    loop {
        let (socket, _) = listener.accept().await?;
        let handler = handler.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |request| callback(handler.clone(), request));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(socket), service)
                .await;
        });
    }
}
