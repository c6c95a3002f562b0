"""Condition operators: parsing a Condition block and deciding it against a request context.

Rules from "IAM JSON policy elements: Condition operators" and "Set operators for multivalued
context keys" (IAM User Guide): every operator in a block must hold, every key under an
operator must hold, and any one of a key's values is enough. A key absent from the request makes
a positive operator false and a negated one (StringNotEquals, NotIpAddress...) true, except with
``...IfExists`` (absent: true) and ``Null`` (which tests presence). ``ForAllValues:`` is true
for an absent or empty key, ``ForAnyValue:`` false.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .match import Lookup, arn_like, compile_pattern, literal
from .model import PolicyError

MAX_CONDITION_VALUES = 100
MAX_CONDITION_KEYS = 50

_FAMILIES = {
    "StringEquals": ("string", "eq", False),
    "StringNotEquals": ("string", "eq", True),
    "StringEqualsIgnoreCase": ("string", "ieq", False),
    "StringNotEqualsIgnoreCase": ("string", "ieq", True),
    "StringLike": ("string", "like", False),
    "StringNotLike": ("string", "like", True),
    "NumericEquals": ("numeric", "eq", False),
    "NumericNotEquals": ("numeric", "eq", True),
    "NumericLessThan": ("numeric", "lt", False),
    "NumericLessThanEquals": ("numeric", "le", False),
    "NumericGreaterThan": ("numeric", "gt", False),
    "NumericGreaterThanEquals": ("numeric", "ge", False),
    "DateEquals": ("date", "eq", False),
    "DateNotEquals": ("date", "eq", True),
    "DateLessThan": ("date", "lt", False),
    "DateLessThanEquals": ("date", "le", False),
    "DateGreaterThan": ("date", "gt", False),
    "DateGreaterThanEquals": ("date", "ge", False),
    "Bool": ("bool", "eq", False),
    "BinaryEquals": ("binary", "eq", False),
    "IpAddress": ("ip", "in", False),
    "NotIpAddress": ("ip", "in", True),
    "ArnEquals": ("arn", "like", False),
    "ArnLike": ("arn", "like", False),
    "ArnNotEquals": ("arn", "like", True),
    "ArnNotLike": ("arn", "like", True),
    "Null": ("null", "eq", False),
}
OPERATORS = frozenset(_FAMILIES)
QUALIFIERS = ("ForAnyValue:", "ForAllValues:")

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}
_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)


@dataclass(frozen=True)
class Condition:
    """One operator applied to one key with the policy's values (already parsed)."""

    operator: str
    key: str
    family: str
    compare: str
    negated: bool
    if_exists: bool
    qualifier: str
    values: tuple[Any, ...]
    raw_values: tuple[str, ...]

    def holds(self, context: Mapping[str, list[str]], lookup: Lookup | None) -> tuple[bool, str]:
        """(holds, why) for this key against the request context."""
        present = context.get(self.key.lower())
        if self.family == "null":
            absent = not present
            ok = any((v == "true") == absent for v in self.values)
            state = "absent" if absent else "present"
            return ok, f"{self.key} is {state}"
        if not present:
            if self.if_exists:
                return True, f"{self.key} is absent, so ...IfExists holds"
            if self.qualifier == "ForAllValues:":
                return True, f"{self.key} is absent or empty, so ForAllValues holds"
            if self.qualifier == "ForAnyValue:":
                return False, f"{self.key} is absent or empty, so ForAnyValue fails"
            if self.negated:
                return True, f"{self.key} is absent, so the negated operator holds"
            return False, f"{self.key} is not in the request"

        def one(v: str) -> bool:
            hit = any(self._compare(v, p, lookup) for p in self.values)
            return not hit if self.negated else hit

        if self.qualifier == "ForAllValues:":
            ok = all(one(v) for v in present)
        elif self.qualifier == "ForAnyValue:":
            ok = any(one(v) for v in present)
        else:
            hit = any(self._compare(v, p, lookup) for v in present for p in self.values)
            ok = not hit if self.negated else hit
        shown = present[0] if len(present) == 1 else present
        verdict = "holds" if ok else "does not hold"
        return (
            ok,
            f"{self.operator} {self.key}: {shown!r} against {list(self.raw_values)!r} {verdict}",
        )

    def _compare(self, value: str, policy_value: Any, lookup: Lookup | None) -> bool:
        family = self.family
        if family == "string":
            if self.compare == "like":
                return compile_pattern(policy_value, lookup=lookup).matches(value)
            text = literal(policy_value, lookup=lookup)
            if text is None:
                return False
            if self.compare == "ieq":
                return text.casefold() == value.casefold()
            return text == value
        if family == "arn":
            return arn_like(policy_value, value, lookup=lookup)
        if family == "numeric":
            number = _number(value)
            return number is not None and _ORDER[self.compare](number, policy_value)
        if family == "date":
            when = _date(value)
            return when is not None and _ORDER[self.compare](when, policy_value)
        if family == "bool":
            return value.lower() == policy_value
        if family == "ip":
            try:
                address = ipaddress.ip_address(value)
            except ValueError:
                return False
            return address.version == policy_value.version and address in policy_value
        return value == policy_value  # binary: base64 text compared as given


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _date(text: str) -> datetime | None:
    text = text.strip()
    if text.isdigit() and len(text) <= 12:
        try:
            return datetime.fromtimestamp(int(text), tz=UTC)
        except (OverflowError, ValueError, OSError):
            return None
    if not _DATE.fullmatch(text):
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def split_operator(name: str) -> tuple[str, str, bool]:
    """(qualifier, base operator, if_exists) of a name such as ForAnyValue:StringLikeIfExists."""
    qualifier = ""
    for q in QUALIFIERS:
        if name.startswith(q):
            qualifier, name = q, name[len(q) :]
            break
    if_exists = name.endswith("IfExists") and name != "IfExists"
    base = name[: -len("IfExists")] if if_exists else name
    return qualifier, base, if_exists


