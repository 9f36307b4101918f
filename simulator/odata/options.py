"""Parsing of the OData system query options other than ``$filter``."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.odata.errors import syntax_error, unknown_property
from simulator.odata.model import EntityModel, EntitySet


@dataclass
class QueryOptions:
    select: list[str] | None = None
    filter: str | None = None
    orderby: list[tuple[str, bool]] = field(default_factory=list)  # (property, descending)
    top: int | None = None
    skip: int | None = None
    count: bool = False
    expand: list[ExpandItem] = field(default_factory=list)
    skiptoken: str | None = None


@dataclass
class ExpandItem:
    nav: str
    ref: bool = False
    options: QueryOptions = field(default_factory=QueryOptions)


def split_top_level(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside parentheses and quoted strings."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth < 0:
                raise syntax_error(f"Syntax error: unbalanced parentheses at position {i} in '{text}'.")
        elif not quoted and depth == 0 and char == separator:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise syntax_error(f"Syntax error: unbalanced parentheses in '{text}'.")
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


INT64_MAX = 2**63 - 1


def parse_int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise syntax_error(f"Invalid value '{value}' for {name} query option found. "
                           f"The {name} query option requires a non-negative integer value.") from None
    if number < 0 or number > INT64_MAX:
        raise syntax_error(f"Invalid value '{value}' for {name} query option found. "
                           f"The {name} query option requires a non-negative integer value.")
    return number


def parse_options(raw: dict[str, str], model: EntityModel, entity_set: EntitySet,
                  nested: bool = False) -> QueryOptions:
    """Parse (and validate names in) query options for ``entity_set``."""
    opts = QueryOptions()
    et = entity_set.type
    qualified = model.qualified(et.name)
    if "$select" in raw:
        names = [n.strip() for n in raw["$select"].split(",") if n.strip()]
        for name in names:
            if name != "*" and et.prop(name) is None:
                raise unknown_property(name, qualified)
        opts.select = None if "*" in names else names
    if "$filter" in raw:
        opts.filter = raw["$filter"]
    if "$orderby" in raw:
        for part in split_top_level(raw["$orderby"], ","):
            words = part.split()
            if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
                raise syntax_error(f"Syntax error in $orderby '{raw['$orderby']}'.")
            if et.prop(words[0]) is None:
                raise unknown_property(words[0], qualified)
            opts.orderby.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    if "$top" in raw:
        opts.top = parse_int("$top", raw["$top"])
    if "$skip" in raw:
        opts.skip = parse_int("$skip", raw["$skip"])
    if "$count" in raw:
        value = raw["$count"].lower()
        if value not in ("true", "false"):
            raise syntax_error(f"'{raw['$count']}' is not a valid count option.")
        opts.count = value == "true"
    if "$skiptoken" in raw:
        opts.skiptoken = raw["$skiptoken"]
    if "$expand" in raw:
        opts.expand = parse_expand(raw["$expand"], model, entity_set)
    return opts


def parse_expand(text: str, model: EntityModel, entity_set: EntitySet) -> list[ExpandItem]:
    items = []
    qualified = model.qualified(entity_set.type.name)
    for part in split_top_level(text, ","):
        name, _, rest = part.partition("(")
        name = name.strip()
        ref = name.endswith("/$ref")
        if ref:
            name = name[: -len("/$ref")]
        nav = entity_set.type.nav(name)
        if nav is None:
            raise unknown_property(name, qualified)
        inner: dict[str, str] = {}
        if rest:
            if not rest.rstrip().endswith(")"):
                raise syntax_error(f"Syntax error in $expand '{text}'.")
            body = rest.rstrip()[:-1]
            for option in split_top_level(body, ";"):
                key, eq, value = option.partition("=")
                if not eq:
                    raise syntax_error(f"Syntax error in $expand option '{option}'.")
                inner[key.strip()] = value.strip()
        target = model.entity_set(nav.target_set)
        item = ExpandItem(nav=name, ref=ref, options=parse_options(inner, model, target, nested=True))
        item.raw_options = inner  # type: ignore[attr-defined]
        items.append(item)
    return items


def count_expands(items: list[ExpandItem]) -> int:
    return sum(1 + count_expands(i.options.expand) for i in items)
