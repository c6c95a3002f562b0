"""Bad input raises PolicyError naming the place, and nothing else, whatever comes in."""

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessons.policy import (
    SIZE_LIMITS,
    Decision,
    Policy,
    PolicyError,
    PolicyKind,
    PolicyType,
    Request,
    evaluate,
    parse_policy,
    policy_size,
    request_from_dict,
)
from lessons.policy.parse import check_request

from .builders import ALICE, allow, deny, doc, identity, request


def _error(policies, req=None):
    with pytest.raises(PolicyError) as info:
        evaluate(req or request(), policies)
    return str(info.value)


def test_evaluate_invalid_json_names_line_and_policy():
    """Invalid JSON is reported with the policy's index and the line and column."""
    message = _error([identity(allow()), Policy(PolicyType.IDENTITY, '{"Version": ')])
    assert message.startswith("policies[1]: invalid JSON at line 1 column")


def test_evaluate_unknown_operator_names_statement_and_condition():
    """An unknown operator names the policy, the statement and the Condition element."""
    bad = allow(Condition={"StringEqualz": {"aws:username": "alice"}})
    message = _error([identity(allow()), identity(allow()), identity(allow(), bad)])
    assert message == "policies[2].Statement[1].Condition: unknown operator StringEqualz"


@pytest.mark.parametrize(
    ("document", "where", "text"),
    [
        ({"Statement": [allow()], "Versoin": "2012-10-17"}, "policies[0]", "unknown element"),
        (
            doc({**allow(), "Actions": "s3:*"}),
            "policies[0].Statement[0]",
            "unknown element Actions",
        ),
        (doc({**allow(), "Effect": "allow"}), "policies[0].Statement[0].Effect", "Allow"),
        (doc({"Effect": "Allow", "Resource": "*"}), "policies[0].Statement[0]", "exactly one"),
        (doc(allow("s3 GetObject")), "policies[0].Statement[0].Action", "service:action"),
        (doc(allow(resource="bucket/*")), "policies[0].Statement[0].Resource", "ARN"),
        (doc(allow(resource=[])), "policies[0].Statement[0].Resource", "empty"),
        (doc(allow(action=5)), "policies[0].Statement[0].Action", "string"),
        (doc(allow(Principal="*")), "policies[0].Statement[0]", "cannot have Principal"),
        ({"Version": "2012-10-18", "Statement": [allow()]}, "policies[0].Version", "one of"),
        ({"Version": "2012-10-17"}, "policies[0]", "needs a Statement"),
        ({"Version": "2012-10-17", "Statement": []}, "policies[0].Statement", "empty"),
        (doc(allow(Sid="a"), allow(Sid="a")), "policies[0].Statement", "unique"),
        (
            doc(allow(Condition={"NumericLessThan": {"s3:max-keys": "ten"}})),
            "policies[0].Statement[0].Condition.NumericLessThan.s3:max-keys",
            "not a number",
        ),
        (
            doc(allow(Condition={"IpAddress": {"aws:SourceIp": "300.1.1.1/8"}})),
            "policies[0].Statement[0].Condition.IpAddress.aws:SourceIp",
            "IPv4 or IPv6",
        ),
        (
            doc(allow(Condition={"DateLessThan": {"aws:CurrentTime": "tomorrow"}})),
            "policies[0].Statement[0].Condition.DateLessThan.aws:CurrentTime",
            "ISO 8601",
        ),
        (
            doc(allow(Condition={"NullIfExists": {"aws:TokenIssueTime": "true"}})),
            "policies[0].Statement[0].Condition",
            "Null takes neither",
        ),
        (
            doc(allow(Condition={"StringEquals": {"aws:username": {"a": 1}}})),
            "policies[0].Statement[0].Condition.StringEquals.aws:username",
            "string, number or boolean",
        ),
        ("[1, 2]", "policies[0]", "JSON object"),
        ('{"a": 1, "a": 2}', "policies[0]", "duplicate key"),
        ('{"a": NaN}', "policies[0]", "NaN"),
        ("[" * 100_000, "policies[0]", "longer than"),
        ("[" * 30_000 + "]" * 30_000, "policies[0]", "nested too deeply"),
    ],
)
def test_parse_policy_rejects_bad_document_naming_the_place(document, where, text):
    """Each kind of bad document is one PolicyError whose message starts with the place."""
    with pytest.raises(PolicyError, match=text) as info:
        parse_policy(Policy(PolicyType.IDENTITY, document))
    assert info.value.where == where


