"""The matcher's path for the common row (``Matcher._resolve_plain``: candidates that are all
rules needing no signal, a lexicon without negation) gives exactly the hits of the general
path, which every other row takes."""

from __future__ import annotations

import pyarrow as pa
import pytest

from foidesk.search.lexicon import load_lexicon
from foidesk.search.matcher import Hit, Matcher

from .test_matcher_linear import PIECES

TEXTS = [
    *PIECES,
    "Contacted on Facebook and Instagram, then Facebook messenger.",
    "messenger only",  # a possible hit alone
    "FB messenger and Facebook Marketplace",
    "Face book, facebooked, FaceBook, facebook.com/abc and www.facebook.com",
    "Caféfacebook, facebook_x, xfacebook, 1facebook, facebook1, é facebook é",
    "insta\u00adgram, Insta\u00adgram\u00adx, kni\u00adfe, \u00adfacebook\u00ad",
    "\u200btiktok\u200b, \u2060twitter\u2060x",
    "Snapchаt (a Cyrillic а), ｆａｃｅｂｏｏｋ, 😀Snapchat😀, naïve TikTok user",
    "tik tok tiktok tik-tok TikToks; What's App and WhatsApp'd, whatsup",
    "on the gram, telegram, Telegram, t.me/x, youtu.be/x, YouTube",
    "",
    "X (formerly Twitter) and twitter / x, tweeted; retweets",
]


@pytest.mark.parametrize("lexicon_name", ["social-media", "knife"])
@pytest.mark.parametrize("only_some", [False, True])
def test_plain_path_is_the_general_path(lexicon_name: str, only_some: bool) -> None:
    lexicon = load_lexicon(lexicon_name)
    platforms = list(lexicon.platforms)[:2] if only_some else list(lexicon.platforms)
    fast = Matcher(lexicon, platforms)
    general = Matcher(lexicon, platforms)
    general._plain_ids = None  # every row by the general path
    rows = [*TEXTS, *(a + " " + b for a in TEXTS for b in TEXTS[:6]), None]
    array = pa.array(rows, pa.string())
    hits: list[Hit] = fast.match_array(array, "text")
    assert hits == general.match_array(array, "text")
    if lexicon_name == "social-media" and not only_some:
        assert fast._plain_ids and len(hits) > 100


def test_plain_path_is_taken() -> None:
    """Most rows with a mention take the plain path: full names, ASCII or not."""
    lexicon = load_lexicon("social-media")
    matcher = Matcher(lexicon)
    taken: list[bool] = []
    resolve = matcher._resolve_plain

    def counting(*args: object) -> list[Hit] | None:
        hits = resolve(*args)  # type: ignore[arg-type]
        taken.append(hits is not None)
        return hits

    matcher._resolve_plain = counting  # type: ignore[method-assign]
    rows = ["on Facebook", "Naïve on Instagram", "via FB and Facebook", "SC 4512 on Facebook"]
    assert [h.platform for h in matcher.match_array(pa.array(rows), "t")] == [
        "Facebook",
        "Instagram",
        "Facebook",
        "Facebook",
        "Facebook",
    ]
    assert taken == [True, True, False, False]
