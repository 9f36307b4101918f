"""Replay in constant time: a cassette's interactions indexed by their normalised OData request key.

vcrpy finds the answer to a request by trying every recorded request in turn with every matcher
(``Cassette._responses``), and it does so three times per request (``can_play_response_for``,
``__contains__``, ``play_response``), each time on a fresh deep copy of the request. With the
harness's six OData matchers that is ~18 matcher calls per recorded interaction per request, so
replay time grows with the cassette (about 60 ms per request at 300 interactions).

vcrpy stays the engine; this module plugs in through its ``after_load_interaction`` hook, which
hands over the cassette being loaded. On the first loaded interaction it gives that cassette

- an index ``request key -> [positions in cassette.data]`` built from
  :func:`harness.recording.matching.index_key` (equal keys exactly when the matchers agree) while
  the cassette loads, so each recorded request is normalised once, at load, and kept up to date
  with interactions recorded later in the same session;
- a ``_responses`` that yields the candidates of the request's key in recorded order, starting at
  the first one not yet played (vcrpy's play-once rule), so even a cassette that repeats one
  request thousands of times answers in constant time;
- a ``_before_record_request`` that remembers its result for the request it last saw (and treats
  that result, which ``can_play_response_for`` hands on to ``__contains__``, as already filtered:
  request filters are idempotent), so the three lookups of one request copy and normalise it once;
  the incoming request's key is first looked up by its raw form
  (:func:`harness.recording.matching.raw_key`) among the recorded requests' raw forms, and only
  normalised when it is not there (a replayed request is usually byte-for-byte the recorded one);
  and when the cassette has no request filter at all (no ``filter_headers``,
  ``before_record_request``, ``ignore_hosts``...: vcrpy's filter is then only a ``deepcopy``), it
  copies the request field by field (:func:`copy_request`, ~1 µs against ~25 µs) instead.

It also drops the second of the two deep copies vcrpy makes of every loaded or recorded response
when there is nothing to decompress (:func:`skip_copy_when_not_compressed`).

Anything the index cannot answer (no candidate left, a cassette opened with other matchers) goes
to vcrpy's own scan, so the answers — including "no recorded answer" errors — are vcrpy's.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import vcr.filters
from vcr.cassette import Cassette
from vcr.request import HeadersDict, Request

from harness.recording.matching import MATCH_ON, MATCHERS, index_key, raw_key

_ATTR = "_harness_replay_index"


class ReplayIndex:
    """The index of one cassette (see the module docstring)."""

    def __init__(self, cassette: Cassette):
        self.cassette = cassette
        self.by_key: dict[tuple, list[int]] = {}
        self.known: dict[tuple, tuple] = {}  # raw key of a recorded request -> its index key
        self.indexed = 0  # cassette.data[:indexed] is in by_key
        self.cursor: dict[tuple, int] = {}  # per key: candidates before it are all played
        self.counts = cassette.play_counts  # rewind() replaces it: then the cursors start over
        self._filter = cassette._before_record_request
        self._copy_only = copies_only(self._filter)
        self._last: tuple[Any, Any, Any] | None = None  # (request, its body, filtered request)

    # ------------------------------------------------------------------ what vcrpy calls
    def filter(self, request: Any) -> Any:
        last = self._last
        if last is not None and (request is last[2]  # can_play_response_for passes its filtered copy on
                                 or (last[0] is request and last[1] is getattr(request, "_body", None))):
            return last[2]
        filtered = copy_request(request) if self._copy_only else self._filter(request)
        self._last = (request, getattr(request, "_body", None), filtered)
        return filtered

    def responses(self, request: Any) -> Iterator[tuple[int, Any]]:
        cassette = self.cassette
        filtered = self.filter(request)
        if filtered:
            data = cassette.data
            self.sync()
            key = index_key(filtered, self.known)
            candidates = self.by_key.get(key)
            if candidates:
                start = self._first_unplayed(key, candidates)
                if start < len(candidates):
                    for position in candidates[start:]:
                        yield position, data[position][1]
                    return
        # Nothing (left) under this key: vcrpy's own scan decides, and explains a miss.
        yield from Cassette._responses(cassette, request)

    # ------------------------------------------------------------------ helpers
    def sync(self) -> None:
        """Index the interactions appended since the last call (loaded or recorded)."""
        data = self.cassette.data
        for position in range(self.indexed, len(data)):
            request = data[position][0]
            key = index_key(request)
            self.by_key.setdefault(key, []).append(position)
            raw = raw_key(request)
            if raw is not None:
                self.known[raw] = key
        self.indexed = len(data)

    def _first_unplayed(self, key: tuple, candidates: list[int]) -> int:
        cassette = self.cassette
        if cassette.allow_playback_repeats:
            return 0
        counts = cassette.play_counts
        if counts is not self.counts:
            self.counts = counts
            self.cursor.clear()
        start = self.cursor.get(key, 0)
        while start < len(candidates) and counts[candidates[start]]:
            start += 1
        self.cursor[key] = start
        return start


def decodes_only(response_filter: Callable) -> bool:
    """True when ``response_filter`` is vcrpy's ``before_record_response`` wrapper running only
    ``vcr.filters.decode_response`` (``decode_compressed_response=True``, no filter of the user's)."""
    code = getattr(response_filter, "__code__", None)
    cells = getattr(response_filter, "__closure__", None)
    if code is None or not cells or code.co_freevars != ("filter_functions",):
        return False
    functions = cells[0].cell_contents
    return isinstance(functions, list) and functions == [vcr.filters.decode_response]


def skip_copy_when_not_compressed(response_filter: Callable) -> Callable:
    """vcrpy's ``decode_response`` filter, without its deep copy when there is nothing to decode.

    ``Cassette.append`` (its only caller) deep-copies the response and hands the copy to the filter,
    which deep-copies it again and, without a ``Content-Encoding``, returns that second copy as it
    is. Returning the first copy instead gives the cassette equal data and saves a deep copy per
    loaded (or recorded) interaction; a compressed response still goes through vcrpy's filter.
    """
    def before_record_response(response: Any) -> Any:
        headers = response.get("headers") if isinstance(response, dict) else None
        if isinstance(headers, dict) and not any(
                value for key, value in headers.items() if isinstance(key, str) and key.lower() == "content-encoding"):
            return response
        return response_filter(response)

    before_record_response.__wrapped__ = response_filter  # type: ignore[attr-defined]
    return before_record_response


def copies_only(request_filter: Callable) -> bool:
    """True when ``request_filter`` is vcrpy's ``before_record_request`` wrapper with no filter
    function to run (``VCR._build_before_record_request`` with an empty ``filter_functions``), so all
    it does is ``copy.deepcopy(request)``. Any other shape (a user's own function, another vcrpy
    version) is False and keeps vcrpy's filter."""
    code = getattr(request_filter, "__code__", None)
    cells = getattr(request_filter, "__closure__", None)
    if code is None or not cells or code.co_freevars != ("filter_functions",):
        return False
    functions = cells[0].cell_contents
    return isinstance(functions, list) and not functions


_PLAIN = (str, bytes, int, float, bool, type(None))


def copy_request(request: Any) -> Any:
    """A copy of a vcrpy ``Request`` as independent of the original as ``copy.deepcopy`` makes it.

    Its fields are strings, bytes and an immutable parsed URI; the headers dict and an iterator
    body's list of chunks are what a filter or a later change could mutate, so those two are
    copied: the headers by copying ``HeadersDict``'s store of ``(name, value)`` pairs (what
    ``HeadersDict(headers)`` rebuilds one ``__setitem__`` at a time) when every value is a plain
    immutable one. Anything else — not exactly a vcrpy ``Request``, a header value that is not a
    string, bytes or number — is deep-copied.
    """
    if type(request) is not Request:
        return copy.deepcopy(request)
    headers = request.headers
    store = getattr(headers, "_store", None)
    if type(headers) is not HeadersDict or type(store) is not dict or not all(
            type(pair) is tuple and len(pair) == 2 and type(pair[1]) in _PLAIN for pair in store.values()):
        return copy.deepcopy(request)
    clone = Request.__new__(Request)
    clone.__dict__.update(request.__dict__)  # what copy.copy does for a plain object
    copied = HeadersDict.__new__(HeadersDict)
    copied._store = dict(store)
    clone._headers = copied
    if isinstance(clone._body, list):
        clone._body = list(clone._body)
    return clone


def uses_harness_matchers(cassette: Cassette) -> bool:
    return tuple(cassette._match_on) == tuple(MATCHERS[name] for name in MATCH_ON)


def install(cassette: Cassette) -> ReplayIndex | None:
    """Give ``cassette`` its index (once); None when it matches with other matchers than the harness's."""
    existing = getattr(cassette, _ATTR, None)
    if existing is not None or not uses_harness_matchers(cassette):
        return existing
    index = ReplayIndex(cassette)
    setattr(cassette, _ATTR, index)
    cassette._responses = index.responses  # type: ignore[method-assign]
    cassette._before_record_request = index.filter  # type: ignore[method-assign]
    if decodes_only(cassette._before_record_response):
        cassette._before_record_response = skip_copy_when_not_compressed(  # type: ignore[method-assign]
            cassette._before_record_response)
    return index


def index_on_load(request: Any, response: Any, cassette: Cassette) -> tuple[Any, Any]:
    """vcrpy ``after_load_interaction`` hook: install the index while the cassette loads, and index
    the interactions loaded so far, so each recorded key is computed once at load, not by the first
    replayed request.

    The hook runs before vcrpy appends (and request-filters) this interaction, so only the ones
    already in ``cassette.data`` — filtered, as the matchers will see them — are indexed here; the
    last one is indexed on the first lookup.
    """
    index = install(cassette)
    if index is not None:
        index.sync()
    return request, response


# vcrpy asks inspect.signature, for every loaded interaction, whether the hook takes the cassette:
# give the answer once instead of letting inspect rebuild it (~15 µs per interaction).
index_on_load.__signature__ = inspect.signature(index_on_load)  # type: ignore[attr-defined]


def with_index_hook(hooks: Any) -> list[Callable]:
    """``hooks`` (None, one hook or several) with :func:`index_on_load` appended once."""
    if hooks is None:
        listed: list[Callable] = []
    elif callable(hooks):
        listed = [hooks]
    else:
        listed = list(hooks)
    return listed if index_on_load in listed else [*listed, index_on_load]
