"""Loaded by Python at start-up when this directory is on PYTHONPATH (see
bench/ingest.sh): every `requests` session of the RT peer's load generator
sends the `Origin` header a browser would send.

RT 5.0.3 refuses a REST 2 POST authenticated by a session cookie unless its
Origin or Referer names RT's own host (RestrictReferrer, on by default), so
without it every ticket creation of the cookie runs answers 403.
"""
import os

_origin = os.environ.get("RT_ORIGIN")
if _origin:
    try:
        import requests

        _init = requests.Session.__init__

        def _with_origin(self, *args, **kwargs):
            _init(self, *args, **kwargs)
            self.headers["Origin"] = _origin

        requests.Session.__init__ = _with_origin
    except ImportError:
        pass
