"""Disclosure control of a released table: the attacker's linear model of it
(``disclosure.model``), the interval attack that proves what a withheld cell reveals
(``disclosure.attack``) and primary and secondary suppression (``disclosure.suppress``).

Standalone for now: ``release.gate.make_release`` does not call it yet (docs/disclosure.md).
"""
