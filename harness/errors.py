"""The project-wide error base class.

Anything derived from :class:`HarnessError` is a user mistake or an environment problem (a bad
``.env``, a wrong password, an unreachable host). The CLI and the pytest plugin print its message
without a traceback, so the message itself must say what is wrong and where.
"""

from __future__ import annotations


class HarnessError(Exception):
    """A user mistake or an environment problem; shown without traceback."""
