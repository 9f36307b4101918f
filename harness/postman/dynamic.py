"""Postman dynamic variables (``{{$guid}}``, ``{{$timestamp}}``, ``{{$randomEmail}}``, ...).

Each occurrence gets a fresh value, which makes request bodies differ from run to run. For
record/replay, every value handed out is appended to a per-name list in :class:`DynamicValues`;
the cassette layer saves ``to_dict()`` next to the cassette and a replay run built with
``from_dict()`` hands the same values back in the same order. Values come from a seeded
``random.Random`` (no faker dependency); the word lists are small but the formats follow faker's.
"""

from __future__ import annotations

import random
import string
import time
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from harness.errors import HarnessError

_FIRST = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Edsger",
          "Radia", "Donald", "Katherine", "Tim", "Hedy", "John", "Mary", "Guido", "Anita", "Niklaus"]
_LAST = ["Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen",
         "Dijkstra", "Perlman", "Knuth", "Johnson", "Berners-Lee", "Lamarr", "Backus", "Kenneth", "Rossum",
         "Borg", "Wirth"]
_COMPANY_WORDS = ["Contoso", "Fabrikam", "Northwind", "Adventure", "Tailspin", "Litware", "Proseware",
                  "Woodgrove", "Wingtip", "Alpine", "Coho", "Fourth Coffee", "Lucerne", "Margie's", "Trey"]
_COMPANY_SUFFIX = ["Inc", "LLC", "Group", "and Sons", "Ltd", "Corp"]
_WORDS = ["alpha", "bridge", "cobalt", "delta", "ember", "falcon", "granite", "harbor", "ivory", "juniper",
          "kestrel", "lumen", "meadow", "nimbus", "orbit", "prairie", "quartz", "river", "summit", "tundra"]
_CITIES = ["Seattle", "Redmond", "Dublin", "Amsterdam", "Copenhagen", "Oslo", "Lisbon", "Toronto", "Sydney",
           "Munich", "Prague", "Vienna", "Austin", "Denver", "Madrid"]
_COUNTRIES = ["United States", "Ireland", "Netherlands", "Denmark", "Norway", "Portugal", "Canada", "Australia",
              "Germany", "Czechia", "Austria", "Spain", "France", "Japan", "Brazil"]
_COUNTRY_CODES = ["US", "IE", "NL", "DK", "NO", "PT", "CA", "AU", "DE", "CZ", "AT", "ES", "FR", "JP", "BR"]
_STREETS = ["Main Street", "Oak Avenue", "Pine Road", "Maple Lane", "Cedar Court", "Elm Drive", "Lake Way"]
_COLORS = ["red", "green", "blue", "teal", "lime", "orange", "purple", "maroon", "olive", "silver", "navy",
           "turquoise", "indigo", "violet", "salmon"]
_TLDS = ["com", "net", "org", "info", "biz", "name"]
_JOBS = ["Developer", "Engineer", "Analyst", "Consultant", "Architect", "Manager", "Designer", "Tester"]
_CURRENCIES = ["USD", "EUR", "GBP", "DKK", "NOK", "JPY", "CAD", "AUD"]
_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


class DynamicReplayError(HarnessError):
    """A replay asked for more dynamic values than the recording holds."""


def _js_date_string(moment: datetime) -> str:
    """``new Date().toString()`` in UTC, the format Postman's date variables produce."""
    return (f"{_DAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day:02d} {moment.year} "
            f"{moment:%H:%M:%S} GMT+0000 (Coordinated Universal Time)")


