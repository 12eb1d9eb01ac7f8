"""Disclosure control of a release, called by ``release.gate.make_release`` before any prose:
the attacker's linear model of the table and coverage (``disclosure.model``), the interval
attack that proves what a withheld figure reveals (``disclosure.attack``), what the layout
alone tells (``disclosure.layout``), primary and secondary suppression
(``disclosure.suppress``), the release's protected table and proof (``disclosure.protect``),
how prose says a protected count (``disclosure.wording``) and the check against earlier
releases (``disclosure.earlier``). docs/disclosure.md explains them.
"""
