#!/usr/bin/env python3
"""Fails when a Swift file imports a module its module's README does not allow.

Every Swift module under `Sources/<Module>/` has a `README.md` with one line of the form

    May import: StrataData, StrataLinearAlgebra, Yams, Foundation, Dispatch.

(a comma-separated list of module names, ending with a full stop; prose about why goes on the following
lines). Every `import X` in `Sources/<Module>/**/*.swift` -- with any attributes (`@testable`,
`@_exported`, `@preconcurrency`, ...), access level (`public import`, `internal import`, ...), kind
(`import struct Foundation.URL`) or submodule (`import Foundation.NSData` counts as `Foundation`) -- must
name a module on that line. The only module allowed without being listed is `Swift` itself; Foundation,
Dispatch, Glibc, Darwin, Synchronization and the like are listed by each module that uses them.

Known violations that cannot be removed yet are listed, one edge per line with the issue that will remove
them, in `Scripts/import-exceptions.txt`. An exception that no file needs any more is an error too, so the
list only shrinks.

Usage: Scripts/check-imports.py [ROOT]   (ROOT defaults to the repository holding this script)
Exit status: 0 when every import is allowed, 1 when one is not (each printed as file:line), 2 on a README
without a `May import:` line or a malformed exceptions file.
"""

import re
import sys
from pathlib import Path

# Always available: the standard library's own module.
IMPLICITLY_ALLOWED = {"Swift"}

ALLOWED_LINE = re.compile(r"^May import:\s*(?P<list>[^.]*)\.\s*$", re.MULTILINE)
MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
IMPORT = re.compile(
    r"^\s*"
    r"(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*"                       # @testable, @_exported, @_spi(X), ...
    r"(?:(?:public|package|internal|fileprivate|private)\s+)?"  # access level (SE-0409)
    r"import\s+"
    r"(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?"  # kind imports
    r"(?P<module>[A-Za-z_][A-Za-z0-9_]*)"
)


def allowed_imports(readme: Path) -> set[str]:
    text = readme.read_text(encoding="utf-8")
    matches = ALLOWED_LINE.findall(text)
    if len(matches) != 1:
        raise ValueError(f"{readme}: needs exactly one line 'May import: A, B, C.' (found {len(matches)})")
    names = [name.strip() for name in matches[0].split(",") if name.strip()]
    for name in names:
        if not MODULE_NAME.match(name):
            raise ValueError(f"{readme}: 'May import:' lists {name!r}, which is not a module name")
    return set(names)


def read_exceptions(path: Path) -> dict[tuple[str, str], str]:
    """`Importer Imported  # issue N: why` per line; blank lines and `#` comment lines are skipped."""
    exceptions: dict[tuple[str, str], str] = {}
    if not path.exists():
        return exceptions
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line, _, comment = raw.partition("#")
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2 or not re.search(r"issue \d+", comment):
            raise ValueError(f"{path}:{number}: expected 'Importer Imported  # issue N: why', found {raw!r}")
        exceptions[(fields[0], fields[1])] = comment.strip()
    return exceptions


def swift_imports(file: Path):
    in_block_comment = False
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if in_block_comment:
            if "*/" in line:
                in_block_comment = False
            continue
        if line.lstrip().startswith("/*") and "*/" not in line:
            in_block_comment = True
            continue
        match = IMPORT.match(line)
        if match:
            yield number, match.group("module")


def check(root: Path) -> int:
    sources = root / "Sources"
    exceptions = read_exceptions(root / "Scripts" / "import-exceptions.txt")
    used_exceptions: set[tuple[str, str]] = set()
    violations: list[str] = []
    for module_dir in sorted(p for p in sources.iterdir() if p.is_dir()):
        files = sorted(module_dir.rglob("*.swift"))
        if not files:
            continue  # C targets: their READMEs say what they may include
        module = module_dir.name
        allowed = allowed_imports(module_dir / "README.md") | IMPLICITLY_ALLOWED
        for file in files:
            for number, imported in swift_imports(file):
                if imported in allowed or imported == module:
                    continue
                if (module, imported) in exceptions:
                    used_exceptions.add((module, imported))
                    continue
                violations.append(f"{file.relative_to(root)}:{number}: {module} imports {imported}, "
                                  f"which {module_dir.relative_to(root)}/README.md does not allow")
    for edge in sorted(set(exceptions) - used_exceptions):
        violations.append(f"Scripts/import-exceptions.txt: {edge[0]} no longer imports {edge[1]}; "
                          f"remove the exception")
    for violation in violations:
        print(violation, file=sys.stderr)
    for edge in sorted(used_exceptions):
        print(f"check-imports: allowed by exception: {edge[0]} -> {edge[1]} ({exceptions[edge]})")
    if violations:
        print(f"check-imports: {len(violations)} import(s) not allowed", file=sys.stderr)
        return 1
    print("check-imports: every import is allowed by its module's README")
    return 0


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    try:
        return check(root)
    except ValueError as error:
        print(f"check-imports: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
