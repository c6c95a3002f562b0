"""The policy playground: a form of policies and a request in, a decision and its trace out.

Everything here is a plain function of the submitted data: nothing is stored, and the
same functions serve the full page (without JavaScript) and the fragment htmx asks for
while the learner types. ``present`` turns an evaluator result into what the reusable
trace and document partials show (lessons/templates/lessons/policy/).
"""

import contextlib
import json
import re
from dataclasses import dataclass, field

from .cases import (
    LEVELLED,
    MAX_DOCUMENT,
    MAX_POLICIES,
    TYPE_LABELS,
    decision_label,
    policy_lines,
    run,
)
from .numbers import parse_int
from .policy import PolicyError, PolicyType, Result, Step

MAX_FIELD = 4_096  # principal, action, resource and the JSON of context keys or tags
EMPTY_POLICY = {"type": PolicyType.IDENTITY.value, "name": "", "level": "", "document": ""}
STEP_LABELS = {
    Step.EXPLICIT_DENY: "Explicit deny check",
    Step.RCP: "Resource control policies (RCPs)",
    Step.SCP: "Service control policies (SCPs)",
    Step.RESOURCE_BASED: "Resource-based policy",
    Step.IDENTITY_BASED: "Identity-based policies",
    Step.PERMISSIONS_BOUNDARY: "Permissions boundary",
    Step.SESSION: "Session policy",
}
STEP_POLICY_TYPES = {
    Step.RCP: {PolicyType.RCP},
    Step.SCP: {PolicyType.SCP},
    Step.RESOURCE_BASED: {PolicyType.RESOURCE},
    Step.IDENTITY_BASED: {PolicyType.IDENTITY},
    Step.PERMISSIONS_BOUNDARY: {PolicyType.PERMISSIONS_BOUNDARY},
    Step.SESSION: {PolicyType.SESSION},
}
REQUEST_FIELDS = ("principal", "action", "resource", "resource_account", "context", "tags")
TYPE_CHOICES = [(str(t), TYPE_LABELS[t]) for t in PolicyType]
LEVELLED_TYPES = sorted(str(t) for t in LEVELLED)


@dataclass
class Playground:
    """What the form shows: the policies and request as typed, and errors by field id."""

    policies: list[dict]
    request: dict
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def can_add(self) -> bool:
        return len(self.policies) < MAX_POLICIES

    def rows(self) -> list[dict]:
        """Each policy with its number and the errors of its fields, for the template."""
        return [
            {
                "n": n,
                **policy,
                "fields": {
                    part: {
                        "id": f"policy-{n}-{part}",
                        "message": self.errors.get(f"policy-{n}-{part}", ""),
                    }
                    for part in ("type", "level", "document")
                },
            }
            for n, policy in enumerate(self.policies, start=1)
        ]

    def error_slots(self) -> list[tuple[str, str]]:
        """(field id, message or "") for every field: the fragment refreshes each slot."""
        ids = list(REQUEST_FIELDS)
        for n in range(1, len(self.policies) + 1):
            ids += [f"policy-{n}-type", f"policy-{n}-level", f"policy-{n}-document"]
        return [(field_id, self.errors.get(field_id, "")) for field_id in ids]

    def general_errors(self) -> list[str]:
        return [self.errors[key] for key in ("policies", "form") if key in self.errors]


def from_case(case) -> Playground:
    """A playground holding a case's policies and request as its author wrote them."""
    request = case.request
    return Playground(
        policies=[
            {
                "type": p["type"],
                "name": p["name"],
                "level": p.get("level", ""),
                "document": p["document"],
            }
            for p in case.policies
        ],
        request={
            "principal": request.get("principal", ""),
            "action": request.get("action", ""),
            "resource": request.get("resource", ""),
            "resource_account": request.get("resource_account", ""),
            "context": _json_text(request.get("context")),
            "tags": _json_text(request.get("principal_tags")),
        },
    )


def blank() -> Playground:
    return Playground(
        policies=[dict(EMPTY_POLICY)],
        request={
            "principal": "arn:aws:iam::111122223333:user/ana",
            "action": "s3:GetObject",
            "resource": "arn:aws:s3:::amzn-s3-demo-bucket/report.csv",
            "resource_account": "",
            "context": "{}",
            "tags": "{}",
        },
    )


def _json_text(value) -> str:
    return json.dumps(value or {}, indent=2, sort_keys=True)


def from_post(data) -> Playground:
    """The form as submitted, with the add and remove buttons applied."""
    try:
        count = parse_int(data.get("count", "1"), maximum=MAX_POLICIES)
    except ValueError:
        count = 1
    policies = []
    for n in range(1, count + 1):
        policies.append(
            {
                "type": data.get(f"policy-{n}-type", PolicyType.IDENTITY.value),
                "name": data.get(f"policy-{n}-name", "")[:100],
                "level": data.get(f"policy-{n}-level", "")[:100],
                "document": data.get(f"policy-{n}-document", ""),
            }
        )
    with contextlib.suppress(ValueError):  # no remove button was pressed
        del policies[parse_int(data.get("remove", ""), minimum=1, maximum=len(policies)) - 1]
    if "add" in data and len(policies) < MAX_POLICIES:
        policies.append(dict(EMPTY_POLICY))
    request = {key: data.get(key, "") for key in REQUEST_FIELDS}
    return Playground(policies=policies, request=request)


