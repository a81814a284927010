#!/bin/sh
# Builds Purser's .deb: the release binary, its manual pages and shell completions
# (generated from the command line itself into target/deb-assets/ by purser-harness, which
# carries the generators so that purser does not), then `cargo deb --no-build`. Needs cargo-deb (cargo install cargo-deb --locked). The package lands in
# target/debian/. The release build takes about ten minutes on two cores.
set -eu
cd "$(dirname "$0")/.."

cargo build --release --bin purser --bin purser-harness
harness="${CARGO_TARGET_DIR:-target}/release/purser-harness"

out=target/deb-assets
rm -rf "$out"
mkdir -p "$out/completions"
"$harness" man "$out/man"
"$harness" completions bash > "$out/completions/purser.bash"
"$harness" completions zsh > "$out/completions/_purser"
"$harness" completions fish > "$out/completions/purser.fish"

cargo deb --no-build "$@"
