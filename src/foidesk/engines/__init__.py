"""Engines: the interface (``base``), the population rules every engine applies
(``population``), the plugin registry (``registry``) and one subpackage per engine.

An engine may import ``casework``, ``search``, ``ingest`` and ``errors``; nothing on the public
side (``release``) may import an engine.
"""