def _scalar(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and value == value and abs(value) != float("inf"):
        return str(value)
    raise PolicyError(
        where, f"a condition value must be a string, number or boolean, not {value!r}"
    )


def _value(family: str, text: str, where: str) -> Any:
    if family == "numeric":
        number = _number(text)
        if number is None:
            raise PolicyError(where, f"{text!r} is not a number")
        return number
    if family == "date":
        when = _date(text)
        if when is None:
            raise PolicyError(where, f"{text!r} is not an ISO 8601 date or epoch seconds")
        return when
    if family in ("bool", "null"):
        if text.lower() not in ("true", "false"):
            raise PolicyError(where, f"{text!r} is not true or false")
        return text.lower()
    if family == "ip":
        try:
            return ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise PolicyError(where, f"{text!r} is not an IPv4 or IPv6 address or CIDR") from None
    return text


def parse_conditions(block: Any, where: str) -> tuple[Condition, ...]:
    if not isinstance(block, dict):
        raise PolicyError(where, "Condition must be an object of operators")
    out: list[Condition] = []
    for name, keys in block.items():
        qualifier, base, if_exists = split_operator(name)
        if base not in _FAMILIES:
            raise PolicyError(where, f"unknown operator {name}")
        family, compare, negated = _FAMILIES[base]
        if family == "null" and (if_exists or qualifier):
            raise PolicyError(where, f"{name}: Null takes neither IfExists nor a set operator")
        here = f"{where}.{name}"
        if not isinstance(keys, dict) or not keys:
            raise PolicyError(here, "must be a non-empty object of condition keys")
        for key, raw in keys.items():
            if not key or len(key) > 256:
                raise PolicyError(here, "a condition key must be 1 to 256 characters")
            at = f"{here}.{key}"
            items = raw if isinstance(raw, list) else [raw]
            if not items:
                raise PolicyError(at, "needs at least one value")
            if len(items) > MAX_CONDITION_VALUES:
                raise PolicyError(at, f"more than {MAX_CONDITION_VALUES} values")
            texts = tuple(_scalar(v, at) for v in items)
            values = tuple(_value(family, t, at) for t in texts)
            out.append(
                Condition(name, key, family, compare, negated, if_exists, qualifier, values, texts)
            )
            if len(out) > MAX_CONDITION_KEYS:
                raise PolicyError(where, f"more than {MAX_CONDITION_KEYS} condition keys")
    return tuple(out)
