"""The decision, step by step as in the flowchart of "Policy evaluation logic" (IAM User Guide,
reference_policies_evaluation-logic.html) and its cross-account page
(reference_policies_evaluation-logic-cross-account.html):

1. an explicit Deny in any policy decides Deny;
2. resource control policies act only through Deny (RCPFullAWSAccess is attached at every
   level and cannot be detached: orgs_manage_policies_rcps_evaluation.html); service control
   policies must allow at every level of the organization, or the request is implicitly denied
   (orgs_manage_policies_scps_evaluation.html); neither grants anything by itself;
3. a same-account resource-based policy that allows the principal can decide Allow on its own:
   naming the IAM user or the role session grants directly; naming the role ARN is still limited
   by the permissions boundary and session policy; naming the account only delegates to the
   account's identity-based policies (access_policies_boundaries.html, "Evaluating effective
   permissions with boundaries"; access_policies.html#policies_session);
4. identity-based policies must allow, then the permissions boundary, then the session policy;
5. cross-account, both the resource-based policy and the caller's side must allow.
"""

from __future__ import annotations

from collections.abc import Sequence

from .match import compile_pattern
from .model import (
    Decision,
    Policy,
    PolicyError,
    PolicyType,
    Request,
    Result,
    StatementTrace,
    Step,
    StepTrace,
)
from .parse import ParsedPolicy, Statement, check_request, parse_policies

_DIRECTNESS = {"session": 4, "user": 3, "root": 3, "role": 2, "account": 1}


class _Principal:
    """The identities a request is made as: its own ARN, its role, its account."""

    def __init__(self, arn: str):
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or not parts[4].isdigit() or len(parts[4]) != 12:
            raise PolicyError(
                "request.principal", f"{arn!r} is not an IAM user, role or session ARN"
            )
        partition, service, account, rest = parts[1], parts[2], parts[4], parts[5]
        self.arn = arn
        self.account = account
        self.root = f"arn:{partition}:iam::{account}:root"
        self.username = ""
        self.role_arn = ""
        if service == "iam" and rest == "root":
            self.kind, self.principal_arn, self.type = "root", self.root, "Account"
        elif service == "iam" and rest.startswith("user/") and len(rest) > 5:
            self.kind, self.principal_arn, self.type = "user", arn, "User"
            self.username = rest.rsplit("/", 1)[1]
        elif service == "iam" and rest.startswith("role/") and len(rest) > 5:
            self.kind, self.principal_arn, self.type = "role", arn, "AssumedRole"
            self.role_arn = arn
        elif service == "sts" and rest.startswith("assumed-role/") and rest.count("/") == 2:
            role_name = rest.split("/")[1]
            self.role_arn = f"arn:{partition}:iam::{account}:role/{role_name}"
            self.kind, self.principal_arn, self.type = "session", self.role_arn, "AssumedRole"
        else:
            raise PolicyError(
                "request.principal", f"{arn!r} is not an IAM user, role or session ARN"
            )

    def named_as(self, aws: frozenset[str]) -> str:
        """How directly a Principal list names this principal (session, user, role, account)."""
        if self.kind == "session" and self.arn in aws:
            return "session"
        if self.kind in ("user", "root") and self.arn in aws:
            return self.kind
        if self.role_arn and self.role_arn in aws:
            return "role"
        if self.root in aws:
            return "account"
        return ""

    def identities(self) -> set[str]:
        return {self.arn, self.root} | ({self.role_arn} if self.role_arn else set())

    @property
    def entity(self) -> str:
        """What a Principal of "*" names: the user, the role or the root user itself."""
        return {"session": "role", "role": "role", "user": "user", "root": "root"}[self.kind]


def _resource_account(request: Request, principal: _Principal) -> str:
    if request.resource_account:
        return request.resource_account
    parts = request.resource.split(":", 5)
    if len(parts) == 6 and parts[4]:
        return parts[4]
    return principal.account


def _context(request: Request, principal: _Principal, resource_account: str, given):
    derived: dict[str, list[str]] = {
        "aws:principalarn": [principal.principal_arn],
        "aws:principalaccount": [principal.account],
        "aws:principaltype": [principal.type],
        "aws:resourceaccount": [resource_account],
    }
    if principal.username:
        derived["aws:username"] = [principal.username]
    if principal.kind == "root":
        derived["aws:userid"] = [principal.account]
    for key, value in request.principal_tags.items():
        derived[f"aws:principaltag/{key.lower()}"] = [value]
    derived.update(given)
    return derived