def test_parse_policy_resource_statement_needs_principal():
    """A bucket policy statement without Principal is refused."""
    with pytest.raises(PolicyError, match="needs Principal"):
        parse_policy(Policy(PolicyType.RESOURCE, doc(allow())))


def test_parse_policy_rejects_wildcard_principal_arn():
    """A partial wildcard in a principal ARN is refused, as AWS refuses it."""
    bad = allow(Principal={"AWS": "arn:aws:iam::111122223333:user/*"})
    with pytest.raises(PolicyError, match="wildcards"):
        parse_policy(Policy(PolicyType.RESOURCE, doc(bad)))


@pytest.mark.parametrize(
    ("statement", "text"),
    [
        (deny(Principal={"AWS": ALICE}), 'must be "\\*"'),
        (deny(not_action="s3:*", Principal="*"), "do not support NotAction"),
        (allow("s3:*", Principal="*"), "only supported in RCPFullAWSAccess"),
    ],
)
def test_parse_policy_rcp_follows_rcp_syntax(statement, text):
    """An RCP names no principal but "*", has no NotAction, and allows only as RCPFullAWSAccess."""
    with pytest.raises(PolicyError, match=text):
        parse_policy(Policy(PolicyType.RCP, doc(statement)))


def test_parse_policy_counts_white_space_in_scp_text():
    """Organizations counts every character of an SCP, so indentation can push it over."""
    document = {"Version": "2012-10-17", "Id": "", "Statement": [allow()]}
    document["Id"] = "x" * (5_000 - policy_size(document))
    parse_policy(Policy(PolicyType.SCP, json.dumps(document, separators=(",", ":"))))
    with pytest.raises(PolicyError, match="over the 5120"):
        parse_policy(Policy(PolicyType.SCP, json.dumps(document, indent=40)))


@pytest.mark.parametrize(
    ("kind", "limit"),
    [
        (PolicyKind.MANAGED, 6_144),
        (PolicyKind.USER_INLINE, 2_048),
        (PolicyKind.GROUP_INLINE, 5_120),
        (PolicyKind.ROLE_INLINE, 10_240),
        (PolicyKind.SCP, 5_120),
        (PolicyKind.RCP, 5_120),
        (PolicyKind.BUCKET, 20_480),
        (PolicyKind.SESSION, 2_048),
    ],
)
def test_parse_policy_enforces_aws_size_quota(kind, limit):
    """A document one character over its AWS quota is refused; white space does not count."""
    assert SIZE_LIMITS[kind] == limit
    ptype = {
        PolicyKind.SCP: PolicyType.SCP,
        PolicyKind.RCP: PolicyType.RCP,
        PolicyKind.BUCKET: PolicyType.RESOURCE,
        PolicyKind.SESSION: PolicyType.SESSION,
    }.get(kind, PolicyType.IDENTITY)
    statement = allow(Principal="*") if ptype in (PolicyType.RESOURCE, PolicyType.RCP) else allow()
    fits = {"Version": "2012-10-17", "Id": "", "Statement": [statement]}
    fits["Id"] = "x" * (limit - policy_size(fits))
    assert policy_size(fits) == limit
    parse_policy(Policy(ptype, json.dumps(fits, separators=(",", ":")), kind=kind))
    with pytest.raises(PolicyError, match=f"over the {limit}"):
        parse_policy(Policy(ptype, {**fits, "Id": fits["Id"] + "x"}, kind=kind))


def test_parse_policy_caps_statements():
    """More than 100 statements are refused even when small enough."""
    many = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}] * 101,
    }
    with pytest.raises(PolicyError, match="more than 100 statements"):
        parse_policy(Policy(PolicyType.RESOURCE, many, kind=PolicyKind.BUCKET))


def test_parse_policy_caps_condition_values():
    """More than 100 values for one condition key are refused."""
    values = [str(i) for i in range(101)]
    bad = doc(allow(Condition={"StringEquals": {"aws:username": values}}))
    with pytest.raises(PolicyError, match="more than 100 values"):
        parse_policy(Policy(PolicyType.IDENTITY, bad, kind=PolicyKind.ROLE_INLINE))


def test_evaluate_rejects_two_boundaries():
    """An identity has one permissions boundary at most."""
    b = Policy(PolicyType.PERMISSIONS_BOUNDARY, doc(allow()))
    assert _error([b, b]).startswith("policies[1]:")


