"""Matcher v1: names and their variants, web addresses, word-boundary traps, Arrow batches."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from foidesk.search.lexicon import load_lexicon, parse_lexicon
from foidesk.search.matcher import Matcher
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_lexicon("social-media"))


@pytest.mark.parametrize(
    ("text", "platform", "matched"),
    [
        ("messaged him on Facebook", "Facebook", "Facebook"),
        ("FACEBOOK page", "Facebook", "FACEBOOK"),
        ("his Face book profile", "Facebook", "Face book"),
        ("the face-book group", "Facebook", "face-book"),
        ("via Facebook Messenger", "Facebook", "Facebook"),
        ("see facebook.com/some.page", "Facebook", "facebook.com"),
        ("https://www.facebook.com/x", "Facebook", "https://www.facebook.com"),
        ("link fb.com/abc", "Facebook", "fb.com"),
        ("typed facebok", "Facebook", "facebok"),
        ("posted on Twitter", "Twitter", "Twitter"),
        ("he tweeted a photo", "Twitter", "tweeted"),
        ("see twitter.com/handle", "Twitter", "twitter.com"),
        ("see x.com/handle", "Twitter", "x.com"),
        ("spelt twiter", "Twitter", "twiter"),
        ("on WhatsApp", "WhatsApp", "WhatsApp"),
        ("on What's App", "WhatsApp", "What's App"),
        ("on What\u2019s App", "WhatsApp", "What\u2019s App"),
        ("on Whats app", "WhatsApp", "Whats app"),
        ("on whats-app", "WhatsApp", "whats-app"),
        ("he whatsapped her", "WhatsApp", "whatsapped"),
        ("wa.me/447700900123", "WhatsApp", "wa.me"),
        ("chat.whatsapp.com/abc", "WhatsApp", "chat.whatsapp.com"),
        ("typed whatsap", "WhatsApp", "whatsap"),
        ("on Instagram", "Instagram", "Instagram"),
        ("on insta gram", "Instagram", "insta gram"),
        ("instagram.com/user", "Instagram", "instagram.com"),
        ("typed instagramm", "Instagram", "instagramm"),
        ("on TikTok", "TikTok", "TikTok"),
        ("on Tik Tok", "TikTok", "Tik Tok"),
        ("vm.tiktok.com/ZM1", "TikTok", "vm.tiktok.com"),
        ("typed tiktock", "TikTok", "tiktock"),
        ("on Snapchat", "Snapchat", "Snapchat"),
        ("on snap chat", "Snapchat", "snap chat"),
        ("on Snap-Chat", "Snapchat", "Snap-Chat"),
        ("on Snap\u00a0chat", "Snapchat", "Snap\u00a0chat"),
        ("snapchat.com/add/user", "Snapchat", "snapchat.com"),
        ("typed snapchatt", "Snapchat", "snapchatt"),
    ],
)
def test_mentions(matcher: Matcher, text: str, platform: str, matched: str) -> None:
    hits = matcher.match_text(text)
    assert [(h.platform, h.matched) for h in hits] == [(platform, matched)]
    hit = hits[0]
    assert text[hit.start : hit.end] == hit.matched


@pytest.mark.parametrize(
    "text",
    [
        "he snapped at officers",
        "during the cold snap",
        "paid in instalments",
        "no reason whatsoever",
        "took a snapshot",
        "a Snapper fish",
        "Caféfacebook sign",
        "facebookers",
        "his face. Book of names",
        "face book",  # adjacent: this one IS a mention (control for the line above)
        "fax.com and box.com",
        "tick tock of the clock",
        "birds twittering",
        "SC 4512 attended",
    ],
)
def test_traps(matcher: Matcher, text: str) -> None:
    hits = matcher.match_text(text)
    if text == "face book":
        assert [h.matched for h in hits] == ["face book"]
    else:
        assert hits == [], text


def test_spans_are_character_offsets_after_emoji_and_accents(matcher: Matcher) -> None:
    text = "café 😀 naïve — contacted on Snapchat and Facebook"
    hits = matcher.match_text(text)
    assert [text[h.start : h.end] for h in hits] == ["Snapchat", "Facebook"]
    assert hits[0].start == text.index("Snapchat")


def test_accented_letter_touching_a_name_is_no_mention(matcher: Matcher) -> None:
    assert matcher.match_text("éFacebook") == []
    assert matcher.match_text("Facebooké") == []
    assert matcher.match_text("e\u0301Facebook") == []  # combining accent
    assert [h.matched for h in matcher.match_text("«Facebook»")] == ["Facebook"]


def test_overlapping_candidates_collapse_to_the_longest(matcher: Matcher) -> None:
    hits = matcher.match_text("www.facebook.com and FACEBOOKS")
    assert [(h.matched, h.rule) for h in hits] == [
        ("www.facebook.com", "facebook.url"),
        ("FACEBOOKS", "facebook.name"),
    ]


def test_batches_with_nulls_slices_and_large_strings(matcher: Matcher) -> None:
    values = ["www.", "facebook.com", None, "snap", "chat on Snapchat", "", "Tik", "Tok"]
    for kind in (pa.string(), pa.large_string()):
        array = pa.array(values, type=kind)
        hits = [h for h in matcher.match_array(array, "f") if h.certainty == "certain"]
        # "www." + "facebook.com" and "snap" + "chat" and "Tik" + "Tok" sit in separate rows:
        # no hit crosses a row boundary ("snap" alone is a possible hit of its own row)
        assert [(h.row, h.matched) for h in hits] == [(1, "facebook.com"), (4, "Snapchat")]
        sliced = matcher.match_array(array.slice(3, 3), "f")
        assert [(h.row, h.matched, h.start) for h in sliced] == [(0, "snap", 0), (1, "Snapchat", 8)]
        chunked = pa.chunked_array([array.slice(0, 2), array.slice(2)])
        assert [(h.row, h.matched) for h in matcher.match_array(chunked, "f")] == [
            (1, "facebook.com"),
            (3, "snap"),
            (4, "Snapchat"),
        ]


def test_null_slot_with_bytes_behind_it_is_skipped(matcher: Matcher) -> None:
    # an Arrow null slot may still own bytes in the value buffer
    base = pa.array(["on Facebook", "on Twitter", "x"])
    masked = pa.Array.from_buffers(
        pa.string(), 3, [pa.py_buffer(bytes([0b101])), *base.buffers()[1:]], null_count=1
    )
    assert masked.to_pylist() == ["on Facebook", None, "x"]
    assert [h.platform for h in matcher.match_array(masked, "f")] == ["Facebook"]


def test_only_requested_platforms_are_searched() -> None:
    lexicon = load_lexicon("social-media")
    m = Matcher(lexicon, list(lexicon.select(["Snapchat"])))
    assert [h.platform for h in m.match_text("Facebook and Snapchat")] == ["Snapchat"]
    other = Matcher(lexicon, list(lexicon.select(["telegram"])))
    assert [h.platform for h in other.match_text("on Telegram, t.me/x")] == ["Telegram"] * 2


def test_bad_lexicon_files_are_refused() -> None:
    from foidesk.errors import FoideskError

    with pytest.raises(FoideskError, match="unknown token"):
        parse_lexicon(
            b'[[platform]]\nname = "A"\n[[platform.rule]]\nname = "a"\npattern = "{NOPE}a"\n',
            "x.toml",
        )
    with pytest.raises(FoideskError, match="has no rules"):
        parse_lexicon(b'[[platform]]\nname = "A"\n', "x.toml")


def test_match_command_jsonl(tmp_path: Path) -> None:
    lines = [
        {"id": 1, "text": "Contacted via Snap chat and What’s App"},
        {"id": "b", "text": None},
        {"id": 3, "text": "he snapped; instalment", "text_extra": "on FACEBOOK"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    proc = run_cli("match", path)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, "b", 3]
    assert out[0]["terms"] == out[0]["platforms"] == ["WhatsApp", "Snapchat"]
    assert out[0]["hits"][0] == {
        "term": "Snapchat",
        "platform": "Snapchat",
        "field": "text",
        "start": 14,
        "end": 23,
        "text": "Snap chat",
        "rule": "snapchat.name",
        "certainty": "certain",
    }
    assert out[1] == {"id": "b", "terms": [], "possible": [], "platforms": [], "hits": []}
    assert out[2]["platforms"] == ["Facebook"]
    assert out[2]["hits"][0]["field"] == "text_extra"


def test_match_says_which_terms_are_possible_only(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(
        json.dumps({"id": 1, "text": "threats on Messenger, then on Facebook"})
        + "\n"
        + json.dumps({"id": 2, "text": "threats on Messenger"})
        + "\n",
        encoding="utf-8",
    )
    out = [json.loads(line) for line in run_cli("match", path).stdout.splitlines()]
    # beside a certain Facebook the possible Messenger adds nothing; alone it is possible
    assert (out[0]["terms"], out[0]["possible"]) == (["Facebook"], [])
    assert (out[1]["terms"], out[1]["possible"]) == ([], ["Facebook"])
    assert out[1]["hits"][0]["certainty"] == "possible"
    explained = run_cli("match", path, "--explain").stdout
    assert "2: (possible: Facebook)" in explained
    assert "Facebook  possible text[11:20] rule facebook.products" in explained


def test_match_with_a_term_of_no_lexicon(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"id": i, "text": t})
            for i, t in enumerate(["on Grindr", "grindr.com/x", "Grindrr", "coffee grinder"])
        )
        + "\n",
        encoding="utf-8",
    )
    out = [json.loads(x) for x in run_cli("match", path, "--term", "Grindr").stdout.splitlines()]
    assert [(o["terms"], o["possible"]) for o in out] == [
        (["Grindr"], []),
        (["Grindr"], []),
        ([], ["Grindr"]),
        ([], []),
    ]


def test_match_command_csv_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text('id,text\n7,"on insta gram"\n8,nothing\n', encoding="utf-8")
    out = [json.loads(x) for x in run_cli("match", path).stdout.splitlines()]
    assert [o["platforms"] for o in out] == [["Instagram"], []]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "ok"}\n{"id": 2, "text": \n')
    proc = run_cli("match", bad)
    assert proc.returncode == 2 and "bad.jsonl: line 2: not valid JSON" in proc.stderr
