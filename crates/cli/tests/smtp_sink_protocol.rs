//! The tests' SMTP sink (`common/smtp_sink.rs`) speaks SMTP as the mail
//! tests rely on: replies and their codes, the envelope, dot-unstuffing,
//! RSET, and refusing exactly the deliveries it was told to.

#[path = "common/smtp_sink.rs"]
mod smtp_sink;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use smtp_sink::{FailAt, SmtpSink};

/// A raw SMTP client.
struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(sink: &SmtpSink) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", sink.port()))
            .await
            .expect("the sink listens");
        let (read, writer) = stream.into_split();
        let mut client = Self {
            reader: BufReader::new(read),
            writer,
        };
        assert!(client.reply().await.starts_with("220 "));
        client
    }

    /// The next reply, all its lines.
    async fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.expect("a reply");
            all.push_str(&line);
            // `250-…` continues, `250 …` ends.
            if line.as_bytes().get(3) != Some(&b'-') {
                return all;
            }
        }
    }

    /// Sends `line` and returns the reply's code.
    async fn send(&mut self, line: &str) -> String {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .expect("sent");
        self.reply().await[..3].to_owned()
    }
}

#[tokio::test]
async fn the_sink_records_the_envelope_and_unstuffed_data_and_fails_on_demand() {
    let sink = SmtpSink::start();
    let mut c = Client::connect(&sink).await;
    assert_eq!(c.send("EHLO test").await, "250");
    assert_eq!(c.send("DATA").await, "503", "no recipient yet");
    assert_eq!(c.send("MAIL FROM:<a@x.test> BODY=8BITMIME").await, "250");
    assert_eq!(c.send("RCPT TO:<b@y.test>").await, "250");
    assert_eq!(c.send("RSET").await, "250");
    assert_eq!(c.send("DATA").await, "503", "RSET forgot the recipient");
    assert_eq!(c.send("NOOP").await, "250");
    assert_eq!(c.send("MAIL FROM:<a@x.test>").await, "250");
    assert_eq!(c.send("RCPT TO:<b@y.test>").await, "250");
    assert_eq!(c.send("RCPT TO:<c@y.test>").await, "250");
    assert_eq!(c.send("DATA").await, "354");
    let body = "Subject: hi\r\n\r\n..a line that began with a dot\r\n.\r\n";
    assert_eq!(c.send(body.trim_end()).await, "250");

    sink.fail_next(1, FailAt::Rcpt);
    assert_eq!(c.send("MAIL FROM:<a@x.test>").await, "250");
    assert_eq!(c.send("RCPT TO:<d@y.test>").await, "451");
    assert_eq!(c.send("RCPT TO:<e@y.test>").await, "250", "one refusal");
    sink.fail_next(1, FailAt::Data);
    assert_eq!(c.send("DATA").await, "451");
    assert_eq!(c.send("HELO again").await, "250");
    assert_eq!(c.send("VRFY b").await, "252");
    assert_eq!(c.send("BOGUS").await, "500");
    assert_eq!(c.send("QUIT").await, "221");

    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(sink.count(), 1);
    assert_eq!(got[0].mail_from, "a@x.test");
    assert_eq!(got[0].rcpt_to, ["b@y.test", "c@y.test"]);
    assert_eq!(
        String::from_utf8_lossy(&got[0].data),
        "Subject: hi\r\n\r\n.a line that began with a dot\r\n"
    );
    let refused: Vec<FailAt> = sink.refused().iter().map(|r| r.at_step).collect();
    assert_eq!(refused, [FailAt::Rcpt, FailAt::Data]);
    assert_eq!(sink.refused()[0].rcpt_to, ["d@y.test"]);
}
