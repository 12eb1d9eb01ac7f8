"""Every rule and every exclusion of the built-in lexicon, with positive and negative cases.

``test_every_rule_and_exclusion_has_cases`` fails when a rule or exclusion is added to the
lexicon without cases here.
"""

from __future__ import annotations

import pytest

from foidesk.search.lexicon import load_lexicon
from foidesk.search.matcher import Matcher

LEXICON = load_lexicon("social-media")
MATCHER = Matcher(LEXICON, list(LEXICON.platforms))

# rule -> (text, the matched text it must produce)
POSITIVE: dict[str, list[tuple[str, str]]] = {
    "facebook.name": [("msgs on Face-book", "Face-book"), ("Facebook Marketplace", "Facebook")],
    "facebook.misspelling": [("his facebok page", "facebok"), ("on faceboook", "faceboook")],
    "facebook.url": [("see m.facebook.com/x", "m.facebook.com"), ("fb.me/abc", "fb.me")],
    "facebook.short": [("FB messenger", "FB"), ("posted to FB", "FB")],
    "facebook.abbreviated": [("harassment via fbook", "fbook"), ("on f/book", "f/book")],
    "facebook.products": [
        ("threats on Messenger", "Messenger"),
        ("off marketplace", "marketplace"),
    ],
    "twitter.name": [("on TWITTER", "TWITTER")],
    "twitter.misspelling": [("a twiter account", "twiter")],
    "twitter.derived": [("he retweeted it", "retweeted"), ("a tweet", "tweet")],
    "twitter.abbreviated": [("checked twitr acc", "twitr"), ("susp RT'd it", "RT'd")],
    "twitter.x-account": [("his X account", "X account"), ("X: @jay_99", "X: @jay_99")],
    "twitter.x-short": [("posted on X", "X")],
    "twitter.x": [("on X (formerly Twitter)", "X (formerly Twitter)"), ("Twitter/X", "Twitter/X")],
    "twitter.url": [("x.com/handle", "x.com"), ("https://twitter.com/a", "https://twitter.com")],
    "whatsapp.name": [("What’s App", "What’s App"), ("Whats'app", "Whats'app")],
    "whatsapp.misspelling": [("on watsapp", "watsapp"), ("whatsap msg", "whatsap")],
    "whatsapp.url": [("wa.me/447700900123", "wa.me"), ("chat.whatsapp.com/x", "chat.whatsapp.com")],
    "whatsapp.abbreviated": [("msgs via w/app", "w/app"), ("on wassap", "wassap")],
    "whatsapp.whatsup": [("a message on whatsup", "whatsup")],
    "whatsapp.short": [("WA group", "WA"), ("a WA voice note", "WA")],
    "instagram.name": [("Insta gram", "Insta gram"), ("instagrammed it", "instagrammed")],
    "instagram.misspelling": [("instagramm", "instagramm"), ("instergram", "instergram")],
    "instagram.url": [("instagram.com/u", "instagram.com"), ("instagr.am/p", "instagr.am")],
    "instagram.short": [
        ("her insta story", "insta"),
        ("posted to insta", "insta"),
        ("the sellers insta showed more", "insta"),  # on its own since version 3
    ],
    "instagram.slang": [("chatting on the gram", "on the gram")],
    "instagram.short-ig": [("IG: @jay_99", "IG"), ("his IG account", "IG")],
    "tiktok.name": [("Tik Tok", "Tik Tok"), ("a TikToker", "TikToker")],
    "tiktok.misspelling": [("tiktock vid", "tiktock"), ("on tictok", "tictok")],
    "tiktok.url": [("vm.tiktok.com/ZM", "vm.tiktok.com"), ("tiktok.com/@a", "tiktok.com")],
    "tiktok.short": [("his TT account", "TT"), ("on TT", "TT")],
    "tiktok.musically": [("met on musical.ly", "musical.ly")],
    "snapchat.name": [("snap-chat", "snap-chat"), ("he snapchatted her", "snapchatted")],
    "snapchat.misspelling": [("snapchatt", "snapchatt"), ("snpachat", "snpachat")],
    "snapchat.url": [("snapchat.com/add/x", "snapchat.com")],
    "snapchat.short": [("via Snap", "Snap"), ("snap map", "snap"), ("added him on snap", "snap")],
    "snapchat.company": [("request to Snap Inc", "Snap Inc")],
    "facebook.slip": [("on faceboko", "faceboko"), ("his faacebook", "faacebook")],
    "twitter.slip": [("on twiitter", "twiitter"), ("on tiwtter", "tiwtter")],
    "whatsapp.slip": [("whattsapp msgs", "whattsapp"), ("on whtasapp", "whtasapp")],
    "instagram.slip": [("through instagarm", "instagarm"), ("on isntagram", "isntagram")],
    "tiktok.slip": [("a titkok acc", "titkok"), ("from tikttok", "tikttok")],
    "snapchat.slip": [("on snaapchat", "snaapchat"), ("via snappchat", "snappchat")],
    "telegram.name": [("a Telegram channel", "Telegram")],
    "telegram.url": [("t.me/deals", "t.me")],
    "signal.app": [("Signal app", "Signal app")],
    "signal.url": [("signal.me/#p", "signal.me")],
    "wickr.name": [("Wickr Me", "Wickr Me")],
    "kik.name": [("on Kik", "Kik")],
    "yubo.name": [("Yubo", "Yubo")],
    "discord.app": [("a Discord server", "Discord server")],
    "discord.url": [("discord.gg/x", "discord.gg")],
    "discord.short": [("on Discord", "Discord")],
    "youtube.name": [("You Tube", "You Tube")],
    "youtube.url": [("youtu.be/x", "youtu.be")],
    "threads.app": [("Threads app", "Threads app")],
    "threads.url": [("threads.net/@x", "threads.net")],
}

