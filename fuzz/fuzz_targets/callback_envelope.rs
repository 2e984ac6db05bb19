//! An HTTP callback envelope from anyone: the bytes are the `encrypt` text, then opened with
//! the reference key (after a valid signature over them, so decryption itself is reached).
//! A panic is a crash; libFuzzer's `-rss_limit_mb` catches large allocations.

#![no_main]

use dingtalk_api::events::CallbackCrypto;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let crypto = CallbackCrypto::new("123456", "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij", "suite4xxxxxxxxxxxxxxx")
        .expect("the reference key is valid");
    let encrypt = String::from_utf8_lossy(data);
    let signature = crypto.signature("1445827045067", "nEXhMP4r", &encrypt);
    let _ = crypto.open(&signature, "1445827045067", "nEXhMP4r", &encrypt);
    // The raw bytes as Base64, so the decryptor sees arbitrary ciphertext too.
    let _ = crypto.decrypt(&base64_of(data));
});

fn base64_of(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
