"""The browser desk (``foidesk serve``; docs/desk-web.md): ``app.create_app``, the sessions
and throttle of ``auth``, the pages of ``pages``, Jinja2 templates and htmx in ``static/``."""
