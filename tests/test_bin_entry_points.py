"""mtlhybrid/bin/ holds entry points only: no module imports one (bin/main.py's dispatch aside).

The library is what the tools call; a helper another tool or module needs lives in the
library, so importing a module never runs (or depends on) another tool's command line.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, Tuple

PACKAGE = Path(__file__).resolve().parents[1] / "mtlhybrid"


def imported_modules(source: str, package: str) -> Iterator[Tuple[int, str]]:
    """(line, absolute module name) of every import in ``source``, nested ones included.

    ``package`` is the dotted package of the file, to resolve relative imports; for
    ``from a import b`` both ``a`` and ``a.b`` are given (``b`` may be a module).
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            yield node.lineno, base
            for a in node.names:
                yield node.lineno, f"{base}.{a.name}"


def is_entry_point(module: str) -> bool:
    return module == "mtlhybrid.bin" or module.startswith("mtlhybrid.bin.")


def test_no_module_imports_an_entry_point():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent)
        if rel.as_posix() == "mtlhybrid/bin/main.py":
            continue
        package = ".".join(rel.parent.parts)
        offenders += [f"{rel}:{n}: {m}" for n, m in imported_modules(path.read_text(), package) if is_entry_point(m)]
    assert offenders == []


def test_scan_finds_nested_and_relative_imports_of_entry_points():
    nested = "def f():\n    from mtlhybrid.bin.nnet_train import main\n"
    relative = "from .run_pl import main\n"
    plain = "import mtlhybrid.bin.gmm_info\n"
    assert any(is_entry_point(m) for _, m in imported_modules(nested, "mtlhybrid.adapt"))
    assert (1, "mtlhybrid.bin.run_pl") in list(imported_modules(relative, "mtlhybrid.bin"))
    assert (1, "mtlhybrid.bin.gmm_info") in list(imported_modules(plain, "mtlhybrid.data"))
    assert not any(is_entry_point(m) for _, m in imported_modules("from mtlhybrid.jobs.cli import jobs_main\n", "mtlhybrid.bin"))
