"""Search: finding mentions in free text, the same for every engine.

Lexicon files (``lexicon``, built-ins in ``lexicons/``) compiled into the ``matcher`` (Arrow
strings in, hits with their rule and span out; ``arrays`` builds Arrow arrays without pandas),
``matchfile`` for ``foidesk match``, and ``evaluate`` to score a lexicon on hand-labelled
notes. It imports only ``casework`` and ``errors``.
"""
