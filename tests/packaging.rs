//! The .deb's parts, checked without cargo-deb: the manual pages and completions generated
//! from the real command line, every file `[package.metadata.deb]` names, the build
//! script (with a stand-in `cargo`), the systemd unit against the real clap definition,
//! the shipped configuration loaded by the real binary, and the maintainer scripts run
//! twice in a scratch root with stand-ins for the account and dpkg tools.

mod shared;

use clap::CommandFactory;
use purser::cli::Cli;
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_purser");

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the command starts");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every visible command as its path of names: ["po"], ["po", "create"], …
fn visible_commands() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, path: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let mut here = path.to_vec();
            here.push(sub.get_name().to_string());
            out.push(here.clone());
            walk(sub, &here, out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), &[], &mut out);
    out
}

fn deb_metadata() -> toml::Table {
    let manifest: toml::Table = read("Cargo.toml").parse().expect("Cargo.toml parses");
    manifest["package"]["metadata"]["deb"]
        .as_table()
        .expect("[package.metadata.deb]")
        .clone()
}

/// (source, destination) of every asset the .deb metadata names.
fn deb_assets() -> Vec<(String, String)> {
    let meta = deb_metadata();
    let assets = meta["assets"].as_array().expect("assets is a list");
    assets
        .iter()
        .map(|a| {
            let a = a.as_array().expect("an asset is [source, destination, mode]");
            (a[0].as_str().unwrap().to_string(), a[1].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn the_manual_has_a_page_for_every_command_and_none_for_the_hidden_ones() {
    let dir = TempDir::new().unwrap();
    let out = run(Command::new(BIN).arg("man").arg(dir.path().join("man")));
    let commands = visible_commands();
    assert!(commands.len() > 30, "the walk finds the commands: {commands:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with(&format!("{} manual pages", commands.len() + 1)),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let top = std::fs::read_to_string(dir.path().join("man/purser.1"))
        .unwrap()
        .replace("\\-", "-");
    for path in &commands {
        let page = format!("purser-{}.1", path.join("-"));
        assert!(dir.path().join("man").join(&page).is_file(), "no page {page}");
        if path.len() == 1 {
            assert!(
                top.contains(&format!("purser-{}(1)", path[0])),
                "purser.1 does not list {}",
                path[0]
            );
        }
    }
    for hidden in ["man", "completions"] {
        assert!(
            !dir.path().join(format!("man/purser-{hidden}.1")).exists(),
            "{hidden} got a page"
        );
    }
    // The page renders (man-db's own formatter, when the machine has it).
    if Path::new("/usr/bin/man").exists() {
        let shown = run(Command::new("man")
            .arg("-l")
            .arg(dir.path().join("man/purser.1"))
            .env("MANWIDTH", "80"));
        assert!(String::from_utf8_lossy(&shown.stdout).contains("SUBCOMMANDS"));
    }
}

#[test]
fn the_completions_for_bash_zsh_and_fish_name_every_command() {
    let commands = visible_commands();
    for shell in ["bash", "zsh", "fish"] {
        let out = run(Command::new(BIN).args(["completions", shell]));
        let script = String::from_utf8(out.stdout).unwrap();
        for path in &commands {
            let name = path.last().unwrap();
            assert!(
                script.contains(name.as_str()),
                "{shell} completions lack {}",
                path.join(" ")
            );
        }
        // fish spells a long option `-l config`; bash and zsh `--config`.
        let long = |name: &str| {
            if shell == "fish" {
                format!("-l {name}")
            } else {
                format!("--{name}")
            }
        };
        assert!(
            script.contains(&long("config")) && script.contains(&long("db")),
            "{shell}: the global options"
        );
    }
    let refused = Command::new(BIN).args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(2), "an unknown shell is a usage error");
}

#[test]
fn every_file_the_deb_metadata_names_exists_or_is_built_by_the_script() {
    let meta = deb_metadata();
    let scripts = repo().join(meta["maintainer-scripts"].as_str().unwrap());
    for name in ["postinst", "postrm"] {
        let path = scripts.join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            text.contains("\n#DEBHELPER#\n"),
            "{name} lacks the #DEBHELPER# line cargo-deb fills in"
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "{name} is not executable ({mode:o})");
    }
    let units = repo().join(meta["systemd-units"]["unit-scripts"].as_str().unwrap());
    assert!(units.join("purser.service").is_file(), "the unit cargo-deb looks for");

    let manifest: toml::Table = read("Cargo.toml").parse().unwrap();
    let bins: BTreeSet<&str> = manifest["bin"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    for (source, _) in deb_assets() {
        if let Some(bin) = source.strip_prefix("target/release/") {
            assert!(bins.contains(bin), "{source} is no [[bin]] of Cargo.toml");
        } else if !source.starts_with("target/") {
            assert!(repo().join(&source).is_file(), "{source} does not exist");
        }
    }
}

/// The script with a stand-in `cargo` (it records its arguments; the "release" binary is
/// this test build's): every generated asset the metadata names is made.
#[test]
fn the_build_script_generates_every_asset_and_hands_over_to_cargo_deb() {
    let scratch = TempDir::new().unwrap();
    let fake_bin = scratch.path().join("bin");
    std::fs::create_dir_all(&fake_bin).unwrap();
    let log = scratch.path().join("cargo.log");
    write_tool(&fake_bin, "cargo", &format!("echo \"$*\" >> '{}'", log.display()));
    let target = scratch.path().join("target");
    std::fs::create_dir_all(target.join("release")).unwrap();
    std::fs::copy(BIN, target.join("release/purser")).unwrap();

    run(Command::new("sh")
        .arg(repo().join("assets/build-deb.sh"))
        .env(
            "PATH",
            format!("{}:{}", fake_bin.display(), std::env::var("PATH").unwrap()),
        )
        .env("CARGO_TARGET_DIR", &target));

    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(calls, "build --release --bin purser\ndeb --no-build\n");
    for (source, dest) in deb_assets()
        .into_iter()
        .filter(|(s, _)| s.starts_with("target/deb-assets/"))
    {
        let found = matching(&repo().join(&source));
        assert!(!found.is_empty(), "the script made nothing for {source} (→ {dest})");
        for file in found {
            assert!(
                std::fs::metadata(&file).unwrap().len() > 0,
                "{} is empty",
                file.display()
            );
        }
    }
}

/// The files a path names, where its file name may be `*.ext`.
fn matching(path: &Path) -> Vec<PathBuf> {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    match name.strip_prefix('*') {
        Some(suffix) => std::fs::read_dir(path.parent().unwrap())
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.to_string_lossy().ends_with(suffix))
                    .collect()
            })
            .unwrap_or_default(),
        None => [path.to_path_buf()].into_iter().filter(|p| p.is_file()).collect(),
    }
}

/// `Key=value` lines of the unit, in order.
fn unit_settings() -> Vec<(String, String)> {
    read("assets/debian/purser.service")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn unit(key: &str) -> String {
    let found: Vec<String> = unit_settings()
        .into_iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v)
        .collect();
    assert_eq!(found.len(), 1, "the unit sets {key} once: {found:?}");
    found[0].clone()
}

#[test]
fn the_units_command_line_is_one_the_real_cli_accepts() {
    let argv: Vec<String> = unit("ExecStart").split_whitespace().map(str::to_string).collect();
    assert_eq!(argv[0], "/usr/bin/purser");
    assert!(deb_assets().contains(&("target/release/purser".into(), "usr/bin/".into())));
    assert_eq!(argv[1], "serve");
    let value_of = |flag: &str| argv.iter().position(|a| a == flag).map(|i| argv[i + 1].clone());
    let cli = if Cli::command().find_subcommand("serve").is_some() {
        parse(&argv)
    } else {
        // Until `serve` exists: the global options the service passes, without it.
        let mut globals = vec![argv[0].clone()];
        for flag in ["--config", "--db"] {
            globals.extend([flag.to_string(), value_of(flag).expect("the unit passes it")]);
        }
        parse(&globals)
    };
    assert_eq!(cli.global.config.as_deref(), Some(Path::new("/etc/purser/config.toml")));
    assert_eq!(cli.global.db.as_deref(), Some(Path::new("/var/lib/purser/purser.redb")));
    assert!(deb_assets().contains(&("assets/debian/config.toml".into(), "etc/purser/config.toml".into())));

    // The socket lives in the runtime folder systemd makes for the group; the database in
    // the one folder the hardening leaves writable.
    let socket = value_of("--socket").expect("the unit names the socket");
    assert_eq!(socket, format!("/run/{}/purser.sock", unit("RuntimeDirectory")));
    assert_eq!(unit("RuntimeDirectoryMode"), "0750");
    assert_eq!(unit("ReadWritePaths"), "/var/lib/purser");
    assert_eq!(unit("ProtectSystem"), "strict");
    for (key, value) in [
        ("User", "purser"),
        ("Group", "purser"),
        ("Restart", "on-failure"),
        ("NoNewPrivileges", "yes"),
    ] {
        assert_eq!(unit(key), value, "{key}");
    }
}

/// The real command-line definition's reading of `argv`.
fn parse(argv: &[String]) -> Cli {
    use clap::Parser;
    Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"))
}

/// The shipped configuration, loaded by the real binary: as shipped (no users yet) the
/// acting account is refused as unknown, not the file; with its commented examples taken
/// in, the example user (as this account) has the roles it names.
#[test]
fn the_shipped_configuration_loads_and_its_commented_examples_work() {
    let me = purser::identity::os_account().unwrap();
    let dir = TempDir::new().unwrap();
    shared::init_db(&dir.path().join("purser.redb"));
    let shipped = read("assets/debian/config.toml");
    let whoami = |text: &str| {
        let config = dir.path().join("config.toml");
        std::fs::write(&config, text).unwrap();
        Command::new(BIN)
            .arg("--config")
            .arg(&config)
            .arg("--db")
            .arg(dir.path().join("purser.redb"))
            .args(["--json", "whoami"])
            .env_remove("PURSER_USER")
            .output()
            .unwrap()
    };
    let as_shipped = whoami(&shipped);
    let stderr = String::from_utf8_lossy(&as_shipped.stderr);
    assert_eq!(as_shipped.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&me) && !stderr.contains("configuration file"),
        "{stderr}"
    );

    let taken_in = uncomment_examples(&shipped).replace("[users.alice]", &format!("[users.{me}]"));
    let out = whoami(&taken_in);
    assert!(
        out.status.success(),
        "{}\n{taken_in}",
        String::from_utf8_lossy(&out.stderr)
    );
    let me_json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(me_json["user"], me.as_str());
    assert_eq!(me_json["roles"], serde_json::json!(["buyer", "admin"]));
}