def evaluate_playground(playground: Playground) -> Result | None:
    """Decide the playground's request, or fill ``playground.errors`` and return None."""
    errors = playground.errors
    for key, value in playground.request.items():
        if len(value) > MAX_FIELD:
            errors[key] = f"This field is longer than {MAX_FIELD:,} characters."
    context = _json_object(playground.request["context"], "context", errors)
    tags = _json_object(playground.request["tags"], "tags", errors)
    policies = submitted_policies(playground)
    for n, policy in enumerate(playground.policies, start=1):
        document = policy["document"]
        if len(document) > MAX_DOCUMENT:
            # Refused before anything decodes it: a 1 MB paste costs a length check.
            errors[f"policy-{n}-document"] = (
                f"This policy is {len(document):,} characters long; the playground takes "
                f"at most {MAX_DOCUMENT:,} (AWS allows 6,144 for a managed policy)."
            )
        elif not document.strip():
            errors[f"policy-{n}-document"] = "Write the policy's JSON here, or remove it."
    if errors:
        return None
    request = {
        "principal": playground.request["principal"].strip(),
        "action": playground.request["action"].strip(),
        "resource": playground.request["resource"].strip(),
        "context": context,
        "principal_tags": tags,
    }
    if playground.request["resource_account"].strip():
        request["resource_account"] = playground.request["resource_account"].strip()
    if not policies:
        errors["policies"] = "Add at least one policy."
        return None
    try:
        _, result = run(policies, request)
    except PolicyError as exc:
        place = _field_of(exc.where)
        errors[place] = str(exc) if place in ("form", "context") else exc.message
        return None
    return result


def _json_object(text: str, key: str, errors: dict) -> dict:
    if key in errors:
        return {}
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        errors[key] = f"This is not valid JSON ({exc.msg}, line {exc.lineno})."
        return {}
    if not isinstance(value, dict):
        errors[key] = 'Write a JSON object, for example {"aws:SourceIp": "203.0.113.7"}.'
        return {}
    return value


_POLICY_WHERE = re.compile(r"^policies\[(\d+)\](?:\.(\w+))?")


def _field_of(where: str) -> str:
    """The id of the form field a PolicyError's place points at."""
    match = _POLICY_WHERE.match(where)
    if match:
        part = match[2] if match[2] in ("type", "level") else "document"
        return f"policy-{match[1]}-{part}"
    if where.startswith("request."):
        name = where.split(".")[1]
        return {"principal_tags": "tags"}.get(name, name)
    if where.startswith("request"):
        return "context"
    return "form"


def present(policies: list[dict], result: Result) -> dict:
    """What the trace partial shows: the walk through the flowchart, then each document
    with its lines numbered and the deciding statement's lines marked."""
    statements = result.statements
    deciding = set(result.deciding)
    steps = []
    for step in result.steps:
        if step.step is Step.EXPLICIT_DENY:
            listed = [s for s in statements if s.effect == "Deny"]
        else:
            types = STEP_POLICY_TYPES.get(step.step, set())
            listed = [s for s in statements if s.policy_type in types and s.effect == "Allow"]
        steps.append(
            {
                "label": STEP_LABELS.get(step.step, str(step.step)),
                "outcome": step.outcome,
                "detail": step.detail,
                "decided": step.step is result.decided_by,
                "statements": [
                    {
                        "policy": s.policy_name,
                        "number": s.statement_index + 1,
                        "sid": s.sid,
                        "effect": s.effect,
                        "matched": s.matched,
                        "element": s.failed_element,
                        "reason": s.reason,
                        "deciding": (s.policy_index, s.statement_index) in deciding,
                    }
                    for s in listed
                ],
            }
        )
    documents = []
    for index, policy in enumerate(policies):
        marked = {s for p, s in deciding if p == index}
        documents.append(
            {
                "name": policy.get("name") or f"Policy {index + 1}",
                "type_label": TYPE_LABELS.get(PolicyType(policy["type"]), policy["type"]),
                "level": policy.get("level", "") if policy["type"] in LEVELLED else "",
                "lines": policy_lines(policy["document"], marked),
                "deciding": bool(marked),
            }
        )
    return {
        "decision": str(result.decision),
        "label": decision_label(result.decision),
        "allowed": result.allowed,
        "decided_by": STEP_LABELS.get(result.decided_by, str(result.decided_by)),
        "reason": result.reason,
        "steps": steps,
        "documents": documents,
    }


def submitted_policies(playground: Playground) -> list[dict]:
    """The policies as evaluated (default names and levels filled in), for ``present``."""
    policies = []
    for n, policy in enumerate(playground.policies, start=1):
        item = {
            "type": policy["type"],
            "name": policy["name"].strip() or f"Policy {n}",
            "document": policy["document"],
        }
        if policy["type"] in LEVELLED:
            item["level"] = policy["level"].strip() or "root"
        policies.append(item)
    return policies