def _statement_trace(
    policy: ParsedPolicy,
    st: Statement,
    action: str,
    request: Request,
    principal: _Principal,
    context: dict[str, list[str]],
    lookup,
) -> tuple[StatementTrace, str]:
    def trace(matched: bool, element: str = "", reason: str = "") -> StatementTrace:
        return StatementTrace(
            policy_index=policy.index,
            policy_name=policy.name,
            policy_type=policy.type,
            statement_index=st.index,
            sid=st.sid,
            effect=st.effect,
            matched=matched,
            failed_element=element,
            reason=reason,
        )

    hit = any(p.matches(action) for p in st.actions)
    if hit == st.not_action:
        element = "NotAction" if st.not_action else "Action"
        why = "is listed in NotAction" if st.not_action else "is not in Action"
        return trace(False, element, f"{request.action} {why}"), ""

    if st.resources is not None:
        hit = any(
            compile_pattern(r, lookup=lookup if policy.variables else None).matches(
                request.resource
            )
            for r in st.resources
        )
        if hit == st.not_resource:
            element = "NotResource" if st.not_resource else "Resource"
            why = "is listed in NotResource" if st.not_resource else "is not in Resource"
            return trace(False, element, f"{request.resource} {why}"), ""

    named = ""
    if st.principals is not None:
        spec = st.principals
        if st.not_principal:
            listed = principal.identities() <= spec.aws or spec.star
            if listed:
                return trace(
                    False, "NotPrincipal", f"{principal.arn} is excluded by NotPrincipal"
                ), ""
            named = principal.entity
        else:
            named = principal.named_as(spec.aws)
            if spec.star and _DIRECTNESS.get(principal.entity, 0) > _DIRECTNESS.get(named, 0):
                named = principal.entity
            if not named:
                return trace(False, "Principal", f"{principal.arn} is not named in Principal"), ""

    for condition in st.conditions:
        ok, why = condition.holds(context, lookup if policy.variables else None)
        if not ok:
            return trace(False, "Condition", why), ""

    reason = f"{request.action} on {request.resource} matches"
    if named:
        reason += f"; it names the {named}"
    return trace(True, reason=reason), named


def _named(st: StatementTrace, parsed: dict[tuple[int, int], str]) -> str:
    return parsed.get((st.policy_index, st.statement_index), "")


def evaluate(request: Request, policies: Sequence[Policy]) -> Result:
    """Decide `request` under `policies` the way AWS documents it; PolicyError on bad input."""
    parsed = parse_policies(policies)
    given, multi = check_request(request)
    principal = _Principal(request.principal)
    resource_account = _resource_account(request, principal)
    context = _context(request, principal, resource_account, given)

    def lookup(name: str) -> str | None:
        key = name.lower()
        if key in multi:
            return None
        values = context.get(key)
        return values[0] if values else None

    action = request.action.lower()
    traces: list[StatementTrace] = []
    named_as: dict[tuple[int, int], str] = {}
    for policy in parsed:
        for st in policy.statements:
            t, named = _statement_trace(policy, st, action, request, principal, context, lookup)
            traces.append(t)
            if named:
                named_as[(policy.index, st.index)] = named
    return _decide(traces, parsed, principal, resource_account, named_as)


