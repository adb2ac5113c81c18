"""The web dashboard, JSON API, Atom feeds and Prometheus metrics (`eduwatch web`).

Importing this package is cheap: the ASGI application (FastAPI) is built by ``monitor.web.app``.
"""
