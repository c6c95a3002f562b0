"""Invariants of the evaluator, checked on random policy sets (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.policy import Decision, Policy, PolicyType, Step, evaluate

from .builders import ALICE, OBJECT, ROLE, SESSION, A, B, doc, request

GUARDRAILS = [PolicyType.SCP, PolicyType.RCP, PolicyType.PERMISSIONS_BOUNDARY, PolicyType.SESSION]
NEEDS_PRINCIPAL = (PolicyType.RESOURCE, PolicyType.RCP)
ALL_TYPES = st.sampled_from(list(PolicyType))

actions = st.sampled_from(["*", "s3:*", "s3:GetObject", "s3:Put*", "ec2:*", "S3:get?bject"])
resources = st.sampled_from(
    ["*", OBJECT, "arn:aws:s3:::amzn-s3-demo-bucket/*", "arn:aws:s3:::other/*"]
)
conditions = st.sampled_from(
    [
        None,
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        {"StringEquals": {"aws:PrincipalTag/team": "eng"}},
        {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}},
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}},
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    ]
)
principals = st.sampled_from(["*", {"AWS": ALICE}, {"AWS": A}, {"AWS": ROLE}, {"AWS": SESSION}])


@st.composite
def statements(draw, ptype):
    out = {"Effect": draw(st.sampled_from(["Allow", "Deny"]))}
    out["NotAction" if draw(st.booleans()) and draw(st.booleans()) else "Action"] = draw(actions)
    out["Resource"] = draw(resources)
    condition = draw(conditions)
    if condition:
        out["Condition"] = condition
    if ptype is PolicyType.RESOURCE:
        out["Principal"] = draw(principals)
    elif ptype is PolicyType.RCP:
        out.pop("NotAction", None)
        out["Action"] = out.get("Action", "*")
        out["Principal"] = "*"
        if out["Effect"] == "Allow":
            return {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    return out


@st.composite
def policies(draw, types=ALL_TYPES):
    ptype = draw(types)
    body = draw(st.lists(statements(ptype), min_size=1, max_size=4))
    level = draw(st.sampled_from(["root", "ou"]))
    return Policy(ptype, doc(*body), name=f"{ptype}", level=level)


@st.composite
def policy_sets(draw):
    chosen = draw(st.lists(policies(), max_size=6))
    boundaries = [p for p in chosen if p.type is PolicyType.PERMISSIONS_BOUNDARY]
    return [p for p in chosen if p not in boundaries[1:]]


requests = st.builds(
    request,
    principal=st.sampled_from([ALICE, SESSION, ROLE, f"arn:aws:iam::{A}:root"]),
    action=st.sampled_from(["s3:GetObject", "s3:PutObject", "ec2:RunInstances"]),
    resource_account=st.sampled_from(["", B]),
    principal_tags=st.sampled_from([{}, {"team": "eng"}]),
    context=st.sampled_from(
        [
            {},
            {"aws:MultiFactorAuthPresent": "true", "aws:SourceIp": "203.0.113.9"},
            {"aws:RequestedRegion": "eu-west-1", "aws:TagKeys": ["env", "team"]},
        ]
    ),
)


def deny_all(ptype: PolicyType) -> Policy:
    statement = {"Effect": "Deny", "Action": "*", "Resource": "*"}
    if ptype in NEEDS_PRINCIPAL:
        statement["Principal"] = "*"
    return Policy(ptype, doc(statement), name="deny all")


@settings(max_examples=200, deadline=None)
@given(req=requests, base=policy_sets(), ptype=ALL_TYPES)
def test_evaluate_explicit_deny_always_wins(req, base, ptype):
    """A Deny * on * added in any type of policy makes the decision an explicit deny."""
    if ptype is PolicyType.PERMISSIONS_BOUNDARY:
        base = [p for p in base if p.type is not PolicyType.PERMISSIONS_BOUNDARY]
    result = evaluate(req, [*base, deny_all(ptype)])
    assert result.decision is Decision.EXPLICIT_DENY
    assert result.decided_by is Step.EXPLICIT_DENY


@settings(max_examples=200, deadline=None)
@given(
    req=requests,
    base=policy_sets(),
    guardrail=policies(types=st.sampled_from(GUARDRAILS)),
)
def test_evaluate_guardrail_never_turns_deny_into_allow(req, base, guardrail):
    """Adding a guardrail never turns a deny into an allow: an RCP, a boundary or session
    policy where there was none, or SCPs at a new level of the organization. (A second SCP at
    the same level or a second session policy can: allows within one of those are a union.)"""
    if guardrail.type in (PolicyType.PERMISSIONS_BOUNDARY, PolicyType.SESSION):
        base = [p for p in base if p.type is not guardrail.type]
    if guardrail.type is PolicyType.SCP:
        guardrail = Policy(guardrail.type, guardrail.document, name="new", level="new-level")
    before = evaluate(req, base).decision
    after = evaluate(req, [*base, guardrail]).decision
    if before is not Decision.ALLOW:
        assert after is not Decision.ALLOW
    if before is Decision.EXPLICIT_DENY:
        assert after is Decision.EXPLICIT_DENY


@settings(max_examples=200, deadline=None)
@given(req=requests, base=policy_sets(), data=st.data())
def test_evaluate_order_of_policies_and_statements_never_matters(req, base, data):
    """Shuffling the policies and the statements inside each gives the same decision and step."""
    shuffled = []
    for policy in data.draw(st.permutations(base)):
        body = data.draw(st.permutations(policy.document["Statement"]))
        shuffled.append(Policy(policy.type, doc(*body), name=policy.name, level=policy.level))
    first = evaluate(req, base)
    second = evaluate(req, shuffled)
    assert (first.decision, first.decided_by) == (second.decision, second.decided_by)


@settings(max_examples=200, deadline=None)
@given(req=requests, base=policy_sets())
def test_evaluate_result_is_plain_data(req, base):
    """The result turns into plain JSON-ready values, with one trace per statement."""
    import json

    result = evaluate(req, base)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["decision"] == str(result.decision)
    assert len(data["statements"]) == sum(len(p.document["Statement"]) for p in base)
    for trace in result.statements:
        assert trace.matched or trace.failed_element
