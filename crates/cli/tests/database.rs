//! Which commands create a database: `serve`, `migrate`, `demo` and
//! `user add` set one up; the commands that read or add to what is in one
//! (`token`, `request`, `import`) refuse when there is none, saying where
//! they looked and what to do, and create nothing.

mod common;

use common::Sandbox;

/// What a finished `kept` said: its exit code and stderr.
fn refusal(sandbox: &Sandbox, env: Option<(&str, &str)>, args: &[&str]) -> (Option<i32>, String) {
    let mut command = sandbox.kept();
    if let Some((name, value)) = env {
        command.env(name, value);
    }
    let output = command.args(args).output().expect("kept ran");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn commands_that_read_data_refuse_a_missing_database_and_create_none() {
    let sandbox = Sandbox::new();
    let parties = sandbox.file("parties.csv");
    std::fs::write(&parties, "kind,name\norganisation,Harbour Retail\n").expect("written");
    let parties = parties.to_string_lossy().into_owned();
    let commands: [&[&str]; 4] = [
        &[
            "token",
            "create",
            "--email",
            "sam.okafor@brightwell.example",
        ],
        &[
            "request",
            "list",
            "--email",
            "sam.okafor@brightwell.example",
        ],
        &[
            "request",
            "show",
            "--email",
            "sam.okafor@brightwell.example",
            "0190c0de-0000-7000-8000-000000000001",
        ],
        &["import", "parties", &parties],
    ];

    for args in commands {
        let (code, stderr) = refusal(&sandbox, None, args);

        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: there is no database at "),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("kept-data/kept.db (KEPT_DATABASE_URL is not set"),
            "{stderr}"
        );
        assert!(stderr.contains("nothing was created"), "{stderr}");
        assert!(stderr.contains("`kept migrate`"), "{stderr}");
    }
    assert!(
        !sandbox.file("kept-data").exists(),
        "no database, no directory"
    );
}

#[test]
fn a_database_url_naming_a_missing_file_is_refused_too() {
    let sandbox = Sandbox::new();
    let url = format!("sqlite://{}", sandbox.file("elsewhere.db").display());

    let (code, stderr) = refusal(
        &sandbox,
        Some(("KEPT_DATABASE_URL", &url)),
        &[
            "token",
            "create",
            "--email",
            "sam.okafor@brightwell.example",
        ],
    );

    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("elsewhere.db (the database_url set by KEPT_DATABASE_URL"),
        "{stderr}"
    );
    assert!(!sandbox.file("elsewhere.db").exists());
}

#[test]
fn after_the_demo_a_refusal_gives_the_line_that_points_at_its_database() {
    let sandbox = Sandbox::new();
    sandbox
        .kept()
        .args(["demo", "--no-serve"])
        .assert()
        .success();
    let demo = sandbox.file("kept-data").join("demo.db");

    let (code, stderr) = refusal(
        &sandbox,
        None,
        &[
            "token",
            "create",
            "--email",
            "sam.okafor@brightwell.example",
        ],
    );
    let line = stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("export KEPT_DATABASE_URL="))
        .unwrap_or_else(|| panic!("no export line: {stderr}"));
    let url = line.trim_start_matches("export KEPT_DATABASE_URL=");
    let pasted = sandbox
        .kept()
        .env("KEPT_DATABASE_URL", url)
        .args([
            "token",
            "create",
            "--email",
            "sam.okafor@brightwell.example",
        ])
        .output()
        .expect("kept ran");

    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("`kept demo` made its database at"),
        "{stderr}"
    );
    assert_eq!(url, format!("sqlite://{}", demo.display()));
    assert!(
        pasted.status.success(),
        "{}",
        String::from_utf8_lossy(&pasted.stderr)
    );
    assert!(
        !sandbox.file("kept-data/kept.db").exists(),
        "the refusal left no empty database beside the demo's"
    );
}

#[test]
fn migrate_and_user_add_still_create_the_database() {
    let migrated = Sandbox::new();
    let added = Sandbox::new();

    migrated.kept().arg("migrate").assert().success();
    added.add_user("you@example.com", "Your Name", true);
    let token = added.create_token("you@example.com");

    assert!(migrated.file("kept-data/kept.db").is_file());
    assert!(added.file("kept-data/kept.db").is_file());
    assert!(token.starts_with("kept_"), "{token}");
}