# rule -> texts where the rule's platform must NOT be found
NEGATIVE: dict[str, list[str]] = {
    "facebook.name": ["Caféfacebook", "his face. Book of names", "face, book", "facebooker's"],
    "facebook.misspelling": ["face boko"],
    "facebook.url": ["notfacebook.com"],
    "facebook.short": ["FB", "ref WA/FB/0231", "the F.B.I. called"],
    "facebook.abbreviated": ["fbooking"],
    "facebook.products": ["a bike messenger", "metadata"],
    "twitter.name": ["twittering", "birds twitter at dawn"],
    "twitter.misspelling": ["twitery"],
    "twitter.derived": ["the birds were tweeting", "tweeter speakers", "Tweety Pie"],
    "twitter.abbreviated": ["art'd", "rtd"],
    "twitter.x-account": ["account X", "box account"],
    "twitter.x-short": ["Mr X said", "X2 males"],
    "twitter.x": ["Mr X said", "posted on X", "Xbox"],
    "twitter.url": ["dropbox.com", "fedex.com", "netflix.com"],
    "whatsapp.name": ["what's apparent", "whatsoever", "what's appropriate"],
    "whatsapp.misspelling": ["what's ape"],
    "whatsapp.url": ["kiwa.me"],
    "whatsapp.short": ["WA1 2AB", "Seattle, WA 98101", "WA"],
    "whatsapp.abbreviated": ["W/A given to both parties"],  # words of advice
    "whatsapp.whatsup": ["whatsupport"],
    "instagram.name": ["Instagramophone"],
    "instagram.slang": ["sold by the gram", "the gram of cocaine"],
    "instagram.misspelling": ["instagrammatic"],
    "instagram.url": ["myinstagram.company"],
    "instagram.short": ["instalment", "an insta-worthy meal", "instant coffee"],
    "instagram.short-ig": ["IG checks negative", "PNC, PND and IG checks", "Intel from IG"],
    "tiktok.name": ["tick tock of the clock"],
    "tiktok.misspelling": ["tick-tock"],
    "tiktok.url": ["mytiktok.community"],
    "tiktok.short": ["TT unit deployed", "Audi TT", "ARV, TT and dog unit"],
    "tiktok.musically": ["musically gifted"],
    "snapchat.name": ["snapped", "snapchatty"],
    "snapchat.misspelling": ["snapcats"],
    "snapchat.url": ["mysnapchat.community"],
    "snapchat.short": ["cold snap", "a snap decision", "he will snap", "sent a snap", "snapped"],
    "snapchat.company": ["snap incision"],
    "facebook.slip": ["factbook"],
    "twitter.slip": ["twister", "titter"],
    "whatsapp.slip": ["whatsoever"],
    "instagram.slip": ["instagrammar"],
    "tiktok.slip": ["ticktock"],
    "snapchat.slip": ["snapshot"],
    "telegram.name": ["telegrams"],
    "telegram.url": ["at.me"],
    "signal.app": ["traffic signal"],
    "signal.url": ["signal.orgs"],
    "wickr.name": ["wicker basket"],
    "kik.name": ["kick"],
    "yubo.name": ["yubon"],
    "discord.app": ["family discord"],
    "discord.url": ["discord.gov"],
    "discord.short": ["there was discord"],
    "youtube.name": ["you tubed"],
    "youtube.url": ["myyoutube.company"],
    "threads.app": ["loose threads"],
    "threads.url": ["threads.network"],
}

