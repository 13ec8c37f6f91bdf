//! The `kept` command line, run as a separate process in a fresh directory
//! per test, with no `KEPT_*` settings but the ones each test gives.

mod common;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use common::{PASSWORD, Sandbox, http, last_word};

/// stdout and stderr of a finished command, as text.
fn texts(output: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn help_lists_every_command() {
    let sandbox = Sandbox::new();

    let output = sandbox.kept().arg("--help").output().expect("kept ran");

    let (stdout, _) = texts(&output);
    assert!(output.status.success());
    assert!(stdout.contains("Usage: kept"), "{stdout}");
    for command in [
        "serve", "demo", "migrate", "backup", "restore", "user", "token", "config", "calendar",
        "request", "import",
    ] {
        assert!(
            stdout
                .lines()
                .any(|line| line.trim_start().starts_with(command)),
            "--help lists {command}:\n{stdout}"
        );
    }
    assert!(stdout.contains("KEPT_DATABASE_URL"), "{stdout}");
}

#[test]
fn every_subcommand_explains_itself_with_help() {
    let sandbox = Sandbox::new();
    let cases: &[(&[&str], &[&str])] = &[
        (&["serve"], &["Usage: kept serve", "--addr"]),
        (&["demo"], &["Usage: kept demo", "--no-serve", "--reset"]),
        (&["migrate"], &["Usage: kept migrate"]),
        (
            &["backup"],
            &[
                "Usage: kept backup",
                "<PATH>",
                "--force",
                "VACUUM INTO",
                "pg_dump",
            ],
        ),
        (
            &["restore"],
            &[
                "Usage: kept restore",
                "<PATH>",
                "stop kept serve",
                "pg_restore",
            ],
        ),
        (&["user"], &["Usage: kept user", "add"]),
        (
            &["user", "add"],
            &[
                "Usage: kept user add",
                "--email",
                "--name",
                "--admin",
                "--invite",
                "--parent",
            ],
        ),
        (&["token"], &["Usage: kept token", "create"]),
        (
            &["token", "create"],
            &["Usage: kept token create", "--email", "--expires-in-days"],
        ),
        (&["config"], &["Usage: kept config", "show"]),
        (&["config", "show"], &["Usage: kept config show"]),
        (
            &["calendar"],
            &[
                "Usage: kept calendar",
                "check",
                "due",
                "elapsed",
                "holidays",
            ],
        ),
        (
            &["calendar", "due"],
            &["--calendar", "--start", "--duration", "--holidays"],
        ),
        (&["calendar", "elapsed"], &["--calendar", "--from", "--to"]),
    ];

    for (command, expected) in cases {
        let output = sandbox
            .kept()
            .args(*command)
            .arg("--help")
            .output()
            .expect("kept ran");
        let (stdout, stderr) = texts(&output);
        assert!(output.status.success(), "{command:?} --help: {stderr}");
        for text in *expected {
            assert!(
                stdout.contains(text),
                "{command:?} --help mentions {text}:\n{stdout}"
            );
        }
    }
    assert!(
        !sandbox.file("kept-data").exists(),
        "help touches no database"
    );
}

#[test]
fn version_and_unknown_commands_are_handled_by_the_parser() {
    let sandbox = Sandbox::new();

    let version = sandbox.kept().arg("--version").output().expect("kept ran");
    let unknown = sandbox.kept().arg("frobnicate").output().expect("kept ran");

    assert!(version.status.success());
    assert!(texts(&version).0.starts_with("kept "));
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        texts(&unknown)
            .1
            .contains("unrecognized subcommand 'frobnicate'"),
        "{}",
        texts(&unknown).1
    );
}

#[test]
fn migrate_creates_the_database_in_an_empty_directory_and_says_so() {
    let sandbox = Sandbox::new();

    let output = sandbox.kept().arg("migrate").output().expect("kept ran");

    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stderr}");
    let database = sandbox.file("kept-data").join("kept.db");
    assert!(database.is_file(), "{} exists", database.display());
    assert_eq!(
        stdout.trim(),
        format!(
            "The sqlite database at sqlite://{} is up to date.",
            std::path::absolute(&database)
                .expect("an absolute path")
                .display()
        )
    );
    sandbox.kept().arg("migrate").assert().success();
}

