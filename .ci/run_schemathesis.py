"""Runs the schemathesis command line, working around a CPython 3.11.7 bug,
and sending `message/rfc822` bodies as text.

Hypothesis describes filter lambdas by parsing their source with `ast`; on
CPython 3.11.7 that can raise `SystemError: AST constructor recursion depth
mismatch` (python/cpython#106905, fixed in 3.11.8), which schemathesis then
reports as an error of the API under test. The description is only a label,
so a failure to build it is replaced by a plain one.
"""

import sys

import hypothesis.internal.lambda_sources as lambda_sources

_describe = lambda_sources.lambda_description


def _safe_description(f):
    try:
        return _describe(f)
    except SystemError:
        return "lambda"


# `hypothesis.internal.reflection` looks the function up on the module at
# each call, so replacing it there is enough.
lambda_sources.lambda_description = _safe_description

import schemathesis as _schemathesis  # noqa: E402
from schemathesis.cli import schemathesis  # noqa: E402

# `POST /inbound-email` takes one raw email message (`message/rfc822`),
# which schemathesis has no serializer for: its generated strings go on
# the wire as text, as `text/plain` bodies do.
_schemathesis.serializer.alias("message/rfc822", "text/plain")

sys.exit(schemathesis())
