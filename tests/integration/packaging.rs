//! The Dockerfile and the systemd unit, checked without a Docker engine or a running systemd:
//! they copy files that exist, build the binary the package defines, run a command the binary
//! has, and agree with each other on ports, paths and environment variables.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::support::pmagg;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// Dockerfile instructions as `(KEYWORD, arguments)`, continuation lines joined, comments
/// dropped.
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(start) = trimmed.strip_suffix('\\') {
            current.push_str(start);
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        let (keyword, args) = current.split_once(' ').unwrap_or((current.as_str(), ""));
        out.push((keyword.to_uppercase(), args.trim().to_owned()));
        current.clear();
    }
    out
}

/// `KEY=value` pairs of every ENV instruction.
fn env_vars(instructions: &[(String, String)]) -> HashMap<String, String> {
    instructions
        .iter()
        .filter(|(k, _)| k == "ENV")
        .flat_map(|(_, args)| args.split_whitespace())
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The names of the package's binaries, from Cargo.toml.
fn binaries() -> Vec<String> {
    let manifest: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    manifest["bin"]
        .as_array()
        .expect("[[bin]] tables")
        .iter()
        .map(|bin| bin["name"].as_str().unwrap().to_owned())
        .collect()
}

fn port_of(addr: &str) -> &str {
    addr.rsplit(':').next().unwrap()
}

#[test]
fn dockerfile_copies_files_that_exist_and_the_build_context_keeps() {
    let dockerfile = instructions(&read("Dockerfile"));
    let ignored: Vec<String> = read(".dockerignore")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.trim_end_matches('/').to_owned())
        .collect();
    let mut copied = 0;
    for (keyword, args) in &dockerfile {
        if keyword != "COPY" || args.starts_with("--from") {
            continue;
        }
        let parts: Vec<&str> = args.split_whitespace().collect();
        for source in &parts[..parts.len() - 1] {
            assert!(repo().join(source).exists(), "COPY {source}: no such file in the repository");
            assert!(
                !ignored.iter().any(|i| i == source || Path::new(source).starts_with(i)),
                "COPY {source}: excluded by .dockerignore"
            );
            copied += 1;
        }
    }
    assert!(copied >= 4, "Cargo.toml, Cargo.lock, migrations, src, sources.toml");
    assert!(ignored.iter().any(|i| i == "target"), "the build context leaves out target/");
}

#[test]
fn dockerfile_builds_the_packaged_binary_in_a_cached_dependency_layer() {
    let dockerfile = instructions(&read("Dockerfile"));
    let bins = binaries();
    let builds: Vec<(usize, &String)> = dockerfile
        .iter()
        .enumerate()
        .filter(|(_, (k, a))| k == "RUN" && a.contains("cargo build --release --locked"))
        .map(|(i, (_, a))| (i, a))
        .collect();
    assert_eq!(builds.len(), 2, "a dependency build, then the real one: {builds:?}");
    let copy_src = dockerfile
        .iter()
        .position(|(k, a)| k == "COPY" && a.starts_with("src "))
        .expect("COPY src");
    assert!(builds[0].0 < copy_src && copy_src < builds[1].0, "dependencies build before src");

    let bin = builds[1].1.split("--bin ").nth(1).unwrap().split_whitespace().next().unwrap();
    assert!(bins.iter().any(|b| b == bin), "--bin {bin} is not a [[bin]] of Cargo.toml: {bins:?}");
    assert!(
        dockerfile.iter().any(|(k, a)| k == "COPY"
            && a.starts_with("--from=build")
            && a.contains(&format!("/target/release/{bin} "))),
        "the runtime stage copies the built {bin}"
    );

    // Cargo reads every explicit target of the manifest, even for `--bin`: each [[bench]],
    // [[example]] and [[test]] path must be in the image before the dependency build.
    for (kind, dir) in [("bench", "benches"), ("example", "examples"), ("test", "tests")] {
        let manifest: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
        if manifest.get(kind).is_none() {
            continue;
        }
        let copied = dockerfile[..builds[0].0]
            .iter()
            .any(|(k, a)| k == "COPY" && a.split_whitespace().next() == Some(dir));
        assert!(copied, "Cargo.toml declares [[{kind}]]: COPY {dir} before the dependency build");
    }

    // The build image is new enough for the package.
    let manifest: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    let wanted = manifest["package"]["rust-version"].as_str().unwrap();
    let image = &dockerfile.iter().find(|(k, _)| k == "FROM").unwrap().1;
    let tag = image.split(':').nth(1).unwrap().split('-').next().unwrap();
    let version = |v: &str| -> Vec<u32> { v.split('.').map(|n| n.parse().unwrap()).collect() };
    assert!(version(tag) >= version(wanted), "rust:{tag} is older than rust-version {wanted}");
}