#[test]
fn migrate_uses_the_database_url_from_the_environment() {
    let sandbox = Sandbox::new();
    let url = format!("sqlite://{}", sandbox.file("elsewhere.db").display());

    let output = sandbox
        .kept()
        .arg("migrate")
        .env("KEPT_DATABASE_URL", &url)
        .output()
        .expect("kept ran");

    assert!(output.status.success(), "{}", texts(&output).1);
    assert!(sandbox.file("elsewhere.db").is_file());
    assert!(!sandbox.file("kept-data").exists());
    assert!(texts(&output).0.contains(&url));
}

#[test]
fn user_add_reads_the_password_from_stdin_and_creates_an_admin() {
    let sandbox = Sandbox::new();

    let output = sandbox
        .kept()
        .args([
            "user",
            "add",
            "--email",
            "admin@example.com",
            "--name",
            "Ada Admin",
            "--admin",
        ])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .expect("kept ran");

    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("Created admin user admin@example.com (id "),
        "{stdout}"
    );
    assert!(!stdout.contains(PASSWORD), "the password is not echoed");
    assert!(sandbox.file("kept-data/kept.db").is_file());
}

#[test]
fn user_add_refuses_a_short_password_clearly() {
    let sandbox = Sandbox::new();

    let output = sandbox
        .kept()
        .args(["user", "add", "--email", "a@example.com", "--name", "A"])
        .write_stdin("short\n")
        .output()
        .expect("kept ran");

    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(
        stderr.trim(),
        "error: password: must be at least 10 characters (pass it on stdin, or use --invite)"
    );
}

#[test]
fn user_add_refuses_a_duplicate_email_clearly() {
    let sandbox = Sandbox::new();
    sandbox.add_user("dup@example.com", "First", false);

    let output = sandbox
        .kept()
        .args([
            "user",
            "add",
            "--email",
            "DUP@example.com",
            "--name",
            "Second",
        ])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .expect("kept ran");

    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr.lines().last(),
        Some("error: another user already has this email address"),
        "the last line says why: {stderr}"
    );
}

#[test]
fn user_add_refuses_an_invalid_email_clearly() {
    let sandbox = Sandbox::new();

    let output = sandbox
        .kept()
        .args(["user", "add", "--email", "not-an-email", "--name", "N"])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .expect("kept ran");

    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.starts_with("error: --email: "), "{stderr}");
}

#[test]
fn user_add_with_invite_prints_an_invitation_link() {
    let sandbox = Sandbox::new();

    let output = sandbox
        .kept()
        .args([
            "user",
            "add",
            "--email",
            "new@example.com",
            "--name",
            "New",
            "--invite",
        ])
        .env("KEPT_PUBLIC_URL", "https://kept.example.com/")
        .output()
        .expect("kept ran");

    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("Send them this link to set a password"));
    let link = last_word(&stdout);
    let secret = link
        .strip_prefix("https://kept.example.com/invite/")
        .unwrap_or_else(|| panic!("an invitation link: {stdout}"));
    assert!(secret.len() >= 40, "{link}");
}

#[test]
fn token_create_prints_the_token_last_and_refuses_unknown_emails() {
    let sandbox = Sandbox::new();
    sandbox.add_user("dev@example.com", "Dev", false);

    let created = sandbox
        .kept()
        .args(["token", "create", "--email", "dev@example.com"])
        .output()
        .expect("kept ran");
    let unknown = sandbox
        .kept()
        .args(["token", "create", "--email", "nobody@example.com"])
        .output()
        .expect("kept ran");

    let (stdout, stderr) = texts(&created);
    assert!(created.status.success(), "{stderr}");
    assert!(last_word(&stdout).starts_with("kept_"), "{stdout}");
    assert_ne!(sandbox.create_token("dev@example.com"), last_word(&stdout));
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(
        texts(&unknown).1.trim(),
        "error: no user has the email nobody@example.com"
    );
}