/// Every commented block that starts with `# [section]`, uncommented.
fn uncomment_examples(text: &str) -> String {
    let mut in_example = false;
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("# [") {
            in_example = true;
        } else if !line.starts_with("# ") {
            in_example = false;
        }
        out.push_str(if in_example { &line[2..] } else { line });
        out.push('\n');
    }
    assert!(out.matches("\n[").count() >= 5, "the examples were found:\n{out}");
    out
}

/// A scratch root with stand-ins for getent, addgroup, adduser, chown and
/// dpkg-statoverride that keep their state in files and log every change.
struct Scratch {
    dir: TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = TempDir::new().unwrap();
        let bin = dir.path().join("bin");
        let state = dir.path().join("state");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&state).unwrap();
        for f in ["users", "groups", "overrides", "log"] {
            std::fs::write(state.join(f), "").unwrap();
        }
        let s = state.display();
        write_tool(
            &bin,
            "getent",
            &format!("grep -qx \"$2\" '{s}/'\"$( [ $1 = passwd ] && echo users || echo groups )\""),
        );
        write_tool(
            &bin,
            "addgroup",
            &format!("echo \"addgroup $*\" >> '{s}/log'; eval last=\\${{$#}}; echo \"$last\" >> '{s}/groups'"),
        );
        write_tool(
            &bin,
            "adduser",
            &format!("echo \"adduser $*\" >> '{s}/log'; eval last=\\${{$#}}; echo \"$last\" >> '{s}/users'"),
        );
        write_tool(
            &bin,
            "chown",
            &format!("grep -qx purser '{s}/users' || exit 1; echo \"chown $*\" >> '{s}/log'"),
        );
        // Like the real one: --add refuses a path that already has an override.
        write_tool(
            &bin,
            "dpkg-statoverride",
            &format!(
                "eval path=\\${{$#}}; echo \"dpkg-statoverride $*\" >> '{s}/log'\n\
                 case \"$1\" in\n\
                 --list) grep -q \" $path$\" '{s}/overrides' ;;\n\
                 --update) grep -q \" $path$\" '{s}/overrides' && exit 2; echo \"$3 $4 $5 $path\" >> '{s}/overrides' ;;\n\
                 --remove) grep -q \" $path$\" '{s}/overrides' || exit 2; grep -v \" $path$\" '{s}/overrides' > '{s}/o'; mv '{s}/o' '{s}/overrides' ;;\n\
                 esac"
            ),
        );
        Scratch { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn script(&self, name: &str, arg: &str) {
        run(Command::new("sh")
            .arg(repo().join("assets/debian").join(name))
            .arg(arg)
            .env("DPKG_ROOT", self.root())
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.dir.path().join("bin").display()),
            ));
    }

    fn state(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join("state").join(name)).unwrap()
    }

    fn count(&self, prefix: &str) -> usize {
        self.state("log").lines().filter(|l| l.starts_with(prefix)).count()
    }
}