def _generators(rng: random.Random, now: Callable[[], float]) -> dict[str, Callable[[], str]]:
    def uuid4() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def first() -> str:
        return rng.choice(_FIRST)

    def last() -> str:
        return rng.choice(_LAST)

    def word() -> str:
        return rng.choice(_WORDS)

    def company() -> str:
        return f"{rng.choice(_COMPANY_WORDS)} {rng.choice(_COMPANY_SUFFIX)}"

    def email() -> str:
        return f"{first()}.{last()}{rng.randint(1, 99)}@example.{rng.choice(['com', 'net', 'org'])}".lower()

    def moment_offset(sign: int, days: int) -> str:
        delta = timedelta(seconds=rng.randint(60, days * 86400))
        return _js_date_string(datetime.fromtimestamp(now(), UTC) + sign * delta)

    def iso_now() -> str:
        moment = datetime.fromtimestamp(now(), UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    return {
        "$guid": uuid4,
        "$randomUUID": uuid4,
        "$timestamp": lambda: str(int(now())),
        "$isoTimestamp": iso_now,
        "$randomInt": lambda: str(rng.randint(0, 1000)),
        "$randomFirstName": first,
        "$randomLastName": last,
        "$randomFullName": lambda: f"{first()} {last()}",
        "$randomUserName": lambda: f"{first()}.{last()}{rng.randint(1, 99)}",
        "$randomEmail": email,
        "$randomExampleEmail": email,
        "$randomCompanyName": company,
        "$randomWord": word,
        "$randomNoun": word,
        "$randomLoremWord": word,
        "$randomWords": lambda: " ".join(word() for _ in range(rng.randint(2, 4))),
        "$randomAlphaNumeric": lambda: rng.choice(string.ascii_lowercase + string.digits),
        "$randomBoolean": lambda: rng.choice(["true", "false"]),
        "$randomPhoneNumber": lambda: f"{rng.randint(200, 999)}-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}",
        "$randomCity": lambda: rng.choice(_CITIES),
        "$randomCountry": lambda: rng.choice(_COUNTRIES),
        "$randomCountryCode": lambda: rng.choice(_COUNTRY_CODES),
        "$randomStreetAddress": lambda: f"{rng.randint(1, 9999)} {rng.choice(_STREETS)}",
        "$randomPrice": lambda: f"{rng.randint(100, 100000) / 100:.2f}",
        "$randomCurrencyCode": lambda: rng.choice(_CURRENCIES),
        "$randomColor": lambda: rng.choice(_COLORS),
        "$randomHexColor": lambda: f"#{rng.getrandbits(24):06x}",
        "$randomUrl": lambda: f"https://{word()}-{word()}.{rng.choice(_TLDS)}",
        "$randomIP": lambda: ".".join(str(rng.randint(1, 254)) for _ in range(4)),
        "$randomJobTitle": lambda: f"{rng.choice(['Senior', 'Lead', 'Junior', 'Principal'])} {rng.choice(_JOBS)}",
        "$randomDateFuture": lambda: moment_offset(1, 365),
        "$randomDatePast": lambda: moment_offset(-1, 365),
        "$randomDateRecent": lambda: moment_offset(-1, 1),
    }


KNOWN_DYNAMIC: frozenset[str] = frozenset(_generators(random.Random(0), time.time))


class DynamicValues:
    """Hands out dynamic-variable values and remembers them, per name, in order.

    Record mode (the default) generates values from a seeded RNG; replay mode (``from_dict``)
    returns the recorded values in order and raises :class:`DynamicReplayError` when a name runs
    out, unless ``strict=False`` (then it falls back to generating). ``peek``/``take`` let the
    script sandbox receive a few upcoming values before it knows how many it will use.
    """

    def __init__(self, seed: int | None = None, *, now: Callable[[], float] | None = None):
        self.seed = seed
        self._rng = random.Random(seed)
        self._now = now or time.time
        self._generate = _generators(self._rng, self._now)
        self._future: dict[str, deque[str]] = {}
        self._taken: dict[str, list[str]] = {}
        self.replaying = False
        self.strict = True

    # ----------------------------------------------------------------- persistence
    def to_dict(self) -> dict[str, list[str]]:
        return {name: list(values) for name, values in self._taken.items() if values}

    @classmethod
    def from_dict(cls, data: dict[str, list[str]], *, strict: bool = True, seed: int | None = None,
                  now: Callable[[], float] | None = None) -> DynamicValues:
        if not isinstance(data, dict) or not all(
                isinstance(k, str) and isinstance(v, list) for k, v in data.items()):
            raise DynamicReplayError("recorded dynamic values must map a variable name to a list of values")
        store = cls(seed, now=now)
        store.replaying = True
        store.strict = strict
        store._future = {name: deque(str(v) for v in values) for name, values in data.items()}
        return store

    # ----------------------------------------------------------------- values
    @staticmethod
    def knows(name: str) -> bool:
        return name in KNOWN_DYNAMIC

    def _produce(self, name: str) -> str:
        if self.replaying and self.strict:
            recorded = len(self._taken.get(name, []))
            raise DynamicReplayError(
                f"the recording has only {recorded} value(s) for {{{{{name}}}}} and the run needs more; "
                "record the cassette again")
        return self._generate[name]()

    def peek(self, name: str, count: int) -> list[str]:
        """The next ``count`` values without using them (fewer if a replay has fewer left)."""
        if name not in KNOWN_DYNAMIC:
            return []
        future = self._future.setdefault(name, deque())
        while len(future) < count:
            if self.replaying:
                if self.strict:
                    break
            future.append(self._generate[name]())
        return list(future)[:count]

    def take(self, name: str, count: int = 1) -> list[str]:
        values = []
        for _ in range(count):
            values.append(self.next(name))
        return values

    def next(self, name: str) -> str | None:
        """The next value for ``$name`` (``None`` for names Postman does not define)."""
        if name not in KNOWN_DYNAMIC:
            return None
        future = self._future.setdefault(name, deque())
        value = future.popleft() if future else self._produce(name)
        self._taken.setdefault(name, []).append(value)
        return value

    __call__ = next

    def record(self, name: str, value: str) -> None:
        """Log a value that was produced elsewhere (the sandbox's fallback generator)."""
        self._taken.setdefault(name, []).append(value)
