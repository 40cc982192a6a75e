#!/usr/bin/env python3
"""Write FSDD's speakers.tsv (speaker, gender, accent) from the repository's metadata.py.

Usage: fsdd_speakers.py <metadata.py> <recordings-dir> <speakers.tsv>

metadata.py is a Python dict literal; it is parsed with ``ast.literal_eval``, never
executed. Accents are written as one token the way the recipe's labels use them:
'USA/neutral' -> 'USA', 'BEL/French' -> 'BEL-French'. Recordings of speakers the metadata
does not describe cannot get an accent label: they are moved to
<recordings-dir>/../recordings_unlisted and counted, so that data preparation sees only
labelled speakers.
"""

import ast
import re
import sys
from collections import Counter
from pathlib import Path


def read_metadata(path: Path) -> dict:
    """The ``metadata = {...}`` literal of metadata.py."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "metadata" for t in node.targets):
            value = ast.literal_eval(node.value)
            if isinstance(value, dict):
                return value
    raise SystemExit(f"fsdd_speakers.py: ERROR: {path}: no 'metadata = {{...}}' dictionary")


def accent_token(accent: str) -> str:
    parts = [p.strip() for p in accent.split("/") if p.strip() and p.strip().lower() != "neutral"]
    return "-".join("_".join(p.split()) for p in parts) or "unknown"


def main(argv) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 1
    meta_path, rec_dir, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    meta = read_metadata(meta_path)
    rows = []
    for name, info in sorted(meta.items()):
        gender = str(info.get("gender", "")).lower()
        if gender not in ("male", "female"):
            print(f"fsdd_speakers.py: ERROR: {meta_path}: speaker {name} has gender {gender!r}, not male/female", file=sys.stderr)
            return 1
        rows.append((name, gender, accent_token(str(info.get("accent", "")))))
    pattern = re.compile(r"^[0-9]_(?P<spk>[A-Za-z0-9]+)_[0-9]+\.wav$")
    unlisted = Counter()
    for wav in sorted(rec_dir.iterdir()):
        m = pattern.match(wav.name)
        if m and m.group("spk") not in meta:
            aside = rec_dir.parent / "recordings_unlisted"
            aside.mkdir(exist_ok=True)
            wav.rename(aside / wav.name)
            unlisted[m.group("spk")] += 1
    for spk, n in sorted(unlisted.items()):
        print(f"fsdd_speakers.py: speaker {spk} is not in {meta_path}: {n} recordings moved to recordings_unlisted/", file=sys.stderr)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("speaker\tgender\taccent\n" + "".join(f"{n}\t{g}\t{a}\n" for n, g, a in rows), encoding="utf-8")
    tmp.replace(out)
    print(f"fsdd_speakers.py: wrote {out}: {len(rows)} speakers")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