# exclusion -> (a text the exclusion removes a candidate from, the platform it would have been)
EXCLUSIONS: dict[str, list[tuple[str, str]]] = {
    "police.special-constable": [("via SC 4512", "Snapchat"), ("on SC duties", "Snapchat")],
    "vehicle.audi-tt": [("drove off in his TT, silver", "TikTok"), ("his TT coupe", "TikTok")],
    "business.name": [
        ("burglary at Tik Tok Nails", "TikTok"),
        ("his Insta-Print shop", "Instagram"),
    ],
    "homograph.insta-words": [
        ("monthly insta\u200blment", "Instagram"),
        ("insta-worthy", "Instagram"),
    ],
    "police.tactical-team": [
        ("on TT unit", "TikTok"),
        ("his TT officers", "TikTok"),
        ("PC Smith on TT tonight", "TikTok"),
        ("Stop conducted by officers on TT", "TikTok"),
    ],
    "police.intelligence-gateway": [
        ("on IG checks", "Instagram"),
        ("his IG record", "Instagram"),
        ("nominal checked on IG, nil trace", "Instagram"),
        ("entry made on IG", "Instagram"),
    ],
    "police.intelligence-gateway-named": [("his IG (Intelligence Gateway) entry", "Instagram")],
    "police.intelligence-gateway-intel": [("Intel from IG account", "Instagram")],
    "police.fire-brigade": [("via FB attended", "Facebook")],
    "police.fbi": [("his F.B.I. file", "Facebook")],
    "place.wa-postcode": [("on WA1 2AB", "WhatsApp")],
    "place.us-state-wa": [("a Spokane, WA group of dealers", "WhatsApp")],
    "homograph.cold-snap": [("Met Office cold snap map", "Snapchat")],
    "homograph.snap-decision": [("his snap decision", "Snapchat")],
    "homograph.tick-tock": [("the clock went tic tok", "TikTok")],
    "homograph.birds-twittering": [("birds tweeted", "Twitter"), ("sparrows twitter", "Twitter")],
}


# exclusions no built-in rule needs today: they guard a force's own short forms ("SC" for
# Snapchat, a "WA\d" rule) and the text they cover never counts even without them
GUARDS = {"police.special-constable", "place.wa-postcode"}


def test_every_rule_and_exclusion_has_cases() -> None:
    rules = {r.name for p in LEXICON.platforms for r in p.rules}
    assert rules == set(POSITIVE) == set(NEGATIVE)
    assert {e.name for e in LEXICON.exclusions} == set(EXCLUSIONS)


@pytest.mark.parametrize(
    ("rule", "text", "matched"), [(r, t, m) for r, cases in POSITIVE.items() for t, m in cases]
)
def test_rule_positive(rule: str, text: str, matched: str) -> None:
    hits = MATCHER.match_text(text)
    assert (rule, matched) in [(h.rule, h.matched) for h in hits], hits