@pytest.mark.parametrize(
    ("req", "where"),
    [
        (Request(principal="alice", action="s3:GetObject", resource="*"), "request.principal"),
        (
            Request(
                principal="arn:aws:sts::111122223333:federated-user/x", action="s3:A", resource="*"
            ),
            "request.principal",
        ),
        (Request(principal=ALICE, action="GetObject", resource="*"), "request.action"),
        (Request(principal=ALICE, action="s3:Get*", resource="*"), "request.action"),
        (Request(principal=ALICE, action="s3:GetObject", resource="bucket"), "request.resource"),
        (Request(principal=ALICE, action="s3:A", resource="*", context=[]), "request.context"),
        (
            Request(principal=ALICE, action="s3:A", resource="*", context={"k": 1}),
            "request.context.k",
        ),
        (
            Request(principal=ALICE, action="s3:A", resource="*", resource_account="1"),
            "request.resource_account",
        ),
        (
            Request(principal=ALICE, action="s3:A", resource="*", principal_tags={"a": 1}),
            "request.principal_tags",
        ),
        (Request(principal=None, action="s3:A", resource="*"), "request.principal"),
    ],
)
def test_evaluate_rejects_bad_request_naming_the_field(req, where):
    """A malformed request is a PolicyError naming the field."""
    with pytest.raises(PolicyError) as info:
        evaluate(req, [])
    assert info.value.where == where


def test_request_from_dict_builds_and_validates():
    """A request decoded from JSON is accepted, and an unknown field is refused."""
    data = {"principal": ALICE, "action": "s3:GetObject", "resource": "*", "context": {"k": ["a"]}}
    assert request_from_dict(data).context == {"k": ["a"]}
    with pytest.raises(PolicyError, match="unknown field"):
        request_from_dict({**data, "extra": 1})
    with pytest.raises(PolicyError, match="must be an object"):
        request_from_dict([])


def test_evaluate_rejects_non_policy_items():
    """Something that is not a Policy in the list is refused, as is a list that is not one."""
    assert _error([{"type": "identity"}]) == "policies[0]: must be a Policy"
    with pytest.raises(PolicyError, match="must be a list"):
        evaluate(request(), "policies")
    with pytest.raises(PolicyError, match="'bogus' is not a valid PolicyType"):
        evaluate(request(), [Policy("bogus", doc(allow()))])


def _decision_or_error(call):
    try:
        return call()
    except PolicyError as exc:
        return exc


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=30,
)
elements = st.sampled_from(
    ["Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "Condition", "Sid"]
)
element_values = st.one_of(
    json_values,
    st.sampled_from(["Allow", "Deny", "*", "s3:*", "s3:Get?bject", "arn:aws:s3:::b/*", ALICE]),
    st.dictionaries(
        st.sampled_from(["StringEquals", "ForAllValues:StringLike", "Null", "IpAddress", "Bogus"]),
        st.dictionaries(st.sampled_from(["aws:username", "aws:SourceIp"]), json_values, max_size=2),
        max_size=2,
    ),
)
statements = st.dictionaries(elements, element_values, max_size=6)
documents = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "Version": st.sampled_from(["2012-10-17", "2008-10-17"]),
            "Statement": st.lists(statements, max_size=4),
        }
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    documents=st.lists(documents, max_size=3),
    types=st.lists(st.sampled_from(list(PolicyType)), min_size=3, max_size=3),
    as_text=st.booleans(),
    context=st.dictionaries(st.text(max_size=8), json_values, max_size=3),
)
def test_evaluate_random_input_gives_decision_or_policy_error(documents, types, as_text, context):
    """Random JSON in gives a decision or a PolicyError, never another exception."""
    policies = [
        Policy(t, json.dumps(d) if as_text else d) for d, t in zip(documents, types, strict=False)
    ]
    outcome = _decision_or_error(lambda: evaluate(request(context=context), policies))
    assert outcome.message if isinstance(outcome, PolicyError) else outcome.decision in Decision


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_evaluate_random_text_gives_decision_or_policy_error(text):
    """Random text as a policy document gives a decision or a PolicyError."""
    outcome = _decision_or_error(lambda: evaluate(request(), [Policy(PolicyType.IDENTITY, text)]))
    assert outcome.message if isinstance(outcome, PolicyError) else outcome.decision in Decision


def _statement_error(statement, ptype=PolicyType.IDENTITY):
    with pytest.raises(PolicyError) as info:
        parse_policy(Policy(ptype, doc(statement)))
    return str(info.value)


