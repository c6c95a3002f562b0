"""Policy cases: the glue between a case's stored data and the evaluator (lessons.policy).

A case stores its policies as a list of plain objects (``type``, ``name``, ``document`` as
the JSON text authors wrote, ``level`` for SCPs and RCPs) and its request as a plain
object; here they become the evaluator's ``Policy`` and ``Request``, and a ``Result``
becomes what the case stores: the decision and the name of the policy that decided.
Everything raises ``PolicyError`` naming the place, never anything else.
"""

import json
import re
from typing import Any

from .policy import (
    Decision,
    Policy,
    PolicyError,
    PolicyType,
    Result,
    Step,
    evaluate,
    request_from_dict,
)
from .policy.parse import MAX_DOCUMENT_CHARS

POLICY_FIELDS = ("type", "name", "document", "level")
LEVELLED = {PolicyType.SCP, PolicyType.RCP}
MAX_POLICIES = 12
MAX_NAME = 100
# The raw text of one document, checked before it is decoded: a 1 MB paste is refused here.
MAX_DOCUMENT = MAX_DOCUMENT_CHARS
TYPE_LABELS = {
    PolicyType.IDENTITY: "Identity-based policy",
    PolicyType.RESOURCE: "Resource-based policy",
    PolicyType.PERMISSIONS_BOUNDARY: "Permissions boundary",
    PolicyType.SESSION: "Session policy",
    PolicyType.SCP: "Service control policy",
    PolicyType.RCP: "Resource control policy",
}
# The flowchart step that decided, and the policy type whose statements decide there.
STEP_TYPES = {
    Step.RCP: PolicyType.RCP,
    Step.SCP: PolicyType.SCP,
    Step.RESOURCE_BASED: PolicyType.RESOURCE,
    Step.IDENTITY_BASED: PolicyType.IDENTITY,
    Step.PERMISSIONS_BOUNDARY: PolicyType.PERMISSIONS_BOUNDARY,
    Step.SESSION: PolicyType.SESSION,
}


def policies_from_data(data: Any) -> list[Policy]:
    """The evaluator's policies from a case's list; names are required and unique."""
    if not isinstance(data, list):
        raise PolicyError("policies", "must be a list")
    if not data:
        raise PolicyError("policies", "needs at least one policy")
    if len(data) > MAX_POLICIES:
        raise PolicyError("policies", f"has more than {MAX_POLICIES} policies")
    policies, names = [], set()
    for i, item in enumerate(data):
        where = f"policies[{i + 1}]"
        if not isinstance(item, dict):
            raise PolicyError(where, "must be an object")
        unknown = sorted(set(item) - set(POLICY_FIELDS), key=str)
        if unknown:
            raise PolicyError(where, f"unknown field {unknown[0]}")
        try:
            kind = PolicyType(item.get("type"))
        except ValueError:
            raise PolicyError(f"{where}.type", f"must be one of {', '.join(PolicyType)}") from None
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            raise PolicyError(f"{where}.name", f"must be text of 1 to {MAX_NAME} characters")
        if name in names:
            raise PolicyError(f"{where}.name", f"another policy is named {name!r}")
        names.add(name)
        document = item.get("document")
        if not isinstance(document, str) or not document.strip():
            raise PolicyError(f"{where}.document", "must be the policy's JSON text")
        if len(document) > MAX_DOCUMENT:
            raise PolicyError(
                f"{where}.document",
                f"is {len(document):,} characters; a policy may have at most "
                f"{MAX_DOCUMENT:,} (AWS's own limits are far lower)",
            )
        level = item.get("level", "root")
        if kind not in LEVELLED and "level" in item:
            raise PolicyError(f"{where}.level", "only SCPs and RCPs have a level")
        if not isinstance(level, str) or not level.strip() or len(level) > MAX_NAME:
            raise PolicyError(f"{where}.level", "must be the name of an organization level")
        policies.append(Policy(kind, document, name=name, level=level))
    return policies


def request_from_data(data: Any):
    return request_from_dict(data)


def run(policies_data: Any, request_data: Any) -> tuple[list[Policy], Result]:
    """Evaluate a case's data; PolicyError names the place of any bad input."""
    policies = policies_from_data(policies_data)
    request = request_from_data(request_data)
    try:
        return policies, evaluate(request, policies)
    except PolicyError as exc:
        raise PolicyError(_renumber(exc.where), exc.message) from None


def _renumber(where: str) -> str:
    # The evaluator counts policies and statements from 0; authors and learners from 1.
    return re.sub(r"\[(\d+)\]", lambda m: f"[{int(m[1]) + 1}]", where)


def deciding_policy(policies: list[Policy], result: Result) -> str:
    """The name of the policy whose statement decided, or "" (an implicit deny by absence)."""
    indexes = [p for p, _ in result.deciding]
    wanted = STEP_TYPES.get(result.decided_by)
    for index in indexes:
        if wanted is None or policies[index].type == wanted:
            return policies[index].name
    return policies[indexes[0]].name if indexes else ""


def expected(policies_data: Any, request_data: Any) -> tuple[str, str]:
    """(decision, deciding policy name) as a case stores them."""
    policies, result = run(policies_data, request_data)
    return str(result.decision), deciding_policy(policies, result)


def decision_label(decision: str) -> str:
    return {
        Decision.ALLOW: "Allowed",
        Decision.EXPLICIT_DENY: "Denied (explicit deny)",
        Decision.IMPLICIT_DENY: "Denied (implicit deny: nothing allows it)",
    }.get(decision, decision)


def policy_lines(document: str, deciding_statements: set[int]) -> list[dict]:
    """The document's lines as authored, each marked when it belongs to a deciding statement.

    Statement ranges are found by walking the JSON text: the objects directly inside the
    top-level "Statement" array (or the single object it holds) in order.
    """
    lines = document.split("\n")
    marked = set()
    if deciding_statements:
        for index, (first, last) in enumerate(_statement_spans(document)):
            if index in deciding_statements:
                marked.update(range(first, last + 1))
    return [
        {"number": n, "text": text, "deciding": n in marked}
        for n, text in enumerate(lines, start=1)
    ]


def _statement_spans(text: str) -> list[tuple[int, int]]:
    """(first line, last line) of each statement object, 1-based; [] if not found."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    if not isinstance(data, dict) or "Statement" not in data:
        return []
    key = text.find('"Statement"')
    if key < 0:
        return []
    i = text.find(":", key) + 1
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    single = i < len(text) and text[i] == "{"
    spans, depth, start, in_string, escaped = [], 0, None, False, False
    line = text.count("\n", 0, i) + 1
    j = i if single else i + 1
    while j < len(text):
        ch = text[j]
        if ch == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            if depth == 0:
                start = line
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                spans.append((start, line))
                if single:
                    break
        elif ch == "]" and depth == 0:
            break
        j += 1
    return spans