@pytest.mark.parametrize(("rule", "text"), [(r, t) for r, texts in NEGATIVE.items() for t in texts])
def test_rule_negative(rule: str, text: str) -> None:
    """No certain hit of the rule's platform (a possible one, for a person to check, may be:
    "he will snap" is a possible Snapchat)."""
    platform = rule.split(".")[0]
    hits = MATCHER.match_text(text)
    assert [h for h in hits if h.platform.lower() == platform and h.certainty == "certain"] == []


POSSIBLE: list[tuple[str, str]] = [
    # (text, platform): a possible hit only, never counted until a person accepts it
    ("he will snap", "Snapchat"),  # a bare ambiguous word
    ("sent a snap", "Snapchat"),  # a weak signal only
    ("posted on X", "Twitter"),
    ("threats on Messenger", "Facebook"),
    ("a Meta disclosure", "Facebook"),
    ("chatting on the gram", "Instagram"),
    ("a message on whatsup", "WhatsApp"),
    ("TT and IG attended", "TikTok"),
]


@pytest.mark.parametrize(("text", "platform"), POSSIBLE)
def test_possible_hits(text: str, platform: str) -> None:
    hits = [h for h in MATCHER.match_text(text) if h.platform == platform]
    assert hits and {h.certainty for h in hits} == {"possible"}, hits


def test_a_weak_signal_near_a_certain_mention_of_another_platform_is_certain() -> None:
    hits = MATCHER.match_text("approached on Instagram, then moved the convo to snap")
    assert [(h.platform, h.certainty) for h in hits] == [
        ("Instagram", "certain"),
        ("Snapchat", "certain"),
    ]
    assert hits[1].signal == "weak before:to, near Instagram"
    far = "approached on Instagram. " + "Nothing else of note was said. " * 4 + "to snap"
    assert [h.certainty for h in MATCHER.match_text(far) if h.platform == "Snapchat"] == [
        "possible"
    ]


def test_look_alike_letters_are_read_as_latin() -> None:
    hits = MATCHER.match_text("Ｆａｃｅｂｏｏｋ post; via Snapch\u0430t")
    assert [(h.platform, h.matched, h.certainty) for h in hits] == [
        ("Facebook", "Ｆａｃｅｂｏｏｋ", "certain"),
        ("Snapchat", "Snapch\u0430t", "certain"),
    ]
    assert MATCHER.match_text("\u0422\u0422 \u043f\u0438\u0441\u0442\u043e\u043b\u0435\u0442") == []


@pytest.mark.parametrize(
    ("exclusion", "text", "platform"),
    [(e, t, p) for e, cases in EXCLUSIONS.items() for t, p in cases],
)
def test_exclusion(exclusion: str, text: str, platform: str) -> None:
    assert [h for h in MATCHER.match_text(text) if h.platform == platform] == []
    # without the exclusion the same text would count (so the exclusion is what removed it)
    lexicon = load_lexicon("social-media")
    without = Matcher(
        lexicon.__class__(
            **{
                **lexicon.__dict__,
                "exclusions": tuple(e for e in lexicon.exclusions if e.name != exclusion),
            }
        ),
        list(lexicon.platforms),
    )
    if exclusion not in GUARDS:
        assert [h.platform for h in without.match_text(text)].count(platform) >= 1


def test_short_form_span_covers_the_short_form_only() -> None:
    text = "contacted via FB messenger and her insta story"
    hits = MATCHER.match_text(text)
    assert [(h.matched, h.signal) for h in hits] == [("FB", "before:via"), ("insta", "")]
    assert [text[h.start : h.end] for h in hits] == ["FB", "insta"]