def _decide(traces, parsed, principal, resource_account, named_as) -> Result:
    steps: list[StepTrace] = []
    cross = resource_account != principal.account
    types = {p.type for p in parsed}

    def matched(ptype: PolicyType, effect: str) -> list[StatementTrace]:
        return [t for t in traces if t.matched and t.policy_type is ptype and t.effect == effect]

    def key(ts: list[StatementTrace]) -> tuple[tuple[int, int], ...]:
        return tuple((t.policy_index, t.statement_index) for t in ts)

    def done(decision: Decision, step: Step, reason: str, deciding=()) -> Result:
        if steps and steps[-1].step is step:
            steps.pop()
        steps.append(StepTrace(step, str(decision), reason))
        return Result(decision, step, reason, tuple(steps), tuple(traces), key(list(deciding)))

    denies = [t for t in traces if t.matched and t.effect == "Deny"]
    if denies:
        first = denies[0]
        return done(
            Decision.EXPLICIT_DENY,
            Step.EXPLICIT_DENY,
            f"explicit Deny in {first.policy_name} (statement {first.statement_index})",
            denies,
        )
    steps.append(StepTrace(Step.EXPLICIT_DENY, "pass", "no statement denies the request"))

    if PolicyType.RCP in types:
        steps.append(
            StepTrace(
                Step.RCP,
                "pass",
                "RCPFullAWSAccess is attached at every level and cannot be detached, "
                "so resource control policies act only through Deny",
            )
        )
    else:
        steps.append(StepTrace(Step.RCP, "not-applicable", "no resource control policies"))

    levels: dict[str, list[int]] = {}
    for p in parsed:
        if p.type is PolicyType.SCP:
            levels.setdefault(p.level, []).append(p.index)
    scp_allows = matched(PolicyType.SCP, "Allow")
    for level, indexes in levels.items():
        if not any(t.policy_index in indexes for t in scp_allows):
            return done(
                Decision.IMPLICIT_DENY,
                Step.SCP,
                f"no service control policy at level {level!r} allows the request",
            )
    if levels:
        steps.append(StepTrace(Step.SCP, "pass", "every level of service control policies allows"))
    else:
        steps.append(StepTrace(Step.SCP, "not-applicable", "no service control policies"))

    resource_allows = matched(PolicyType.RESOURCE, "Allow")
    identity_allows = matched(PolicyType.IDENTITY, "Allow")
    boundary = PolicyType.PERMISSIONS_BOUNDARY in types
    boundary_allows = matched(PolicyType.PERMISSIONS_BOUNDARY, "Allow")
    session = PolicyType.SESSION in types
    session_allows = matched(PolicyType.SESSION, "Allow")

    if cross:
        if not resource_allows:
            return done(
                Decision.IMPLICIT_DENY,
                Step.RESOURCE_BASED,
                f"cross-account ({principal.account} to {resource_account}): "
                "no resource-based policy allows the principal",
            )
        steps.append(
            StepTrace(
                Step.RESOURCE_BASED, "pass", "the resource-based policy allows (cross-account)"
            )
        )
    elif resource_allows:
        best = max(resource_allows, key=lambda t: _DIRECTNESS.get(_named(t, named_as), 0))
        how = _named(best, named_as)
        grants = [t for t in resource_allows if _named(t, named_as) == how]
        if how in ("session", "user", "root") and not (how == "user" and session):
            return done(
                Decision.ALLOW,
                Step.RESOURCE_BASED,
                f"a same-account resource-based policy names the {how} and allows",
                grants,
            )
        if how in ("role", "user"):
            steps.append(
                StepTrace(
                    Step.RESOURCE_BASED,
                    "pass",
                    f"the resource-based policy names the {how} ARN and allows, "
                    "within what the permissions boundary and session policy allow",
                )
            )
            limits = [
                (boundary and how == "role", boundary_allows, Step.PERMISSIONS_BOUNDARY),
                (session, session_allows, Step.SESSION),
            ]
            for applies, allows, step in limits:
                if applies and not allows:
                    return done(
                        Decision.IMPLICIT_DENY,
                        step,
                        f"the resource-based policy names the {how} ARN, which {step} limits, "
                        "and it does not allow",
                    )
            return done(
                Decision.ALLOW,
                Step.RESOURCE_BASED,
                f"a same-account resource-based policy names the {how} ARN and allows",
                grants,
            )
        steps.append(
            StepTrace(
                Step.RESOURCE_BASED,
                "pass",
                "the resource-based policy names only the account: identity policies must allow",
            )
        )
    else:
        steps.append(
            StepTrace(Step.RESOURCE_BASED, "not-applicable", "no resource-based policy allows")
        )

    if principal.kind == "root" and not cross:
        steps.append(StepTrace(Step.IDENTITY_BASED, "pass", "the root user has every permission"))
    elif not identity_allows:
        return done(Decision.IMPLICIT_DENY, Step.IDENTITY_BASED, "no identity-based policy allows")
    else:
        steps.append(StepTrace(Step.IDENTITY_BASED, "pass", "an identity-based policy allows"))

    if boundary and not boundary_allows:
        return done(
            Decision.IMPLICIT_DENY,
            Step.PERMISSIONS_BOUNDARY,
            "the permissions boundary does not allow",
        )
    if boundary:
        steps.append(
            StepTrace(Step.PERMISSIONS_BOUNDARY, "pass", "the permissions boundary allows")
        )
    if session and not session_allows:
        return done(Decision.IMPLICIT_DENY, Step.SESSION, "the session policy does not allow")
    deciding = identity_allows + boundary_allows + session_allows
    if cross:
        deciding = resource_allows + deciding
    return done(
        Decision.ALLOW,
        Step.SESSION
        if session
        else (Step.PERMISSIONS_BOUNDARY if boundary else Step.IDENTITY_BASED),
        "every policy that applies allows"
        + (" on both sides of the account boundary" if cross else ""),
        deciding,
    )
