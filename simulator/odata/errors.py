"""Problems the OData core raises; each dialect renders them in its service's error shape."""

from __future__ import annotations


class ODataProblem(Exception):
    """An error response to send.

    ``kind`` is a dialect-neutral category (``syntax``, ``unknown_property``, ``not_found``,
    ``duplicate``, ``etag_mismatch``, ``validation``, ``method``, ``unsupported``, ``auth``,
    ``segment``) so F&O and Business Central can pick their own codes and wording; ``code`` and
    ``message`` are Dataverse's, the default dialect.
    """

    def __init__(self, status: int, code: str, message: str, kind: str = "syntax", **details):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.kind = kind
        self.details = details


SYNTAX = "0x80060888"


def syntax_error(message: str) -> ODataProblem:
    return ODataProblem(400, SYNTAX, message, "syntax")


def unknown_property(name: str, qualified_type: str) -> ODataProblem:
    return ODataProblem(400, SYNTAX, f"Could not find a property named '{name}' on type '{qualified_type}'.",
                        "unknown_property", property=name)
