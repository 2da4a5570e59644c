#!/usr/bin/env bash
# Tests for Scripts/check-imports.py: it passes on this tree, and fails on copies with a planted violation,
# each import form it must recognise, a stale exception and a README without a `May import:` line.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
checker="$root/Scripts/check-imports.py"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
failures=0

# expect STATUS OUTPUT-SUBSTRING DESCRIPTION ROOT
expect() {
    local status="$1" needle="$2" what="$3" tree="$4" output actual=0
    output="$(python3 "$checker" "$tree" 2>&1)" || actual=$?
    if [[ "$actual" != "$status" || "$output" != *"$needle"* ]]; then
        echo "FAIL: $what: expected exit $status and '$needle', got exit $actual:" >&2
        echo "$output" >&2
        failures=$((failures + 1))
    else
        echo "ok: $what"
    fi
}

copy_tree() {  # a copy of the real Sources and Scripts to plant things in
    local tree="$scratch/$1"
    mkdir -p "$tree"
    cp -R "$root/Sources" "$root/Scripts" "$tree/"
    echo "$tree"
}

expect 0 "every import is allowed" "the tree as committed" "$root"

tree="$(copy_tree planted)"
echo 'import StrataModels' >> "$tree/Sources/StrataData/CivilDate.swift"
expect 1 "Sources/StrataData/CivilDate.swift:" "a planted import of a module the README does not list" "$tree"

tree="$(copy_tree stale)"
sed -i '/^import StrataModels$/d' "$tree/Sources/StrataSegments/ProjectModels.swift"
expect 1 "StrataSegments no longer imports StrataModels" "an exception no file needs any more" "$tree"

tree="$(copy_tree unlisted)"
sed -i 's/^May import: .*$/Imports whatever it likes./' "$tree/Sources/StrataData/README.md"
expect 2 "needs exactly one line" "a README without a May import: line" "$tree"

# Each import form, one file at a time, in a one-module tree whose README allows only Foundation.
forms=(
    "import Yams"
    "@testable import Yams"
    "public import Yams"
    "internal import Yams"
    "package import Yams"
    "@_exported import Yams"
    "@preconcurrency import Yams"
    "@_spi(Internal) public import Yams"
    "import struct Yams.Node"
    "import Yams.Submodule"
    "    import Yams"
)
for form in "${forms[@]}"; do
    tree="$scratch/form"
    rm -rf "$tree" && mkdir -p "$tree/Sources/Tiny"
    printf '# Tiny\n\nMay import: Foundation.\n' > "$tree/Sources/Tiny/README.md"
    printf 'import Foundation\n%s\n' "$form" > "$tree/Sources/Tiny/Tiny.swift"
    expect 1 "Tiny.swift:2: Tiny imports Yams" "'$form'" "$tree"
done

# Comments are not imports, and the listed and implicit modules pass.
printf 'import Foundation\nimport Swift\n// import Yams\n/*\nimport Yams\n*/\n' > "$tree/Sources/Tiny/Tiny.swift"
expect 0 "every import is allowed" "commented-out imports and the listed modules" "$tree"

if (( failures > 0 )); then
    echo "test-check-imports: $failures failure(s)" >&2
    exit 1
fi
echo "test-check-imports: all passed"