#[test]
fn dockerfile_runs_the_daemon_as_a_non_root_user_with_a_health_check() {
    let dockerfile = instructions(&read("Dockerfile"));
    let last = |keyword: &str| {
        dockerfile.iter().rev().find(|(k, _)| k == keyword).map(|(_, a)| a.as_str())
    };
    let runtime_stage = dockerfile.iter().rposition(|(k, _)| k == "FROM").unwrap();
    let installs: String = dockerfile[runtime_stage..]
        .iter()
        .filter(|(k, _)| k == "RUN")
        .map(|(_, a)| a.as_str())
        .collect();
    for package in ["ca-certificates", "tzdata", "git"] {
        assert!(installs.contains(package), "the runtime installs {package}");
    }

    // CMD ["pmagg", "daemon"], and the binary has that command.
    let cmd: Vec<String> = serde_json::from_str(last("CMD").expect("CMD")).expect("exec form");
    assert_eq!(cmd, ["pmagg", "daemon"]);
    assert!(last("ENTRYPOINT").is_none(), "CMD runs as written");
    let help = pmagg().args(&cmd[1..]).arg("--help").output().unwrap();
    assert!(help.status.success(), "`pmagg {}` is not a command", cmd[1..].join(" "));

    let user = last("USER").expect("USER");
    assert!(!matches!(user.split(':').next(), Some("root" | "0")), "runs as root: {user}");
    assert!(last("VOLUME").is_some_and(|v| v.contains("/data")));

    let env = env_vars(&dockerfile);
    assert!(env["PMAGG_DB"].starts_with("/data/"), "the database is on the volume");
    let config = &env["PMAGG_CONFIG"];
    assert!(
        dockerfile.iter().any(|(k, a)| k == "COPY" && a.ends_with(config.as_str())),
        "PMAGG_CONFIG {config} is copied into the image"
    );
    let port = port_of(&env["PMAGG_LISTEN"]);
    let health = last("HEALTHCHECK").expect("HEALTHCHECK");
    assert!(health.contains(&format!(":{port}/healthz")), "{health}");
    assert!(last("EXPOSE").is_some_and(|e| e.split_whitespace().any(|p| p == port)));
    // The variables the image sets are ones pmagg reads.
    let top_help = String::from_utf8(pmagg().arg("--help").output().unwrap().stdout).unwrap();
    let daemon_help =
        String::from_utf8(pmagg().args(["daemon", "--help"]).output().unwrap().stdout).unwrap();
    for var in env.keys() {
        assert!(top_help.contains(var) || daemon_help.contains(var), "pmagg never reads {var}");
    }
}

#[test]
fn systemd_unit_is_hardened_and_runs_the_daemon() {
    let unit = read("contrib/pmagg.service");
    let settings: Vec<(&str, &str)> = unit
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .collect();
    let get = |key: &str| settings.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    assert!(get("ExecStart").is_some_and(|e| e.ends_with("pmagg daemon")));
    assert_eq!(get("DynamicUser"), Some("yes"));
    assert_eq!(get("ProtectSystem"), Some("strict"));
    assert_eq!(get("Restart"), Some("on-failure"));
    assert_eq!(get("RestartPreventExitStatus"), Some("2"), "a bad config is not retried");
    let state = get("StateDirectory").expect("StateDirectory");
    let env: HashMap<&str, &str> = settings
        .iter()
        .filter(|(k, _)| *k == "Environment")
        .filter_map(|(_, v)| v.split_once('='))
        .collect();
    assert!(env["PMAGG_DB"].starts_with(&format!("/var/lib/{state}/")), "{}", env["PMAGG_DB"]);
    // systemd must wait longer than the daemon's grace period before it kills.
    let stop: u64 = get("TimeoutStopSec").unwrap().trim_end_matches('s').parse().unwrap();
    assert!(stop > pmagg::config::defaults::SHUTDOWN_GRACE_SECS);

    // With systemd's own checker when the machine has it (no running systemd needed).
    let analyze = std::process::Command::new("systemd-analyze").arg("--version").output();
    if analyze.is_ok_and(|o| o.status.success()) {
        let dir = tempfile::tempdir().unwrap();
        let binary = assert_cmd::cargo::cargo_bin("pmagg");
        let copy = unit.replace("/usr/local/bin/pmagg", &binary.display().to_string());
        let path = dir.path().join("pmagg.service");
        std::fs::write(&path, copy).unwrap();
        let output = std::process::Command::new("systemd-analyze")
            .arg("verify")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            output.status.success() && output.stderr.is_empty(),
            "systemd-analyze verify: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn readme_explains_running_as_a_service() {
    let readme = read("README.md");
    let section = readme.split("## Running as a service").nth(1).expect("the section");
    let section = section.split("\n## ").next().unwrap();
    for needle in ["docker build", "docker run", "contrib/pmagg.service", "systemctl", "/healthz"] {
        assert!(section.contains(needle), "README's service section lacks {needle}");
    }
}
