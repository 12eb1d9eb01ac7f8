"""Review: a person's work on a case's hits, over a case folder already answered.

``review.case`` opens a case (its evidence, counted crime hits, audit and decisions log) and
records decisions (``decide``: one hit or in bulk); ``review.trace`` writes each cell's crimes
and hit ids; ``review.workbook`` writes the review file for Excel and reads it back;
``review.estimate`` is the s.12 cost estimate behind ``foidesk estimate``. The command line
(``foidesk review ...``) and the desk's page call these functions; the rules themselves live
below (``casework.decisions``, ``counting.counted``, ``counting.sample``, ``counting.cost``).
Everything here is record-level and reads and writes ``internal/`` only.
"""
