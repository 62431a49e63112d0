//! `rust-version` in Cargo.toml is what the locked dependencies need: no more (a user on an
//! older toolchain would be refused for nothing) and no less (a user on the declared toolchain
//! would get a refusal from a dependency). A dependency update that raises the requirement fails
//! here, and says which crate did it.

use std::process::Command;

fn version_key(v: &str) -> (u64, u64, u64) {
    let mut parts = v.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

#[test]
fn declared_rust_version_is_what_the_locked_dependencies_need() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let host = {
        let out = Command::new("rustc").arg("-vV").output().expect("rustc -vV runs");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        text.lines()
            .find_map(|l| l.strip_prefix("host: "))
            .expect("rustc -vV names the host")
            .to_string()
    };
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--locked",
            "--offline",
            "--format-version",
            "1",
            "--filter-platform",
            &host,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let packages = meta["packages"].as_array().expect("packages");
    let by_id = |id: &str| {
        packages
            .iter()
            .find(|p| p["id"] == id)
            .expect("package of a resolve node")
    };
    let root = meta["resolve"]["root"].as_str().expect("a root package").to_string();
    let nodes = meta["resolve"]["nodes"].as_array().expect("resolve nodes");
    let node = |id: &str| nodes.iter().find(|n| n["id"] == id).expect("resolve node");

    // What a user's `cargo install` or `cargo run --release` compiles: normal and build
    // dependencies, transitively (dev-dependencies only build the tests).
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![root.clone()];
    while let Some(id) = stack.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        for dep in node(&id)["deps"].as_array().into_iter().flatten() {
            let used = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].as_str() != Some("dev"));
            if used {
                stack.push(dep["pkg"].as_str().unwrap().to_string());
            }
        }
    }
    let declared = by_id(&root)["rust_version"]
        .as_str()
        .expect("Cargo.toml declares rust-version")
        .to_string();
    let (needed, by) = seen
        .iter()
        .filter(|id| **id != root)
        .filter_map(|id| {
            let p = by_id(id);
            let v = p["rust_version"].as_str()?;
            Some((
                v.to_string(),
                format!("{} {}", p["name"].as_str()?, p["version"].as_str()?),
            ))
        })
        .max_by_key(|(v, _)| version_key(v))
        .expect("some dependency declares a rust-version");
    assert_eq!(
        version_key(&declared),
        version_key(&needed),
        "Cargo.toml says rust-version = \"{declared}\" but the locked dependencies need {needed} \
         ({by} is the highest): set rust-version to {needed} and update README.md"
    );
}