fn write_tool(dir: &Path, name: &str, body: &str) {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn the_maintainer_scripts_parse() {
    for name in ["postinst", "postrm"] {
        run(Command::new("sh")
            .arg("-n")
            .arg(repo().join("assets/debian").join(name)));
    }
    run(Command::new("sh").arg("-n").arg(repo().join("assets/build-deb.sh")));
}

#[test]
fn postinst_twice_makes_the_account_folder_and_override_once() {
    let s = Scratch::new();
    s.script("postinst", "configure");
    s.script("postinst", "configure");
    assert_eq!(s.state("groups"), "purser\n");
    assert_eq!(s.state("users"), "purser\n");
    assert_eq!(s.count("addgroup --system"), 1);
    assert_eq!(s.count("adduser --system"), 1);
    assert!(s.state("log").contains("--ingroup purser --home /var/lib/purser"));
    assert_eq!(s.state("overrides"), "root purser 0640 /etc/purser/config.toml\n");
    let data = s.root().join("var/lib/purser");
    assert_eq!(std::fs::metadata(&data).unwrap().permissions().mode() & 0o7777, 0o700);
    assert_eq!(s.count("chown purser:purser"), 2, "the folder's owner is set each time");

    // Other dpkg calls (abort-upgrade, …) do nothing of this.
    let before = s.state("log");
    s.script("postinst", "abort-upgrade");
    assert_eq!(s.state("log"), before);
}

#[test]
fn postrm_keeps_the_data_on_remove_and_deletes_it_on_purge_twice_over() {
    let s = Scratch::new();
    s.script("postinst", "configure");
    let data = s.root().join("var/lib/purser");
    std::fs::write(data.join("purser.redb"), "the database").unwrap();
    std::fs::create_dir_all(s.root().join("etc/purser")).unwrap();

    s.script("postrm", "remove");
    assert!(data.join("purser.redb").is_file(), "remove keeps the database");
    assert_eq!(s.state("overrides"), "root purser 0640 /etc/purser/config.toml\n");

    s.script("postrm", "purge");
    assert!(!data.exists(), "purge deletes the database folder");
    assert!(
        !s.root().join("etc/purser").exists(),
        "the emptied configuration folder goes"
    );
    assert_eq!(s.state("overrides"), "");
    s.script("postrm", "purge");
    assert_eq!(s.count("dpkg-statoverride --remove"), 1);
    assert_eq!(s.state("users"), "purser\n", "the account stays");
}
