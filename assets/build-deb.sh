#!/bin/sh
# Builds Purser's .deb: the release binary, its manual pages and shell completions
# (generated from the command line itself into target/deb-assets/ by purser-docs, which
# carries the generators so that purser does not), then `cargo deb --no-build`. Needs cargo-deb (cargo install cargo-deb --locked). The package lands in
# target/debian/. The release build takes about ten minutes on two cores.
set -eu
cd "$(dirname "$0")/.."

cargo build --release --bin purser --bin purser-docs
docs="${CARGO_TARGET_DIR:-target}/release/purser-docs"

out=target/deb-assets
rm -rf "$out"
mkdir -p "$out/completions"
"$docs" man "$out/man"
"$docs" completions bash > "$out/completions/purser.bash"
"$docs" completions zsh > "$out/completions/_purser"
"$docs" completions fish > "$out/completions/purser.fish"

cargo deb --no-build "$@"
