//! `kept mail receive` on the demo database: a message on standard input,
//! as an MTA pipes it, and the exit status the MTA acts on.

mod common;

use common::Sandbox;
use kept_app::notify::tokens::Signer;

/// A sandbox holding the demo database (Harbour's contract takes mail at
/// `facilities@harbour.kept.demo`), and its URL.
fn demo() -> (Sandbox, String) {
    let sandbox = Sandbox::new();
    sandbox
        .kept()
        .args(["demo", "--no-serve"])
        .assert()
        .success();
    let url = format!(
        "sqlite://{}",
        sandbox.file("kept-data").join("demo.db").display()
    );
    (sandbox, url)
}

/// `kept mail receive` with `raw` on stdin: its exit status and output.
fn receive(sandbox: &Sandbox, url: &str, raw: &[u8]) -> (Option<i32>, String, String) {
    let output = sandbox
        .kept()
        .env("KEPT_DATABASE_URL", url)
        .args(["mail", "receive"])
        .write_stdin(raw.to_vec())
        .output()
        .expect("kept ran");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn message(from: &str, to: &str, subject: &str, id: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\r\n{body}\r\n"
    )
}

/// The reply address of request `number`, as its notifications carry it.
fn reply_address(url: &str, number: i64) -> String {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let store = kept_store::open(url, &kept_store::StoreOptions::default())
            .await
            .expect("the demo database");
        let app = kept_app::Context::new(store.clone(), kept_app::Settings::default());
        let signer = Signer::load(&app).await.expect("the signer");
        let request = store.request_by_number(number).await.expect("the request");
        store.close().await;
        format!("kept+{}@localhost", signer.reply_token(&request))
    })
}

/// The number in `raised request #N` or `replied on request #N`.
fn number_in(out: &str) -> i64 {
    let digits: String = out
        .split('#')
        .nth(1)
        .expect("a request number")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().expect("a number")
}

#[test]
fn a_piped_message_raises_a_request_and_a_reply_lands_on_it() {
    let (sandbox, url) = demo();
    let tom = "Tom Reed <tom.reed@harbour-retail.example>";
    let raw = message(
        tom,
        "facilities@harbour.kept.demo",
        "Cleaning: paint spilt in aisle 3",
        "paint@harbour-retail.example",
        "By the tills.",
    );

    let (code, out, err) = receive(&sandbox, &url, raw.as_bytes());

    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("raised request #"), "{out}");
    let number = number_in(&out);
    let (code, again, _) = receive(&sandbox, &url, raw.as_bytes());
    assert_eq!(code, Some(0));
    assert!(again.starts_with("already received"), "{again}");
    assert!(again.contains(&format!("#{number}")), "{again}");

    let address = reply_address(&url, number);
    let reply = message(
        tom,
        &address,
        "Re: paint",
        "tom-re@harbour-retail.example",
        "Now dry.",
    );
    let (code, out, err) = receive(&sandbox, &url, reply.as_bytes());
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out.trim(),
        format!("replied on request #{number} (the sender is not answered)")
    );

    let aisha = message(
        "aisha.khan@harbour-retail.example",
        &address,
        "Re: paint",
        "aisha-re@harbour-retail.example",
        "Ours too.",
    );
    let (code, out, _) = receive(&sandbox, &url, aisha.as_bytes());
    assert_eq!(
        code,
        Some(0),
        "a refusal is handled: the MTA must not bounce it"
    );
    assert!(out.starts_with("refused: you may not reply"), "{out}");
    assert!(out.contains("answered by email"), "{out}");

    let vague = message(
        tom,
        "facilities@harbour.kept.demo",
        "Help",
        "vague@harbour-retail.example",
        "?",
    );
    let (_, out, _) = receive(&sandbox, &url, vague.as_bytes());
    assert!(
        out.contains("Reactive maintenance") && out.contains("Cleaning"),
        "{out}"
    );
}

#[test]
fn unreadable_or_oversized_mail_is_a_data_error_and_an_unreachable_database_a_temporary_one() {
    let (sandbox, url) = demo();

    let (code, out, err) = receive(&sandbox, &url, b"no headers here");
    assert_eq!(code, Some(65), "{out}{err}");
    assert!(err.contains("malformed-mail"), "{err}");

    let mut big = message(
        "tom.reed@harbour-retail.example",
        "facilities@harbour.kept.demo",
        "Big",
        "big@x",
        "",
    )
    .into_bytes();
    big.resize(20 * 1024 * 1024 + 10, b'a');
    let (code, _, err) = receive(&sandbox, &url, &big);
    assert_eq!(code, Some(65), "{err}");
    assert!(err.contains("20 MiB"), "{err}");

    let injected = "From: tom.reed@harbour-retail.example\r\nTo: facilities@harbour.kept.demo\r\n\
        Subject: =?utf-8?q?Hi=0ABcc=3A_x=40evil=2Eexample?=\r\n\r\nHi";
    let (code, _, err) = receive(&sandbox, &url, injected.as_bytes());
    assert_eq!(code, Some(65), "{err}");
    assert!(err.contains("unsafe-mail"), "{err}");

    let missing = format!("sqlite://{}", sandbox.file("nowhere.db").display());
    let raw = message("a@b.example", "c@d.example", "Hi", "m@x", "Hello");
    let (code, _, err) = receive(&sandbox, &missing, raw.as_bytes());
    assert_eq!(
        code,
        Some(75),
        "the MTA keeps the message and retries: {err}"
    );
}
