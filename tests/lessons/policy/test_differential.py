"""Our evaluator against an independent implementation: moto's IAM access control.

moto (moto/iam/access_control.py, installed from PyPI in the dev group) decides identity-based
policies for its mocked AWS: Effect, Action/NotAction, Resource, and StringEquals conditions.
Within that subset the two must agree on whether a request is allowed. Where moto departs from
AWS, the disagreement is listed below with the page of the IAM User Guide that shows AWS's answer.
"""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto.iam.access_control import IAMPolicy, PermissionResult

from lessons.policy import Decision, evaluate

from .builders import OBJECT, allow, deny, identity, request

USER = "alice"


def moto_allows(policies, action, resource, context) -> bool:
    """moto's verdict, combining policies as its IAMRequestBase.check_action_permitted does."""
    permitted = False
    for policy in policies:
        verdict = IAMPolicy(json.dumps(policy.document)).is_action_permitted(
            action, resource, None, context
        )
        if verdict == PermissionResult.DENIED:
            return False
        permitted = permitted or verdict == PermissionResult.PERMITTED
    return permitted


def ours_allows(policies, action, resource, context) -> bool:
    return evaluate(request(action=action, resource=resource, context=context), policies).allowed


# The common subset: exact-case actions, no `?` or regex characters in patterns, and conditions
# (StringEquals on a key the request carries) that hold.
actions = st.sampled_from(["*", "s3:*", "s3:GetObject", "s3:Get*", "s3:*Object", "ec2:*", "iam:*"])
resources = st.sampled_from(
    [
        "*",
        "arn:aws:s3:::*",
        "arn:aws:s3:::amzn-s3-demo-bucket/*",
        "arn:aws:s3:::amzn-s3-demo-bucket/report*",
        "arn:aws:s3:::other-bucket/*",
    ]
)
holding_conditions = st.sampled_from(
    [
        None,
        {"StringEquals": {"aws:username": USER}},
        {"StringEquals": {"aws:username": ["bob", USER]}},
    ]
)


@st.composite
def statement(draw):
    effect = draw(st.sampled_from(["Allow", "Deny"]))
    action_key = draw(st.sampled_from(["Action", "Action", "NotAction"]))
    body = {"Effect": effect, action_key: draw(st.lists(actions, min_size=1, max_size=2))}
    body["Resource"] = draw(st.lists(resources, min_size=1, max_size=2))
    condition = draw(holding_conditions)
    if condition:
        body["Condition"] = condition
    return body


@settings(max_examples=300, deadline=None)
@given(
    policies=st.lists(st.lists(statement(), min_size=1, max_size=3), max_size=3),
    action=st.sampled_from(["s3:GetObject", "s3:PutObject", "ec2:RunInstances", "iam:CreateUser"]),
    resource=st.sampled_from([OBJECT, "arn:aws:s3:::other-bucket/a", "arn:aws:s3:::x/report.csv"]),
)
def test_evaluate_agrees_with_moto_on_common_subset(policies, action, resource):
    """On identity policies within moto's subset, both say allowed or both say not allowed."""
    docs = [identity(*body) for body in policies]
    context = {"aws:username": USER}
    assert ours_allows(docs, action, resource, context) == moto_allows(
        docs, action, resource, context
    )


DISAGREEMENTS = [
    pytest.param(
        [identity(allow("S3:GETOBJECT"))],
        {},
        True,
        id="action-case: moto matches actions case-sensitively; AWS: 'Action values are not "
        "case sensitive' (reference_policies_elements_action.html)",
    ),
    pytest.param(
        [identity(allow("s3:Get?bject"))],
        {},
        True,
        id="question-mark: moto turns ? into a regex quantifier; AWS: ? matches any single "
        "character (reference_policies_elements_action.html)",
    ),
    pytest.param(
        [identity(allow("s3:*"), allow(Condition={"StringEquals": {"aws:username": "bob"}}))],
        {"aws:username": USER},
        True,
        id="failed-allow-condition: moto turns an Allow whose condition fails into a deny; AWS: "
        "the statement just does not apply (reference_policies_evaluation-logic_policy-eval-"
        "denyallow.html)",
    ),
    pytest.param(
        [identity(allow(Condition={"StringEquals": {"aws:PrincipalTag/team": "eng"}}))],
        {},
        False,
        id="absent-key: moto skips a condition whose key is absent; AWS: the condition is false "
        "(reference_policies_elements_condition_operators.html)",
    ),
    pytest.param(
        [identity(allow("s3:*", not_resource=OBJECT))],
        {},
        False,
        id="not-resource: moto ignores NotResource and allows; AWS: the listed resource is not "
        "allowed (reference_policies_elements_notresource.html)",
    ),
    pytest.param(
        [identity(allow(Condition={"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}))],
        {"aws:SourceIp": "198.51.100.1"},
        False,
        id="other-operators: moto evaluates only StringEquals and passes the rest; AWS: IpAddress "
        "outside the range is false (reference_policies_elements_condition_operators.html)",
    ),
    pytest.param(
        [identity(allow(), deny(Condition={"StringEquals": {"aws:username": "bob"}}))],
        {"aws:username": USER},
        True,
        id="failed-deny-condition: moto denies on a Deny whose condition fails; AWS: the Deny "
        "does not apply (reference_policies_elements_condition.html)",
    ),
]


@pytest.mark.parametrize(("policies", "context", "aws_allows"), DISAGREEMENTS)
def test_evaluate_listed_disagreement_with_moto(policies, context, aws_allows):
    """Where moto departs from AWS, we give AWS's documented answer and moto does not."""
    assert ours_allows(policies, "s3:GetObject", OBJECT, context) is aws_allows
    assert moto_allows(policies, "s3:GetObject", OBJECT, context) is not aws_allows


def test_evaluate_explicit_deny_agrees_with_moto_denied():
    """An unconditional matching Deny is an explicit deny for us and DENIED for moto."""
    policy = identity(allow(), deny("s3:GetObject", OBJECT))
    result = evaluate(request(), [policy])
    assert result.decision is Decision.EXPLICIT_DENY
    verdict = IAMPolicy(json.dumps(policy.document)).is_action_permitted("s3:GetObject", OBJECT)
    assert verdict == PermissionResult.DENIED