#[tokio::test]
async fn serve_accepts_a_token_from_the_cli_and_stops_gracefully_on_sigterm() {
    let sandbox = Sandbox::new();
    sandbox.add_user("admin@example.com", "Ada Admin", true);
    let token = sandbox.create_token("admin@example.com");
    let mut server = sandbox.serve(&[]);
    let client = http();

    let me = client
        .get(server.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the server answers");
    let anonymous = client
        .get(server.url("/api/v1/me"))
        .send()
        .await
        .expect("the server answers");
    let health = client
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("the server answers");

    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.expect("JSON");
    assert_eq!(me["user"]["email"], "admin@example.com");
    assert_eq!(me["grants"][0]["role"], "admin");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(health.status(), StatusCode::OK);

    let started = Instant::now();
    let status = server.terminate();
    assert!(status.success(), "kept exits 0 on SIGTERM, got {status}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "it stops promptly, took {:?}",
        started.elapsed()
    );
    assert!(
        server.stderr_text().contains("stopped"),
        "{}",
        server.stderr_text()
    );
    assert!(
        server
            .stderr_text()
            .contains("held in the outbox: no SMTP server is configured"),
        "without SMTP, serve says mail waits: {}",
        server.stderr_text()
    );
}

#[test]
fn serve_refuses_an_address_in_use_clearly() {
    let sandbox = Sandbox::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = taken.local_addr().expect("its address").to_string();

    let output = sandbox
        .kept()
        .arg("serve")
        .env("KEPT_ADDR", &addr)
        .timeout(Duration::from_secs(30))
        .output()
        .expect("kept ran");

    assert_eq!(output.status.code(), Some(1));
    assert!(
        texts(&output)
            .1
            .contains(&format!("error: cannot listen on {addr}")),
        "{}",
        texts(&output).1
    );
}

#[test]
fn serve_stops_at_start_up_on_a_broken_mail_template_naming_its_file_and_line() {
    let sandbox = Sandbox::new();
    let templates = sandbox.path().join("mail");
    std::fs::create_dir_all(&templates).expect("a directory");
    std::fs::write(
        templates.join("request_raised.txt"),
        "{% block subject %}Got it{% endblock %}\n{% block body %}\nHello {{ nmae }}\n{% endblock %}\n",
    )
    .expect("a template");

    let output = sandbox
        .kept()
        .arg("serve")
        .env("KEPT_ADDR", "127.0.0.1:0")
        .env("KEPT_MAIL_TEMPLATES_DIR", &templates)
        .timeout(Duration::from_secs(30))
        .output()
        .expect("kept ran");

    assert_eq!(output.status.code(), Some(1));
    let stderr = texts(&output).1;
    assert!(
        stderr.contains("mail template request_raised.txt: line 3"),
        "{stderr}"
    );
}

#[test]
fn config_show_hides_the_smtp_password() {
    let sandbox = Sandbox::new();

    let output = sandbox
        .kept()
        .args(["config", "show"])
        .env("KEPT_SMTP_PASSWORD", "hunter2")
        .output()
        .expect("kept ran");

    assert!(output.status.success());
    let stdout = texts(&output).0;
    assert!(stdout.contains("smtp_password = \"***\""), "{stdout}");
    assert!(!stdout.contains("hunter2"), "{stdout}");
}

#[test]
fn config_show_prints_the_configuration_as_toml() {
    let sandbox = Sandbox::new();

    let output = sandbox
        .kept()
        .args(["config", "show"])
        .output()
        .expect("kept ran");

    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stderr}");
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let (key, value) = line
            .split_once(" = ")
            .unwrap_or_else(|| panic!("not a TOML key = value line: {line}"));
        assert!(
            key.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{line}"
        );
        let quoted = value.starts_with('"') && value.ends_with('"');
        let bare = value == "true" || value == "false" || value.parse::<i64>().is_ok();
        let list = value.starts_with('[') && value.ends_with(']');
        assert!(quoted || bare || list, "a TOML value: {line}");
    }
    assert!(stdout.contains("addr = \"127.0.0.1:8080\"\n"), "{stdout}");
    assert!(stdout.contains("login_failures_before_delay = 3\n"));
    let database = sandbox.file("kept-data").join("kept.db");
    assert!(
        stdout.contains(&format!(
            "database_url = \"sqlite://{}\"",
            database.display()
        )),
        "{stdout}"
    );
    assert!(
        !sandbox.file("kept-data").exists(),
        "showing creates nothing"
    );
}

