"""The evaluator's vocabulary: a request, the policies around it, and the decision with its trace.

Every type here is a frozen dataclass of plain values, so a result can be cached, compared and
turned into JSON with ``to_dict()``; nothing here imports Django.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class PolicyError(ValueError):
    """Bad input: the message names the place, e.g. ``policies[2].Statement[1].Condition``."""

    def __init__(self, where: str, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class PolicyType(StrEnum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    PERMISSIONS_BOUNDARY = "permissions-boundary"
    SESSION = "session"
    SCP = "scp"
    RCP = "rcp"


class PolicyKind(StrEnum):
    """Where a policy document lives; it sets the size quota AWS applies to the document."""

    MANAGED = "managed"
    USER_INLINE = "user-inline"
    GROUP_INLINE = "group-inline"
    ROLE_INLINE = "role-inline"
    BUCKET = "bucket"
    RESOURCE = "resource"
    SESSION = "session"
    SCP = "scp"
    RCP = "rcp"


class Decision(StrEnum):
    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


class Step(StrEnum):
    """The boxes of the flowchart in "Policy evaluation logic", in the order AWS checks them."""

    EXPLICIT_DENY = "explicit-deny"
    RCP = "resource-control-policies"
    SCP = "service-control-policies"
    RESOURCE_BASED = "resource-based-policy"
    IDENTITY_BASED = "identity-based-policies"
    PERMISSIONS_BOUNDARY = "permissions-boundary"
    SESSION = "session-policy"


@dataclass(frozen=True)
class Policy:
    """One policy document as the caller supplies it (JSON text or an already-decoded object).

    ``level`` groups service and resource control policies: every level of the organization
    (root, each OU, the account) must allow on its own. ``kind`` defaults from ``type``.
    """

    type: PolicyType
    document: Any
    name: str = ""
    kind: PolicyKind | None = None
    level: str = "root"


@dataclass(frozen=True)
class Request:
    """What is asked: who (an ARN), which action on which resource, with which context keys.

    ``context`` maps condition keys (case-insensitive) to a string or a list of strings.
    Keys derived from the principal (aws:PrincipalArn, aws:PrincipalAccount, aws:username,
    aws:PrincipalType, aws:PrincipalTag/...) are added unless the context sets them.
    ``resource_account`` is needed only when the resource ARN has no account field (S3).
    """

    principal: str
    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)
    principal_tags: Mapping[str, str] = field(default_factory=dict)
    resource_account: str = ""

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@dataclass(frozen=True)
class StatementTrace:
    """One statement as the evaluator saw it: matched, or the element that did not match and why."""

    policy_index: int
    policy_name: str
    policy_type: PolicyType
    statement_index: int
    sid: str
    effect: str
    matched: bool
    failed_element: str = ""
    reason: str = ""


@dataclass(frozen=True)
class StepTrace:
    step: Step
    outcome: str
    detail: str


@dataclass(frozen=True)
class Result:
    """The decision, the flowchart step that decided it, and the trace that shows the way."""

    decision: Decision
    decided_by: Step
    reason: str
    steps: tuple[StepTrace, ...]
    statements: tuple[StatementTrace, ...]
    deciding: tuple[tuple[int, int], ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
