"""Checking and decoding policy documents and requests; every problem is a PolicyError naming
the place (``policies[2].Statement[1].Condition: unknown operator StringEqualz``).

Size quotas are AWS's, counted without white space as IAM counts them ("IAM and AWS STS
quotas", reference_iam-quotas.html), except SCPs and RCPs given as text, where Organizations
counts every character ("Quotas for AWS Organizations", orgs_reference_limits.html); the 20 KB
bucket policy is from "Bucket policies for Amazon S3" in the Amazon S3 User Guide.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .conditions import Condition, parse_conditions
from .match import Pattern, compile_pattern
from .model import Policy, PolicyError, PolicyKind, PolicyType, Request

MAX_DOCUMENT_CHARS = 65_536
MAX_POLICIES = 50
MAX_TOTAL_CHARS = 65_536
MAX_STATEMENTS = 100
MAX_ELEMENT_VALUES = 200
MAX_CONTEXT_KEYS = 200
MAX_CONTEXT_VALUES = 100
MAX_TEXT = 2_048
MAX_NAME = 128

SIZE_LIMITS: dict[PolicyKind, int] = {
    PolicyKind.MANAGED: 6_144,
    PolicyKind.USER_INLINE: 2_048,
    PolicyKind.GROUP_INLINE: 5_120,
    PolicyKind.ROLE_INLINE: 10_240,
    PolicyKind.BUCKET: 20_480,
    PolicyKind.RESOURCE: 20_480,
    PolicyKind.SESSION: 2_048,
    PolicyKind.SCP: 5_120,
    PolicyKind.RCP: 5_120,
}
DEFAULT_KIND: dict[PolicyType, PolicyKind] = {
    PolicyType.IDENTITY: PolicyKind.MANAGED,
    PolicyType.RESOURCE: PolicyKind.BUCKET,
    PolicyType.PERMISSIONS_BOUNDARY: PolicyKind.MANAGED,
    PolicyType.SESSION: PolicyKind.SESSION,
    PolicyType.SCP: PolicyKind.SCP,
    PolicyType.RCP: PolicyKind.RCP,
}
VERSIONS = ("2012-10-17", "2008-10-17")
_TOP = frozenset({"Version", "Id", "Statement"})
_ELEMENTS = frozenset(
    {
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
    }
)
_ACTION = re.compile(r"\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?_-]*")
_ACCOUNT = re.compile(r"\d{12}")
_PRINCIPAL_KEYS = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})


@dataclass(frozen=True)
class Principals:
    """A Principal element: ``*``, or AWS principals (account IDs become root ARNs) and others."""

    star: bool
    aws: frozenset[str]
    other: frozenset[str]


@dataclass(frozen=True)
class Statement:
    index: int
    sid: str
    effect: str
    actions: tuple[Pattern, ...]
    action_text: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None
    not_resource: bool
    principals: Principals | None
    not_principal: bool
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class ParsedPolicy:
    index: int
    name: str
    type: PolicyType
    level: str
    variables: bool
    statements: tuple[Statement, ...]
    size: int


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise PolicyError("", f"duplicate key {key!r}")
        out[key] = value
    return out


def _reject_constant(name: str) -> None:
    raise PolicyError("", f"{name} is not a valid JSON value")


def decode(text: str, where: str) -> Any:
    if len(text) > MAX_DOCUMENT_CHARS:
        raise PolicyError(where, f"longer than {MAX_DOCUMENT_CHARS} characters")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise PolicyError(
            where, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except PolicyError as exc:
        raise PolicyError(where, exc.message) from None
    except RecursionError:
        raise PolicyError(where, "JSON nested too deeply") from None


def _strings(value: Any, where: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise PolicyError(where, "must not be an empty list")
    if len(items) > MAX_ELEMENT_VALUES:
        raise PolicyError(where, f"more than {MAX_ELEMENT_VALUES} values")
    for item in items:
        if not isinstance(item, str) or not item:
            raise PolicyError(where, f"must be a non-empty string or a list of them, not {item!r}")
        if len(item) > MAX_TEXT:
            raise PolicyError(where, f"a value is longer than {MAX_TEXT} characters")
    return items


def _resources(value: Any, where: str) -> tuple[str, ...]:
    items = _strings(value, where)
    for item in items:
        if item != "*" and (not item.startswith("arn:") or item.count(":") < 5):
            raise PolicyError(where, f"{item!r} is neither * nor an ARN (arn:partition:service:…)")
    return tuple(items)


def _principals(value: Any, where: str) -> Principals:
    if value == "*":
        return Principals(True, frozenset(), frozenset())
    if not isinstance(value, dict) or not value:
        raise PolicyError(where, 'must be "*" or an object such as {"AWS": [...]}')
    aws: set[str] = set()
    other: set[str] = set()
    star = False
    for key, raw in value.items():
        if key not in _PRINCIPAL_KEYS:
            raise PolicyError(where, f"unknown principal type {key}")
        for item in _strings(raw, f"{where}.{key}"):
            if item == "*":
                star = star or key == "AWS"
                other.add(f"{key}:*")
            elif key != "AWS":
                other.add(f"{key}:{item}")
            elif _ACCOUNT.fullmatch(item):
                aws.add(f"arn:aws:iam::{item}:root")
            elif "*" in item or "?" in item:
                raise PolicyError(
                    f"{where}.{key}", f"{item!r}: a principal cannot be matched with wildcards"
                )
            elif item.startswith("arn:") and item.count(":") >= 5:
                aws.add(item)
            else:
                raise PolicyError(f"{where}.{key}", f"{item!r} is neither an account ID nor an ARN")
    return Principals(star, frozenset(aws), frozenset(other))


RCP_FULL_AWS_ACCESS = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}


def _check_rcp(raw: dict[str, Any], where: str) -> None:
    """RCP syntax (orgs_manage_policies_rcps_syntax.html): no NotAction or NotPrincipal,
    Principal "*", and Allow only in RCPFullAWSAccess."""
    for element in ("NotAction", "NotPrincipal"):
        if element in raw:
            raise PolicyError(where, f"resource control policies do not support {element}")
    if raw.get("Principal", "*") != "*":
        raise PolicyError(f"{where}.Principal", 'must be "*" in a resource control policy')
    if raw["Effect"] == "Allow" and {k: v for k, v in raw.items() if k != "Sid"} != (
        RCP_FULL_AWS_ACCESS
    ):
        raise PolicyError(
            f"{where}.Effect", "Allow is only supported in RCPFullAWSAccess; an RCP can only deny"
        )


def _statement(raw: Any, index: int, ptype: PolicyType, where: str) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyError(where, "a statement must be an object")
    for key in raw:
        if key not in _ELEMENTS:
            raise PolicyError(where, f"unknown element {key}")
    sid = raw.get("Sid", "")
    if not isinstance(sid, str) or len(sid) > MAX_NAME:
        raise PolicyError(f"{where}.Sid", "must be a string of at most 128 characters")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{where}.Effect", f'must be "Allow" or "Deny", not {effect!r}')

    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyError(where, "needs exactly one of Action and NotAction")
    action_key = "Action" if "Action" in raw else "NotAction"
    actions = _strings(raw[action_key], f"{where}.{action_key}")
    for action in actions:
        if not _ACTION.fullmatch(action):
            raise PolicyError(f"{where}.{action_key}", f"{action!r} is not service:action (or *)")

    if "Resource" in raw and "NotResource" in raw:
        raise PolicyError(where, "has both Resource and NotResource")
    resource_key = "NotResource" if "NotResource" in raw else "Resource"
    resources: tuple[str, ...] | None = None
    if resource_key in raw:
        resources = _resources(raw[resource_key], f"{where}.{resource_key}")
    elif ptype is not PolicyType.RESOURCE:
        raise PolicyError(where, "needs Resource or NotResource")

    if "Principal" in raw and "NotPrincipal" in raw:
        raise PolicyError(where, "has both Principal and NotPrincipal")
    principal_key = "NotPrincipal" if "NotPrincipal" in raw else "Principal"
    principals = None
    if ptype is PolicyType.RESOURCE:
        if principal_key not in raw:
            raise PolicyError(where, "a resource-based policy statement needs Principal")
        principals = _principals(raw[principal_key], f"{where}.{principal_key}")
    elif ptype is PolicyType.RCP:
        _check_rcp(raw, where)
        principals = _principals("*", where)
    elif principal_key in raw:
        raise PolicyError(where, f"a {ptype} policy cannot have {principal_key}")

    conditions: tuple[Condition, ...] = ()
    if "Condition" in raw:
        conditions = parse_conditions(raw["Condition"], f"{where}.Condition")

    return Statement(
        index=index,
        sid=sid,
        effect=effect,
        actions=tuple(compile_pattern(a, fold=True) for a in actions),
        action_text=tuple(actions),
        not_action=action_key == "NotAction",
        resources=resources,
        not_resource=resource_key == "NotResource",
        principals=principals,
        not_principal=principal_key == "NotPrincipal",
        conditions=conditions,
    )


def policy_size(document: Any) -> int:
    """Characters of the document without white space, as IAM counts them for its quotas."""
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False))


def parse_policy(policy: Any, index: int = 0) -> ParsedPolicy:
    where = f"policies[{index}]"
    if not isinstance(policy, Policy):
        raise PolicyError(where, "must be a Policy")
    try:
        ptype = PolicyType(policy.type)
        kind = DEFAULT_KIND[ptype] if policy.kind is None else PolicyKind(policy.kind)
    except ValueError as exc:
        raise PolicyError(where, str(exc)) from None
    if not isinstance(policy.name, str) or len(policy.name) > MAX_NAME:
        raise PolicyError(f"{where}.name", "must be a string of at most 128 characters")
    if not isinstance(policy.level, str) or len(policy.level) > MAX_NAME:
        raise PolicyError(f"{where}.level", "must be a string of at most 128 characters")
    document = policy.document
    text = document if isinstance(document, str) else None
    if text is not None:
        document = decode(text, where)
    if not isinstance(document, dict):
        raise PolicyError(where, "a policy must be a JSON object")
    try:
        size = policy_size(document)
    except (TypeError, ValueError, RecursionError):
        raise PolicyError(where, "a policy must contain only JSON values") from None
    if text is not None and kind in (PolicyKind.SCP, PolicyKind.RCP):
        # Organizations counts every character of an SCP or RCP, white space included.
        size = len(text)
    limit = SIZE_LIMITS[kind]
    if size > limit:
        raise PolicyError(
            where, f"{size} characters is over the {limit} AWS allows for a {kind} policy"
        )
    for key in document:
        if key not in _TOP:
            raise PolicyError(where, f"unknown element {key}")
    version = document.get("Version", "2008-10-17")
    if version not in VERSIONS:
        raise PolicyError(f"{where}.Version", f"must be one of {', '.join(VERSIONS)}")
    if not isinstance(document.get("Id", ""), str):
        raise PolicyError(f"{where}.Id", "must be a string")
    if "Statement" not in document:
        raise PolicyError(where, "needs a Statement")
    raw = document["Statement"]
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise PolicyError(f"{where}.Statement", "must not be empty")
    if len(items) > MAX_STATEMENTS:
        raise PolicyError(f"{where}.Statement", f"more than {MAX_STATEMENTS} statements")
    statements = tuple(
        _statement(item, i, ptype, f"{where}.Statement[{i}]") for i, item in enumerate(items)
    )
    sids = [s.sid for s in statements if s.sid]
    if len(sids) != len(set(sids)):
        raise PolicyError(f"{where}.Statement", "Sids must be unique within a policy")
    return ParsedPolicy(
        index=index,
        name=policy.name or f"{ptype} policy {index}",
        type=ptype,
        level=policy.level,
        variables=version == "2012-10-17",
        statements=statements,
        size=size,
    )


def parse_policies(policies: Any) -> tuple[ParsedPolicy, ...]:
    if not isinstance(policies, list | tuple):
        raise PolicyError("policies", "must be a list of Policy")
    if len(policies) > MAX_POLICIES:
        raise PolicyError("policies", f"more than {MAX_POLICIES} policies")
    parsed = tuple(parse_policy(p, i) for i, p in enumerate(policies))
    if sum(p.size for p in parsed) > MAX_TOTAL_CHARS:
        raise PolicyError("policies", f"more than {MAX_TOTAL_CHARS} characters in all")
    boundaries = [p for p in parsed if p.type is PolicyType.PERMISSIONS_BOUNDARY]
    if len(boundaries) > 1:
        raise PolicyError(
            f"policies[{boundaries[1].index}]", "an identity has at most one permissions boundary"
        )
    return parsed


def _context(raw: Any) -> tuple[dict[str, list[str]], frozenset[str]]:
    if not isinstance(raw, Mapping):
        raise PolicyError("request.context", "must be an object of condition keys")
    if len(raw) > MAX_CONTEXT_KEYS:
        raise PolicyError("request.context", f"more than {MAX_CONTEXT_KEYS} keys")
    values: dict[str, list[str]] = {}
    multi: set[str] = set()
    for key, value in raw.items():
        where = f"request.context.{key}"
        if not isinstance(key, str) or not key or len(key) > 256:
            raise PolicyError("request.context", "a key must be a string of 1 to 256 characters")
        if isinstance(value, bool):
            value = "true" if value else "false"
        if isinstance(value, list):
            if len(value) > MAX_CONTEXT_VALUES:
                raise PolicyError(where, f"more than {MAX_CONTEXT_VALUES} values")
            multi.add(key.lower())
            items = value
        else:
            items = [value]
        for item in items:
            if not isinstance(item, str) or len(item) > MAX_TEXT:
                raise PolicyError(where, "values must be strings of at most 2048 characters")
        values[key.lower()] = list(items)
    return values, frozenset(multi)


def check_request(request: Any) -> tuple[dict[str, list[str]], frozenset[str]]:
    """Validate a Request; return its context with lower-case keys and the multivalued keys."""
    if not isinstance(request, Request):
        raise PolicyError("request", "must be a Request")
    for name in ("principal", "action", "resource"):
        value = getattr(request, name)
        if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
            raise PolicyError(f"request.{name}", "must be a non-empty string")
    if not _ACTION.fullmatch(request.action) or "*" in request.action or "?" in request.action:
        raise PolicyError("request.action", f"{request.action!r} is not service:action")
    if request.resource != "*" and not request.resource.startswith("arn:"):
        raise PolicyError("request.resource", f"{request.resource!r} is not an ARN")
    if not isinstance(request.resource_account, str) or not (
        request.resource_account == "" or _ACCOUNT.fullmatch(request.resource_account)
    ):
        raise PolicyError("request.resource_account", "must be a 12-digit account ID")
    tags = request.principal_tags
    if not isinstance(tags, Mapping) or len(tags) > 50:
        raise PolicyError("request.principal_tags", "must be an object of at most 50 tags")
    for key, value in tags.items():
        if not isinstance(key, str) or not isinstance(value, str) or len(key) > 128:
            raise PolicyError("request.principal_tags", "tags must map strings to strings")
        if len(value) > 256:
            raise PolicyError(f"request.principal_tags.{key}", "longer than 256 characters")
    return _context(request.context)


def request_from_dict(data: Any) -> Request:
    """A Request from decoded JSON, e.g. from a form: unknown fields are an error."""
    if not isinstance(data, Mapping):
        raise PolicyError("request", "must be an object")
    fields = {"principal", "action", "resource", "context", "principal_tags", "resource_account"}
    for key in data:
        if key not in fields:
            raise PolicyError("request", f"unknown field {key}")
    request = Request(
        principal=data.get("principal", ""),
        action=data.get("action", ""),
        resource=data.get("resource", ""),
        context=data.get("context", {}),
        principal_tags=data.get("principal_tags", {}),
        resource_account=data.get("resource_account", ""),
    )
    check_request(request)
    return request