#[test]
fn webhook_networks_come_comma_separated_from_the_environment_and_bad_ones_stop_kept() {
    let sandbox = Sandbox::new();
    let shown = sandbox
        .kept()
        .args(["config", "show"])
        .env("KEPT_WEBHOOK_ALLOWED_NETWORKS", "10.0.0.0/8,2001:db8::/32")
        .output()
        .expect("kept ran");
    let (stdout, stderr) = texts(&shown);
    assert!(shown.status.success(), "{stderr}");
    assert!(
        stdout.contains("webhook_allowed_networks = [\"10.0.0.0/8\", \"2001:db8::/32\"]\n"),
        "{stdout}"
    );

    let refused = sandbox
        .kept()
        .args(["config", "show"])
        .env("KEPT_WEBHOOK_ALLOWED_NETWORKS", "10.0.0.0/8,intranet")
        .output()
        .expect("kept ran");
    let (_, stderr) = texts(&refused);
    assert!(!refused.status.success());
    assert!(stderr.contains("webhook_allowed_networks"), "{stderr}");
    assert!(stderr.contains("\"intranet\""), "{stderr}");
}

#[test]
fn config_show_hides_the_database_password() {
    let sandbox = Sandbox::new();

    let output = sandbox
        .kept()
        .args(["config", "show"])
        .env(
            "KEPT_DATABASE_URL",
            "postgres://kept:s3cret@db.example/kept",
        )
        .output()
        .expect("kept ran");

    let (stdout, _) = texts(&output);
    assert!(output.status.success());
    assert!(
        stdout.contains("database_url = \"postgres://kept:***@db.example/kept\"\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("s3cret"));
}

#[test]
fn an_unknown_key_in_kept_toml_stops_every_command_with_exit_code_2() {
    let sandbox = Sandbox::new();
    std::fs::write(sandbox.file("kept.toml"), "adr = \"127.0.0.1:9000\"\n").expect("written");
    let commands: &[&[&str]] = &[
        &["config", "show"],
        &["migrate"],
        &["serve"],
        &["demo", "--no-serve"],
        &["user", "add", "--email", "a@example.com", "--name", "A"],
        &["token", "create", "--email", "a@example.com"],
    ];

    for command in commands {
        let output = sandbox
            .kept()
            .args(*command)
            .write_stdin(format!("{PASSWORD}\n"))
            .timeout(Duration::from_secs(30))
            .output()
            .expect("kept ran");
        let (stdout, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {stderr}");
        assert!(stdout.is_empty(), "{command:?}: {stdout}");
        assert!(
            stderr.contains("kept.toml") && stderr.contains("unknown key `adr`"),
            "{command:?} names the file and the key: {stderr}"
        );
    }
    assert!(!sandbox.file("kept-data").exists(), "nothing was done");
}

#[test]
fn a_bad_value_in_the_environment_stops_with_exit_code_2() {
    let sandbox = Sandbox::new();

    let output = sandbox
        .kept()
        .args(["config", "show"])
        .env("KEPT_SESSION_HOURS", "twelve")
        .output()
        .expect("kept ran");

    assert_eq!(output.status.code(), Some(2));
    assert!(
        texts(&output).1.starts_with("error: configuration: "),
        "{}",
        texts(&output).1
    );
}

#[test]
fn the_environment_overrides_the_file_which_overrides_the_defaults() {
    let sandbox = Sandbox::new();
    std::fs::write(
        sandbox.file("kept.toml"),
        "addr = \"0.0.0.0:9000\"\nsession_hours = 2\n",
    )
    .expect("written");
    std::fs::write(sandbox.file("other.toml"), "session_hours = 3\n").expect("written");

    let from_file = sandbox
        .kept()
        .args(["config", "show"])
        .output()
        .expect("kept ran");
    let from_env = sandbox
        .kept()
        .args(["config", "show"])
        .env("KEPT_ADDR", "127.0.0.1:9100")
        .output()
        .expect("kept ran");
    let other_file = sandbox
        .kept()
        .args(["--config", "other.toml", "config", "show"])
        .output()
        .expect("kept ran");

    let from_file = texts(&from_file).0;
    assert!(
        from_file.contains("addr = \"0.0.0.0:9000\"\n"),
        "{from_file}"
    );
    assert!(from_file.contains("session_hours = 2\n"));
    let from_env = texts(&from_env).0;
    assert!(
        from_env.contains("addr = \"127.0.0.1:9100\"\n"),
        "{from_env}"
    );
    assert!(
        from_env.contains("session_hours = 2\n"),
        "the file still applies"
    );
    let other_file = texts(&other_file).0;
    assert!(other_file.contains("session_hours = 3\n"), "{other_file}");
    assert!(other_file.contains("addr = \"127.0.0.1:8080\"\n"));
}

#[tokio::test]
async fn log_format_json_writes_one_json_object_per_log_line() {
    let sandbox = Sandbox::new();
    let mut server = sandbox.serve(&["--log-format", "json"]);
    let health = http()
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(health.status(), StatusCode::OK);

    let status = server.terminate();

    assert!(status.success());
    let stderr = server.stderr_text();
    let lines: Vec<Value> = stderr
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(lines.iter().all(Value::is_object), "{stderr}");
    assert!(lines.iter().all(|l| l["level"].is_string()), "{stderr}");
    let serving = lines
        .iter()
        .find(|l| l["message"] == "serving")
        .unwrap_or_else(|| panic!("a `serving` line in:\n{stderr}"));
    assert_eq!(serving["level"], "INFO");
    assert_eq!(
        format!("http://{}", serving["address"].as_str().unwrap_or_default()),
        server.address
    );
    assert!(lines.iter().any(|l| l["message"] == "stopped"), "{stderr}");
}

#[tokio::test]
async fn text_logs_are_the_default() {
    let sandbox = Sandbox::new();
    let mut server = sandbox.serve(&[]);
    let health = http()
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(health.status(), StatusCode::OK);

    let status = server.terminate();

    assert!(status.success());
    let stderr = server.stderr_text();
    assert!(stderr.contains("serving"), "{stderr}");
    assert!(
        stderr
            .lines()
            .all(|line| !line.trim_start().starts_with('{')),
        "{stderr}"
    );
}

#[test]
fn demo_creates_the_demo_database_once_and_reuses_it() {
    let sandbox = Sandbox::new();

    let first = sandbox
        .kept()
        .args(["demo", "--no-serve"])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("kept ran");
    let second = sandbox
        .kept()
        .args(["demo", "--no-serve"])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("kept ran");

    let (first_out, first_err) = texts(&first);
    assert!(first.status.success(), "{first_err}");
    let database = sandbox.file("kept-data").join("demo.db");
    assert!(database.is_file());
    assert!(
        first_out.starts_with("Created the demo database at sqlite://"),
        "{first_out}"
    );
    assert!(first_out.contains("Demo logins (the password for all of them is kept-demo-2026):"));
    assert!(first_out.contains("admin@kept.demo"));
    assert!(first_out.contains("tom.reed@harbour-retail.example"));
    assert!(
        !sandbox.file("kept-data/kept.db").exists(),
        "the demo keeps apart from the real database"
    );
    let (second_out, second_err) = texts(&second);
    assert!(second.status.success(), "{second_err}");
    assert!(
        second_out.starts_with("Reusing the demo database at sqlite://"),
        "{second_out}"
    );
    assert!(second_out.contains("admin@kept.demo"));
}

#[tokio::test]
async fn the_demo_logins_work_against_the_served_demo() {
    let sandbox = Sandbox::new();
    let mut command = sandbox.process();
    command.arg("demo").env("KEPT_ADDR", "127.0.0.1:0");
    let mut server = common::Server::start(command, &sandbox.file("demo.stderr"));
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let login = client
        .get(server.url("/login"))
        .send()
        .await
        .expect("the login page")
        .text()
        .await
        .expect("a body");
    let marker = "name=\"csrf_token\" value=\"";
    let start = login.find(marker).expect("a CSRF token") + marker.len();
    let token = &login[start..start + login[start..].find('"').expect("a closing quote")];

    let response = client
        .post(server.url("/login"))
        .form(&[
            ("csrf_token", token),
            ("email", "admin@kept.demo"),
            ("password", "kept-demo-2026"),
        ])
        .send()
        .await
        .expect("signed in");

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let parties = client
        .get(server.url("/parties?q=Harbour"))
        .send()
        .await
        .expect("the parties page")
        .text()
        .await
        .expect("a body");
    assert!(parties.contains("Harbour Retail Leeds"), "{parties}");
    assert!(server.terminate().success());
}
