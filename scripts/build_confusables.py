"""Build `bot/policy/unicode_confusables.txt` from Unicode's `confusables.txt` (UTS #39).

Usage: ``python scripts/build_confusables.py path/to/confusables.txt``

Keeps what prompt matching can meet after its own folding (NFKC, case folding, NFD without
combining marks): non-ASCII sources that those steps leave unchanged, each with its prototype
folded the same way. ASCII is never remapped (no "0" -> "o" guessing: see README).
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "bot" / "policy" / "unicode_confusables.txt"


def fold(text: str) -> str:
    """NFKC, casefold, NFD and drop combining marks: the matcher's steps before mapping."""
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(c for c in text if not unicodedata.category(c).startswith("M"))


def main(source: Path) -> None:
    """Read `source`, write the folded table to `OUT`."""
    header: list[str] = []
    table: dict[str, str] = {}
    for line in source.read_text(encoding="utf-8-sig").splitlines():
        if line.startswith("#") and len(header) < 9:
            header.append(line)
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        src_hex, dst_hex, *_ = (part.strip() for part in data.split(";"))
        src = chr(int(src_hex, 16))
        if src.isascii() or unicodedata.category(src).startswith("M") or fold(src) != src:
            continue
        table[src] = fold("".join(chr(int(h, 16)) for h in dst_hex.split()))
    for _ in range(3):  # prototypes are final in UTS #39, but folding can expose a source again
        table = {s: "".join(table.get(c, c) for c in p) for s, p in table.items()}
    rows = sorted((s, p) for s, p in table.items() if p != s)
    lines = [
        "# Derived from Unicode's confusables.txt (Unicode Security Mechanisms, UTS #39).",
        *(f"# source header: {h.lstrip('# ').strip()}" for h in header if h.strip("# \ufeff")),
        "# Redistributed under the Unicode License (https://www.unicode.org/license.txt);",
        "# terms of use: https://www.unicode.org/terms_of_use.html",
        "# Built by scripts/build_confusables.py: <source code point> TAB <folded prototype code points>.",
    ]
    lines += [f"{ord(s):04X}\t{' '.join(f'{ord(c):04X}' for c in p)}" for s, p in rows]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} mappings to {OUT}")  # noqa: T201 - a command-line tool


if __name__ == "__main__":
    main(Path(sys.argv[1]))
