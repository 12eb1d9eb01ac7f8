"""foidesk: answer FOI data requests over police crime records' free text.

The flow is: request (request.py) -> engine (engine_duckdb.py) streaming text through the
shared matcher (matcher.py, lexicon.py) -> counting (counting.py) -> FOI table (table.py)
-> renderers (render/) and letter (letter.py) -> case folder (case.py).
"""

__version__ = "0.1.0"
