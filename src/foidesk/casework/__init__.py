"""Casework: what was asked and by when.

The request file (``request``: validated into a ``Request``), the statutory clock
(``deadline``), the columns of a table (``periods``) and the Home Office's offence and outcome
classifications (``home_office``). It imports nothing of foidesk but ``errors``; every other
room may use it. The desk's case store and the clock's stops will live here too.
"""