@pytest.mark.parametrize(
    ("statement", "ptype", "text"),
    [
        (allow(action=["s3:GetObject"] * 201), PolicyType.IDENTITY, "more than 200 values"),
        (allow(resource="arn:aws:s3:::" + "x" * 2100), PolicyType.IDENTITY, "longer than 2048"),
        (allow(Principal=["*"]), PolicyType.RESOURCE, 'must be "\\*" or an object'),
        (allow(Principal={"Users": "x"}), PolicyType.RESOURCE, "unknown principal type"),
        (allow(Principal={"AWS": "alice"}), PolicyType.RESOURCE, "neither an account ID"),
        ("Allow", PolicyType.IDENTITY, "must be an object"),
        ({**allow(), "NotResource": "*"}, PolicyType.IDENTITY, "both Resource and NotResource"),
        ({"Effect": "Allow", "Action": "*"}, PolicyType.IDENTITY, "needs Resource"),
        (
            allow(Principal="*", NotPrincipal="*"),
            PolicyType.RESOURCE,
            "both Principal and NotPrincipal",
        ),
        (allow(NotPrincipal="*"), PolicyType.RCP, "do not support NotPrincipal"),
        (allow(Condition=["StringEquals"]), PolicyType.IDENTITY, "object of operators"),
        (allow(Condition={"StringEquals": {}}), PolicyType.IDENTITY, "non-empty object"),
        (allow(Condition={"StringEquals": {"": "a"}}), PolicyType.IDENTITY, "1 to 256"),
        (allow(Condition={"StringEquals": {"k": []}}), PolicyType.IDENTITY, "at least one"),
        (allow(Condition={"Bool": {"k": "yes"}}), PolicyType.IDENTITY, "true or false"),
        (
            allow(Condition={"StringEquals": {f"k{i}": "v" for i in range(51)}}),
            PolicyType.IDENTITY,
            "more than 50 condition keys",
        ),
    ],
)
def test_parse_policy_rejects_bad_statement(statement, ptype, text):
    """Each malformed statement is refused with a message that says what is wrong."""
    assert re_search(text, _statement_error(statement, ptype))


def re_search(pattern, text):
    return re.search(pattern, text)


def test_parse_policy_rejects_bad_policy_fields():
    """A bad name, level or Id, or a value that is not JSON, is refused."""
    with pytest.raises(PolicyError, match="name"):
        parse_policy(Policy(PolicyType.IDENTITY, doc(allow()), name=5))
    with pytest.raises(PolicyError, match="level"):
        parse_policy(Policy(PolicyType.SCP, doc(allow()), level="x" * 200))
    with pytest.raises(PolicyError, match="Id"):
        parse_policy(Policy(PolicyType.IDENTITY, {**doc(allow()), "Id": 5}))
    with pytest.raises(PolicyError, match="only JSON values"):
        parse_policy(Policy(PolicyType.IDENTITY, {**doc(allow()), "Id": {1, 2}}))
    with pytest.raises(PolicyError, match="more than 50 policies"):
        evaluate(request(), [identity(allow())] * 51)


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("context", {f"k{i}": "v" for i in range(201)}, "request.context"),
        ("context", {"k": ["v"] * 101}, "request.context.k"),
        ("principal_tags", {f"t{i}": "v" for i in range(51)}, "request.principal_tags"),
        ("principal_tags", {"t": "v" * 257}, "request.principal_tags.t"),
    ],
)
def test_evaluate_caps_request_sizes(field, value, where):
    """Oversized contexts and tag sets are refused, naming the field."""
    with pytest.raises(PolicyError) as info:
        evaluate(request(**{field: value}), [])
    assert info.value.where == where
    with pytest.raises(PolicyError, match="must be a Request"):
        check_request("not a request")


def test_policy_package_imports_no_django():
    """The evaluator is pure Python: importing it loads no Django module."""
    import subprocess
    import sys

    code = "import sys, lessons.policy; print(any(m.startswith('django') for m in sys.modules))"
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


request_fields = st.fixed_dictionaries(
    {},
    optional={
        "principal": st.one_of(json_values, st.sampled_from([ALICE, "arn:aws:iam::1:user/x"])),
        "action": st.one_of(json_values, st.just("s3:GetObject")),
        "resource": st.one_of(json_values, st.just("arn:aws:s3:::b/k")),
        "context": json_values,
        "principal_tags": json_values,
        "resource_account": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(request_fields, json_values))
def test_request_from_dict_random_input_gives_request_or_policy_error(data):
    """A random decoded request gives a Request that evaluates, or a PolicyError."""
    outcome = _decision_or_error(lambda: evaluate(request_from_dict(data), [identity(allow())]))
    assert outcome.message if isinstance(outcome, PolicyError) else outcome.decision in Decision