def test_lists_of_platforms() -> None:
    def found(text: str) -> list[tuple[str, str]]:
        return [(h.platform, h.signal) for h in MATCHER.match_text(text)]

    assert found("via FB, Snap and WA") == [
        ("Facebook", "before:via"),
        ("Snapchat", "list"),
        ("WhatsApp", "list"),
    ]
    assert found("Telegram, IG and WA") == [
        ("Telegram", ""),
        ("Instagram", "list"),
        ("WhatsApp", "list"),
    ]
    assert [p for p, _ in found("FB, IG and WA")] == ["Facebook", "Instagram", "WhatsApp"]
    # two short forms alone are possible hits, for a person to check ("TT and IG" are also
    # police units); inside a code such as a crime reference they are nothing
    assert found("TT and IG attended") == [("TikTok", "list of two"), ("Instagram", "list of two")]
    assert {h.certainty for h in MATCHER.match_text("TT and IG attended")} == {"possible"}
    assert found("ref WA/FB/0231") == []
    assert {h.certainty for h in MATCHER.match_text("via FB, Snap and WA")} == {"certain"}
    assert {h.certainty for h in MATCHER.match_text("ARV, TT and dog unit")} <= {"possible"}


@pytest.mark.parametrize(
    ("text", "platforms"),
    [
        ("on What\u2019s App", ["WhatsApp"]),  # curly apostrophe
        ("on Snap\u00a0chat", ["Snapchat"]),  # non-breaking space
        ("on Face\u200bbook", ["Facebook"]),  # zero-width space
        ("on Insta\u200dgram", ["Instagram"]),  # zero-width joiner
        ("éFacebook", []),  # accented letter touching the name
        ("Facebookè", []),
        ("café Facebook", ["Facebook"]),
        ("😀Snapchat and Instagram📸", ["Snapchat", "Instagram"]),  # emoji touching
        ("snap\u200bped", []),  # a possible hit at most (the zero-width space parts it)
        ("instal\u200bments", []),
    ],
)
def test_unicode(text: str, platforms: list[str]) -> None:
    hits = [h for h in MATCHER.match_text(text) if h.certainty == "certain"]
    assert [h.platform for h in hits] == platforms
    for h in hits:
        assert text[h.start : h.end] == h.matched


def test_a_mention_split_across_two_fields_does_not_count() -> None:
    import pyarrow as pa

    assert MATCHER.match_array(pa.array(["contacted through Face"]), "text_mo") == []
    assert MATCHER.match_array(pa.array(["book by the suspect"]), "text_summary") == []
    # a short form with a signal in its own field still counts there
    assert MATCHER.match_array(pa.array(["contacted via Snap"]), "text_mo")[0].signal


@pytest.mark.parametrize(
    ("text", "platform"),
    [
        ("Officers clocked the TikTok video of the deal", "TikTok"),
        ("messages on FB were deleted", "Facebook"),
        ("on FB called him a grass", "Facebook"),
        ("Her IG shows her holding cash", "Instagram"),
        ("his IG showed him with the bike", "Instagram"),
        ("photos on his IG revealed the address", "Instagram"),
        ("video on TT was viewed 3,000 times", "TikTok"),
        ("his TT had 3 videos of the deal", "TikTok"),
    ],
)
def test_exclusions_do_not_swallow_real_mentions(text: str, platform: str) -> None:
    assert platform in [h.platform for h in MATCHER.match_text(text)]


def test_the_generated_spelling_rules_are_up_to_date() -> None:
    """The .slip patterns in the TOML are what scripts/one_edit_rules.py makes
    (run it with --write after changing a name's rules or the word lists)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "scripts" / "one_edit_rules.py"
    spec = importlib.util.spec_from_file_location("one_edit_rules", path)
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    text = script.toml_path().read_text(encoding="utf-8")
    assert script.in_toml(text) == script.generated()
    rules = {r.name: r for p in LEXICON.platforms for r in p.rules}
    assert {rules[f"{n}.slip"].certainty for n in script.NAMES.values()} == {"certain"}
    # a letter changed is not a slip: no hit ("FaceLook", "Instaglam" are shops)
    assert MATCHER.match_text("FaceLook Aesthetics, Instaglam Beauty Bar") == []
