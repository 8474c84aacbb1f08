"""``rlcode feedback serve``: the review as web pages (FastAPI, Jinja2, no script built from data)."""
