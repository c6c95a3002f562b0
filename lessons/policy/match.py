"""Wildcard matching for actions, resources and condition values, in linear time.

A pattern is split at each ``*`` into segments; ``?`` matches one character inside a segment.
The first segment must start the string, the last must end it, and each middle segment is found
at its leftmost place after the previous one: taking the leftmost place never loses a match,
so there is no backtracking. A segment without ``?`` is found with ``str.find``; one with ``?``
with the bit-parallel Shift-And scan, one step per character of the string. Either way the
string is read left to right once, so ``a*a*a*...b`` against a long run of ``a`` stays fast.
A short segment with ``?`` (at most 64 characters, one machine word of Shift-And) is found by
``re`` with a pattern of escaped characters and ``.`` only: with no quantifier there is nothing
to backtrack into, and the scan runs in C.

Policy variables (``${aws:username}``, ``${*}``...) are resolved while compiling, and what they
insert is literal text: a ``*`` in a tag value is a star, not a wildcard.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

Lookup = Callable[[str], str | None]

_ESCAPES = {"*": "*", "?": "?", "$": "$"}


SHORT_SEGMENT = 64


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    wild: int  # bit j set: position j is a `?` wildcard
    short: re.Pattern[str] | None = field(default=None, compare=False)

    def at(self, s: str, i: int) -> bool:
        if not self.wild:
            return s.startswith(self.text, i)
        if i + len(self.text) > len(s):
            return False
        for j, ch in enumerate(self.text):
            if not (self.wild >> j) & 1 and s[i + j] != ch:
                return False
        return True

    def find(self, s: str, start: int, stop: int) -> int:
        """Leftmost i in [start, stop - len] where the segment matches s[i:]."""
        k = len(self.text)
        if not self.wild:
            return s.find(self.text, start, stop)
        if self.short is not None:
            found = self.short.search(s, start, stop)
            return found.start() if found else -1
        masks: dict[str, int] = {}
        for j, ch in enumerate(self.text):
            masks[ch] = masks.get(ch, self.wild) | (1 << j)
        top = 1 << (k - 1)
        state = 0
        for i in range(start, stop):
            state = ((state << 1) | 1) & masks.get(s[i], self.wild)
            if state & top:
                return i - k + 1
        return -1


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled pattern; ``never`` marks one whose policy variable had no value."""

    segments: tuple[Segment, ...]
    starred: bool
    fold: bool = False
    never: bool = False

    def matches(self, value: str) -> bool:
        if self.never:
            return False
        s = value.lower() if self.fold else value
        segs = self.segments
        if not self.starred:
            return len(s) == len(segs[0].text) and segs[0].at(s, 0)
        first, last = segs[0], segs[-1]
        if not first.at(s, 0):
            return False
        pos = len(first.text)
        end = len(s) - len(last.text)
        if end < pos:
            return False
        for seg in segs[1:-1]:
            i = seg.find(s, pos, end)
            if i < 0:
                return False
            pos = i + len(seg.text)
        return last.at(s, end)


def tokens(raw: str, lookup: Lookup | None) -> list[str | None] | None:
    """Split raw text into characters, with None for `*`; `?` stays as the sentinel "\\0?".

    Returns None when a policy variable has no value. With ``lookup`` None, ``${...}`` is text.
    """
    out: list[str | None] = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if lookup is not None and ch == "$" and raw.startswith("${", i):
            close = raw.find("}", i + 2)
            if close > 0:
                inner = raw[i + 2 : close]
                value = _resolve(inner, lookup)
                if value is None:
                    return None
                out.extend(value)
                i = close + 1
                continue
        if ch == "*":
            out.append(None)
        elif ch == "?":
            out.append("\0?")
        else:
            out.append(ch)
        i += 1
    return out


def _resolve(inner: str, lookup: Lookup) -> str | None:
    name, default = inner, None
    if "," in inner:
        name, _, rest = inner.partition(",")
        rest = rest.strip()
        if len(rest) >= 2 and rest[0] == rest[-1] == "'":
            default = rest[1:-1]
        name = name.strip()
    if name in _ESCAPES:
        return _ESCAPES[name]
    value = lookup(name)
    return default if value is None else value


def compile_pattern(raw: str, *, lookup: Lookup | None = None, fold: bool = False) -> Pattern:
    """Compile `raw`; with ``fold`` both sides are compared in lower case (actions)."""
    if lookup is None or "${" not in raw:
        return _compile_plain(raw, fold)
    return _compile(raw, lookup, fold)


@functools.lru_cache(maxsize=8192)
def _compile_plain(raw: str, fold: bool) -> Pattern:
    return _compile(raw, None, fold)


def _compile(raw: str, lookup: Lookup | None, fold: bool) -> Pattern:
    toks = tokens(raw, lookup)
    if toks is None:
        return Pattern((Segment("", 0),), starred=False, fold=fold, never=True)
    segments: list[Segment] = []
    chars: list[str] = []
    wild = 0
    for tok in toks:
        if tok is None:
            segments.append(Segment("".join(chars), wild))
            chars, wild = [], 0
        elif tok == "\0?":
            wild |= 1 << len(chars)
            chars.append("?")
        else:
            chars.append(tok.lower() if fold else tok)
    segments.append(Segment("".join(chars), wild))
    segments = [_with_scanner(seg) for seg in segments]
    return Pattern(tuple(segments), starred=len(segments) > 1, fold=fold)


def _with_scanner(seg: Segment) -> Segment:
    if not seg.wild or len(seg.text) > SHORT_SEGMENT:
        return seg
    regex = "".join("." if (seg.wild >> j) & 1 else re.escape(ch) for j, ch in enumerate(seg.text))
    return Segment(seg.text, seg.wild, re.compile(regex, re.DOTALL))


def literal(raw: str, *, lookup: Lookup | None = None, fold: bool = False) -> str | None:
    """The text of `raw` with variables resolved and no wildcards, or None if one has no value."""
    toks = tokens(raw, lookup)
    if toks is None:
        return None
    text = "".join("*" if t is None else ("?" if t == "\0?" else t) for t in toks)
    return text.lower() if fold else text


def wildcard_match(pattern: str, value: str, *, fold: bool = False) -> bool:
    """Does `value` match `pattern`, where `*` is any run and `?` any one character?"""
    return compile_pattern(pattern, fold=fold).matches(value)


def split_arn(value: str) -> list[str] | None:
    """The six parts of an ARN (the last keeps its colons), or None if it is not an ARN."""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return parts


def arn_like(pattern: str, value: str, *, lookup: Lookup | None = None) -> bool:
    """ArnLike/ArnEquals: each of the six colon-separated parts is matched on its own."""
    if pattern == "*":
        return True
    pparts = split_arn(pattern)
    vparts = split_arn(value)
    if pparts is None or vparts is None:
        return False
    return all(
        compile_pattern(p, lookup=lookup).matches(v) for p, v in zip(pparts, vparts, strict=True)
    )
