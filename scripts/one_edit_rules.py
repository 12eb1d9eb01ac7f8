"""Write (or check) the one-edit spelling rules of the built-in social-media lexicon.

Each of the six platforms' names has a generated rule ``<platform>.slip``, certain: the typing
slips of the name that keep its letters in their order (a letter doubled, "whattsapp",
"tikttok"; a letter dropped, "instgram", "whatsap"; two neighbours swapped, "titkok",
"instagarm") and are not English words (``search.adhoc.english``: the word lists of the
word-list guard), not another term of the lexicon and not already matched by one of its
certain rules. The other one-edit spellings (a letter changed or a different one added:
"FaceLook", "Instaglam", also names of shops) are left out of the built-in lexicon: as
possible hits they cost the scan of every note a tenth of its speed and found nothing the
slips did not on the held-out notes; an ad hoc term gets them (``search.adhoc``).

The patterns are generated here, once, and kept in the TOML (so that answering never loads
the word lists); ``tests/test_lexicon_rules.py`` fails when the TOML and this script
disagree.

    python scripts/one_edit_rules.py            # print what differs
    python scripts/one_edit_rules.py --write    # rewrite the patterns in the TOML
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import resources
from pathlib import Path

from foidesk.search.adhoc import _one_edit, _spellings
from foidesk.search.lexicon import load_lexicon

NAMES = {
    "Facebook": "facebook",
    "Twitter": "twitter",
    "WhatsApp": "whatsapp",
    "Instagram": "instagram",
    "TikTok": "tiktok",
    "Snapchat": "snapchat",
}
SUFFIXES = (".slip",)


def slips(name: str) -> set[str]:
    """The typing slips of ``name``: a letter doubled, a letter dropped, two neighbouring
    letters swapped."""
    found = {name[: i + 1] + name[i] + name[i + 1 :] for i in range(len(name))}
    found |= {name[:i] + name[i + 1 :] for i in range(len(name))}
    found |= {
        name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        for i in range(len(name) - 1)
        if name[i] != name[i + 1]
    }
    found.discard(name)
    return found


def toml_path() -> Path:
    """The built-in lexicon's file."""
    return Path(str(resources.files("foidesk.search").joinpath("lexicons/social-media.toml")))


def generated() -> dict[str, str]:
    """rule name -> the pattern this script makes for it."""
    lexicon = load_lexicon("social-media")
    certain = [
        r.pattern
        for p in lexicon.platforms
        for r in p.rules
        if r.certainty == "certain" and not r.needs_signal and not r.name.endswith(SUFFIXES)
    ]
    names = [p.name for p in lexicon.platforms]
    rules: dict[str, str] = {}
    for slug in NAMES.values():
        kept = set(_one_edit([slug], names, certain).kept)
        rules[f"{slug}.slip"] = _spellings([slug], kept & slips(slug))
    return rules


def in_toml(text: str) -> dict[str, str]:
    """rule name -> the pattern the TOML holds for it (TOML literal strings)."""
    found = re.findall(r"name = \"([a-z]+\.slip)\"\npattern = '([^']*)'", text)
    return dict(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the TOML's patterns")
    args = parser.parse_args()
    path = toml_path()
    text = path.read_text(encoding="utf-8")
    want, have = generated(), in_toml(text)
    differ = sorted(n for n in want if want[n] != have.get(n))
    if not differ:
        print("one-edit rules are up to date")
        return
    if not args.write:
        print("differ: " + ", ".join(differ), file=sys.stderr)
        sys.exit(1)
    for name in differ:
        if name not in have:
            sys.exit(f"{path}: no rule {name} to rewrite (add it with pattern = '')")
        text = text.replace(
            f"name = \"{name}\"\npattern = '{have[name]}'",
            f"name = \"{name}\"\npattern = '{want[name]}'",
        )
    path.write_text(text, encoding="utf-8")
    print("rewrote: " + ", ".join(differ))


if __name__ == "__main__":
    main()
