"""An IAM policy evaluator of our own: pure Python, no Django, deterministic and bounded.

    result = evaluate(Request(principal=..., action=..., resource=...), [Policy(...), ...])
    result.decision, result.decided_by, result.steps, result.statements, result.to_dict()

Bad input of any kind raises PolicyError, whose message names the place.
"""

from .evaluate import evaluate
from .match import wildcard_match
from .model import (
    Decision,
    Policy,
    PolicyError,
    PolicyKind,
    PolicyType,
    Request,
    Result,
    StatementTrace,
    Step,
    StepTrace,
)
from .parse import SIZE_LIMITS, parse_policy, policy_size, request_from_dict

__all__ = [
    "SIZE_LIMITS",
    "Decision",
    "Policy",
    "PolicyError",
    "PolicyKind",
    "PolicyType",
    "Request",
    "Result",
    "StatementTrace",
    "Step",
    "StepTrace",
    "evaluate",
    "parse_policy",
    "policy_size",
    "request_from_dict",
    "wildcard_match",
]
