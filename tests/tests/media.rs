//! Media upload (multipart) and download (a binary answer): on the wire with wiremock, and
//! through the fake DingTalk that stores uploads.

mod support;

use dingtalk_api::Error;
use dingtalk_api::media::{DownloadRequest, MediaType, UploadRequest};
use dingtalk_api::wire::FilePart;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

/// Bytes that look like an image and contain CR/LF and a would-be boundary.
fn picture() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(b"--dingtalk-api-0000000000005eed\r\n");
    bytes.extend((0..=255u8).cycle().take(4096));
    bytes
}

#[tokio::test]
async fn upload_sends_a_multipart_body_and_decodes_the_example() {
    let support::Harness { server, client } = support::harness().await;
    Mock::given(method("POST"))
        .and(path("/media/upload"))
        .and(query_param("access_token", support::TOKEN))
        .respond_with(support::example_response("media", "upload"))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client
        .media()
        .upload(UploadRequest::new(
            MediaType::Image,
            FilePart::new("photo.png", picture()),
        ))
        .await
        .unwrap();
    assert_eq!(answer.media_id.as_str(), "@lADPDetfXH_Pn30gzQJY");
    assert_eq!(answer.type_, Some(MediaType::Image));
    assert_eq!(answer.created_at, Some(1_605_863_153_573));

    let requests = support::requests_to(&server, "/media/upload").await;
    let request = &requests[0];
    let content_type = request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("a multipart content type");
    let body = &request.body;
    let text = String::from_utf8_lossy(body);
    assert!(text.contains("Content-Disposition: form-data; name=\"type\"\r\n\r\nimage\r\n"));
    assert!(text.contains(
        "Content-Disposition: form-data; name=\"media\"; filename=\"photo.png\"\r\nContent-Type: image/png\r\n\r\n"
    ));
    // The file arrives byte for byte, and the boundary occurs nowhere inside it.
    let file = picture();
    let start = body
        .windows(file.len())
        .position(|w| w == file.as_slice())
        .expect("the file bytes are in the body");
    assert!(
        !file
            .windows(boundary.len())
            .any(|w| w == boundary.as_bytes())
    );
    assert!(body[start + file.len()..].starts_with(format!("\r\n--{boundary}--\r\n").as_bytes()));
}

#[tokio::test]
async fn download_returns_the_file_and_an_errcode_stays_an_error() {
    let support::Harness { server, client } = support::harness().await;
    Mock::given(method("POST"))
        .and(path("/media/downloadFile"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/png")
                .set_body_bytes(picture()),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/media/downloadFile"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"errcode":40007,"errmsg":"不合法的媒体文件id"}"#),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let bytes = client
        .media()
        .download(DownloadRequest::new("@lADPDetfXH_Pn30gzQJY"))
        .await
        .unwrap();
    assert_eq!(bytes, picture());
    let body = support::single_json_body(&server, "/media/downloadFile").await;
    assert_eq!(
        body,
        serde_json::json!({"media_id": "@lADPDetfXH_Pn30gzQJY"})
    );

    let err = client
        .media()
        .download(DownloadRequest::new("@gone"))
        .await
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some(40007), "{err:?}");
}

#[tokio::test]
async fn the_fake_stores_uploads_and_serves_them_back() {
    let fake = dingtalk_fake::FakeDingTalk::new().start().await.unwrap();
    let client = dingtalk_api::Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let media = client.media();
    let uploaded = media
        .upload(UploadRequest::new(
            MediaType::File,
            FilePart::new("report.pdf", picture()),
        ))
        .await
        .unwrap();
    let media_id = uploaded.media_id;
    let stored = fake
        .handle()
        .with_state(|s| s.media.get(&media_id).cloned())
        .unwrap();
    assert_eq!(stored.file_name, "report.pdf");
    assert_eq!(stored.content_type, "application/pdf");
    assert_eq!(stored.bytes, picture());

    let back = media
        .download(DownloadRequest::new(media_id))
        .await
        .unwrap();
    assert_eq!(back, picture());

    // DingTalk's refusals: unknown media id, voice over 2 MB.
    let err = media
        .download(DownloadRequest::new("@nope"))
        .await
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some(40007));
    let err = media
        .upload(UploadRequest::new(
            MediaType::Voice,
            FilePart::new("long.amr", vec![0u8; 2 * 1024 * 1024 + 1]),
        ))
        .await
        .unwrap_err();
    match err {
        Error::Api(api) => assert_eq!(api.errcode, 40006),
        other => panic!("expected 40006, got {other:?}"),
    }
}
