"""The evaluator against a table of cases written from AWS's documentation.

Each case names its source: the page title and its path under
https://docs.aws.amazon.com/IAM/latest/UserGuide/ (or .../organizations/latest/userguide/).
"""

from dataclasses import dataclass, field

import pytest

from lessons.policy import Decision, Step, evaluate

from .builders import (
    ALICE,
    BOB,
    FULL_ACCESS,
    OBJECT,
    RCP_FULL_ACCESS,
    ROLE,
    ROOT,
    SESSION,
    A,
    B,
    allow,
    aws,
    boundary,
    bucket,
    deny,
    identity,
    rcp,
    request,
    scp,
    session,
)

EVAL = "Policy evaluation logic (reference_policies_evaluation-logic.html)"
DENYALLOW = (
    "Explicit and implicit denies (reference_policies_evaluation-logic_policy-eval-denyallow.html)"
)
CROSS = (
    "Cross-account policy evaluation logic (reference_policies_evaluation-logic-cross-account.html)"
)
BOUNDARIES = "Permissions boundaries for IAM entities (access_policies_boundaries.html)"
SESSIONS = (
    "Policies and permissions in IAM: Session policies (access_policies.html#policies_session)"
)
OPERATORS = (
    "IAM JSON policy elements: Condition operators "
    "(reference_policies_elements_condition_operators.html)"
)
CONDITION = "IAM JSON policy elements: Condition (reference_policies_elements_condition.html)"
MULTI = (
    "Set operators for multivalued context keys "
    "(reference_policies_condition-single-vs-multi-valued-context-keys.html)"
)
VARIABLES = "IAM policy elements: Variables and tags (reference_policies_variables.html)"
VERSION = "IAM JSON policy elements: Version (reference_policies_elements_version.html)"
ACTION = "IAM JSON policy elements: Action (reference_policies_elements_action.html)"
NOTACTION = "IAM JSON policy elements: NotAction (reference_policies_elements_notaction.html)"
RESOURCE = "IAM JSON policy elements: Resource (reference_policies_elements_resource.html)"
NOTRESOURCE = "IAM JSON policy elements: NotResource (reference_policies_elements_notresource.html)"
PRINCIPAL = "IAM JSON policy elements: Principal (reference_policies_elements_principal.html)"
NOTPRINCIPAL = (
    "IAM JSON policy elements: NotPrincipal (reference_policies_elements_notprincipal.html)"
)
KEYS = "AWS global condition context keys (reference_policies_condition-keys.html)"
MFA = "Secure API access with MFA (id_credentials_mfa_configure-api-require.html)"
SCPS = "Service control policies (organizations: orgs_manage_policies_scps.html)"
SCP_EVAL = "SCP evaluation (organizations: orgs_manage_policies_scps_evaluation.html)"
RCPS = "Resource control policies (organizations: orgs_manage_policies_rcps.html)"
RCP_EVAL = "RCP evaluation (organizations: orgs_manage_policies_rcps_evaluation.html)"

ALLOW, EXPLICIT, IMPLICIT = Decision.ALLOW, Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY
NO_MFA_DENY = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
NOW = {"aws:CurrentTime": "2026-06-01T12:00:00Z"}
TAG_KEYS = "aws:TagKeys"


@dataclass
class Case:
    name: str
    source: str
    policies: list
    expected: Decision
    step: Step | None = None
    req: dict = field(default_factory=dict)


def case(name, source, policies, expected, step=None, **req):
    return Case(name, source, policies, expected, step, req)


CASES = [
    # The flowchart itself
    case("no policy at all is an implicit deny", EVAL, [], IMPLICIT, Step.IDENTITY_BASED),
    case("an identity policy allows", EVAL, [identity(allow("s3:GetObject"))], ALLOW),
    case(
        "explicit deny beats an allow in the same policy",
        DENYALLOW,
        [identity(allow("s3:*"), deny("s3:GetObject"))],
        EXPLICIT,
        Step.EXPLICIT_DENY,
    ),
    case(
        "explicit deny in another policy beats an allow",
        DENYALLOW,
        [identity(FULL_ACCESS), identity(deny("s3:GetObject", OBJECT))],
        EXPLICIT,
    ),
    case(
        "a resource policy deny beats an identity allow",
        EVAL,
        [identity(FULL_ACCESS), bucket(deny("s3:*", None, Principal="*"))],
        EXPLICIT,
        Step.EXPLICIT_DENY,
    ),
    case(
        "a deny of another action does not apply",
        DENYALLOW,
        [identity(FULL_ACCESS, deny("s3:DeleteObject"))],
        ALLOW,
    ),
    # Action and Resource, wildcards and case
    case("actions are not case sensitive", ACTION, [identity(allow("S3:getobject"))], ALLOW),
    case(
        "resources are case sensitive",
        RESOURCE,
        [identity(allow("s3:GetObject", "arn:aws:s3:::AMZN-S3-DEMO-BUCKET/*"))],
        IMPLICIT,
    ),
    case("a service wildcard in Action matches", ACTION, [identity(allow("s3:*"))], ALLOW),
    case("a prefix wildcard in Action matches", ACTION, [identity(allow("s3:Get*"))], ALLOW),
    case("? in Action matches one character", ACTION, [identity(allow("s3:Get?bject"))], ALLOW),
    case(
        "a prefix wildcard does not match other actions",
        ACTION,
        [identity(allow("s3:List*"))],
        IMPLICIT,
    ),
    case(
        "* in a resource spans slashes",
        RESOURCE,
        [identity(allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*"))],
        ALLOW,
        resource="arn:aws:s3:::amzn-s3-demo-bucket/a/b/report.csv",
    ),
    case(
        "? in a resource matches exactly one character",
        RESOURCE,
        [identity(allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/file?.txt"))],
        ALLOW,
        resource="arn:aws:s3:::amzn-s3-demo-bucket/file1.txt",
    ),
    case(
        "? in a resource does not match two characters",
        RESOURCE,
        [identity(allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/file?.txt"))],
        IMPLICIT,
        resource="arn:aws:s3:::amzn-s3-demo-bucket/file10.txt",
    ),
    case(
        "a bucket ARN does not cover its objects",
        RESOURCE,
        [identity(allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket"))],
        IMPLICIT,
    ),
    # NotAction / NotResource
    case(
        "NotAction with Allow allows everything not listed",
        NOTACTION,
        [identity(allow(not_action="iam:*"))],
        ALLOW,
    ),
    case(
        "NotAction with Allow does not deny the listed action, it only does not allow it",
        NOTACTION,
        [identity(allow(not_action="iam:*"))],
        IMPLICIT,
        Step.IDENTITY_BASED,
        action="iam:CreateUser",
    ),
    case(
        "NotAction with Allow and a separate allow of the listed action",
        NOTACTION,
        [identity(allow(not_action="iam:*"), allow("iam:ListUsers"))],
        ALLOW,
        action="iam:ListUsers",
    ),
    case(
        "deny NotAction without MFA denies other services for long-term keys",
        NOTACTION,
        [identity(FULL_ACCESS, deny(not_action="iam:*", Condition=NO_MFA_DENY))],
        EXPLICIT,
    ),
    case(
        "deny NotAction without MFA leaves the listed service",
        NOTACTION,
        [identity(FULL_ACCESS, deny(not_action="iam:*", Condition=NO_MFA_DENY))],
        ALLOW,
        action="iam:ListUsers",
    ),
    case(
        "deny NotAction without MFA: with MFA everything is allowed",
        NOTACTION,
        [identity(FULL_ACCESS, deny(not_action="iam:*", Condition=NO_MFA_DENY))],
        ALLOW,
        context={"aws:MultiFactorAuthPresent": "true"},
    ),
    case(
        "NotResource with Allow allows other resources",
        NOTRESOURCE,
        [identity(allow("s3:*", not_resource="arn:aws:s3:::secret-bucket/*"))],
        ALLOW,
    ),
    case(
        "NotResource with Allow does not allow the listed resource",
        NOTRESOURCE,
        [identity(allow("s3:*", not_resource="arn:aws:s3:::secret-bucket/*"))],
        IMPLICIT,
        resource="arn:aws:s3:::secret-bucket/plans.txt",
    ),
    # MFA, Bool and Null
    case(
        "Bool MFA true: long-term access keys carry no MFA key, so the allow does not match",
        MFA,
        [identity(allow("s3:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))],
        IMPLICIT,
    ),
    case(
        "Bool MFA true matches a session with MFA",
        MFA,
        [identity(allow("s3:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))],
        ALLOW,
        context={"aws:MultiFactorAuthPresent": "true"},
    ),
    case(
        "deny with Bool MFA false does not stop long-term access keys (key absent)",
        OPERATORS,
        [identity(FULL_ACCESS, deny(Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}))],
        ALLOW,
    ),
    case(
        "deny with BoolIfExists MFA false stops long-term access keys",
        OPERATORS,
        [identity(FULL_ACCESS, deny(Condition=NO_MFA_DENY))],
        EXPLICIT,
    ),
    case(
        "deny with BoolIfExists MFA false lets MFA sessions through",
        OPERATORS,
        [identity(FULL_ACCESS, deny(Condition=NO_MFA_DENY))],
        ALLOW,
        context={"aws:MultiFactorAuthPresent": "true"},
    ),
    case(
        "deny with BoolIfExists MFA false stops a session without MFA",
        OPERATORS,
        [identity(FULL_ACCESS, deny(Condition=NO_MFA_DENY))],
        EXPLICIT,
        context={"aws:MultiFactorAuthPresent": "false"},
    ),
    case(
        "Null true denies when the MFA key is absent",
        OPERATORS,
        [identity(FULL_ACCESS, deny(Condition={"Null": {"aws:MultiFactorAuthPresent": "true"}}))],
        EXPLICIT,
    ),
    case(
        "Null true does not deny when the key is present",
        OPERATORS,
        [identity(FULL_ACCESS, deny(Condition={"Null": {"aws:MultiFactorAuthPresent": "true"}}))],
        ALLOW,
        context={"aws:MultiFactorAuthPresent": "false"},
    ),
    case(
        "Null false allows only temporary credentials (aws:TokenIssueTime present)",
        OPERATORS,
        [identity(allow(Condition={"Null": {"aws:TokenIssueTime": "false"}}))],
        ALLOW,
        context={"aws:TokenIssueTime": "2026-06-01T11:00:00Z"},
    ),
    # String operators and keys
    case(
        "StringEquals is case sensitive in the value",
        OPERATORS,
        [identity(allow(Condition={"StringEquals": {"aws:PrincipalTag/team": "Eng"}}))],
        IMPLICIT,
        principal_tags={"team": "eng"},
    ),
    case(
        "StringEqualsIgnoreCase ignores case",
        OPERATORS,
        [identity(allow(Condition={"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "Eng"}}))],
        ALLOW,
        principal_tags={"team": "eng"},
    ),
    case(
        "condition key names are not case sensitive",
        CONDITION,
        [identity(allow(Condition={"StringEquals": {"AWS:PRINCIPALTAG/Team": "eng"}}))],
        ALLOW,
        principal_tags={"team": "eng"},
    ),
    case(
        "StringLike matches with wildcards",
        OPERATORS,
        [identity(allow("s3:ListBucket", Condition={"StringLike": {"s3:prefix": "home/alice/*"}}))],
        ALLOW,
        action="s3:ListBucket",
        resource="arn:aws:s3:::amzn-s3-demo-bucket",
        context={"s3:prefix": "home/alice/docs/"},
    ),
    case(
        "StringNotEquals with the key absent is true, so the deny applies",
        OPERATORS,
        [
            identity(
                FULL_ACCESS, deny(Condition={"StringNotEquals": {"aws:PrincipalTag/team": "eng"}})
            )
        ],
        EXPLICIT,
    ),
    case(
        "StringEqualsIfExists with the key absent is true",
        OPERATORS,
        [identity(allow(Condition={"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}}))],
        ALLOW,
    ),
    case(
        "StringEqualsIfExists with another value is false",
        OPERATORS,
        [identity(allow(Condition={"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}}))],
        IMPLICIT,
        context={"ec2:InstanceType": "m7i.48xlarge"},
    ),
    case(
        "several values of one key are ORed",
        CONDITION,
        [
            identity(
                allow(
                    Condition={
                        "StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}
                    }
                )
            )
        ],
        ALLOW,
        context={"aws:RequestedRegion": "eu-central-1"},
    ),
    case(
        "several keys are ANDed",
        CONDITION,
        [
            identity(
                allow(
                    Condition={
                        "StringEquals": {
                            "aws:RequestedRegion": "eu-west-1",
                            "aws:PrincipalTag/team": "eng",
                        }
                    }
                )
            )
        ],
        IMPLICIT,
        context={"aws:RequestedRegion": "eu-west-1"},
    ),
    case(
        "several operators are ANDed",
        CONDITION,
        [
            identity(
                allow(
                    Condition={
                        "StringEquals": {"aws:RequestedRegion": "eu-west-1"},
                        "Bool": {"aws:SecureTransport": "true"},
                    }
                )
            )
        ],
        IMPLICIT,
        context={"aws:RequestedRegion": "eu-west-1", "aws:SecureTransport": "false"},
    ),
    # Multivalued keys
    case(
        "ForAllValues on an absent key is true (the empty-set trap)",
        MULTI,
        [identity(allow(Condition={"ForAllValues:StringEquals": {TAG_KEYS: ["env", "team"]}}))],
        ALLOW,
    ),
    case(
        "ForAllValues on an empty set is true",
        MULTI,
        [identity(allow(Condition={"ForAllValues:StringEquals": {TAG_KEYS: ["env", "team"]}}))],
        ALLOW,
        context={TAG_KEYS: []},
    ),
    case(
        "ForAllValues holds when every request value is allowed",
        MULTI,
        [identity(allow(Condition={"ForAllValues:StringEquals": {TAG_KEYS: ["env", "team"]}}))],
        ALLOW,
        context={TAG_KEYS: ["team", "env"]},
    ),
    case(
        "ForAllValues fails when one request value is not allowed",
        MULTI,
        [identity(allow(Condition={"ForAllValues:StringEquals": {TAG_KEYS: ["env", "team"]}}))],
        IMPLICIT,
        context={TAG_KEYS: ["env", "owner"]},
    ),
    case(
        "ForAnyValue on an absent key is false",
        MULTI,
        [identity(allow(Condition={"ForAnyValue:StringEquals": {TAG_KEYS: "env"}}))],
        IMPLICIT,
    ),
    case(
        "ForAnyValue holds when one request value matches",
        MULTI,
        [identity(allow(Condition={"ForAnyValue:StringEquals": {TAG_KEYS: "env"}}))],
        ALLOW,
        context={TAG_KEYS: ["owner", "env"]},
    ),
    case(
        "deny ForAnyValue of a forbidden tag key",
        MULTI,
        [identity(FULL_ACCESS, deny(Condition={"ForAnyValue:StringEquals": {TAG_KEYS: "secret"}}))],
        EXPLICIT,
        context={TAG_KEYS: ["env", "secret"]},
    ),
    # IP addresses
    case(
        "IpAddress in an IPv4 range",
        OPERATORS,
        [identity(allow(Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))],
        ALLOW,
        context={"aws:SourceIp": "203.0.113.7"},
    ),
    case(
        "IpAddress outside the range",
        OPERATORS,
        [identity(allow(Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))],
        IMPLICIT,
        context={"aws:SourceIp": "198.51.100.7"},
    ),
    case(
        "IpAddress in an IPv6 range",
        OPERATORS,
        [identity(allow(Condition={"IpAddress": {"aws:SourceIp": "2001:DB8:1234:5678::/64"}}))],
        ALLOW,
        context={"aws:SourceIp": "2001:db8:1234:5678::1"},
    ),
    case(
        "deny NotIpAddress outside the corporate range",
        OPERATORS,
        [identity(FULL_ACCESS, deny(Condition={"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}))],
        EXPLICIT,
        context={"aws:SourceIp": "198.51.100.7"},
    ),
    case(
        "deny NotIpAddress also applies when aws:SourceIp is absent (a call made by a service)",
        OPERATORS,
        [identity(FULL_ACCESS, deny(Condition={"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}))],
        EXPLICIT,
    ),
    # Dates and numbers
    case(
        "DateLessThan before the deadline",
        OPERATORS,
        [identity(allow(Condition={"DateLessThan": {"aws:CurrentTime": "2026-12-31T23:59:59Z"}}))],
        ALLOW,
        context=NOW,
    ),
    case(
        "DateLessThan after the deadline",
        OPERATORS,
        [identity(allow(Condition={"DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}))],
        IMPLICIT,
        context=NOW,
    ),
    case(
        "DateGreaterThan with epoch seconds",
        OPERATORS,
        [identity(allow(Condition={"DateGreaterThan": {"aws:CurrentTime": "1767225600"}}))],
        ALLOW,
        context=NOW,
    ),
    case(
        "NumericLessThanEquals at the bound",
        OPERATORS,
        [identity(allow(Condition={"NumericLessThanEquals": {"s3:max-keys": "10"}}))],
        ALLOW,
        context={"s3:max-keys": "10"},
    ),
    case(
        "NumericLessThanEquals above the bound",
        OPERATORS,
        [identity(allow(Condition={"NumericLessThanEquals": {"s3:max-keys": "10"}}))],
        IMPLICIT,
        context={"s3:max-keys": "11"},
    ),
    # ARNs and principal keys
    case(
        "ArnLike with wildcards in the region and resource parts",
        OPERATORS,
        [identity(allow(Condition={"ArnLike": {"aws:SourceArn": f"arn:aws:sns:*:{A}:topic-*"}}))],
        ALLOW,
        context={"aws:SourceArn": f"arn:aws:sns:us-east-1:{A}:topic-1"},
    ),
    case(
        "ArnLike: a wildcard does not cross a colon of the first five parts",
        OPERATORS,
        [identity(allow(Condition={"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-*"}}))],
        IMPLICIT,
        context={"aws:SourceArn": f"arn:aws:sns:us-east-1:{A}:topic-1"},
    ),
    case(
        "aws:PrincipalArn of a role session is the role ARN",
        KEYS,
        [identity(allow(Condition={"ArnEquals": {"aws:PrincipalArn": ROLE}}))],
        ALLOW,
        principal=SESSION,
    ),
    case(
        "aws:PrincipalAccount comes from the principal",
        KEYS,
        [identity(allow(Condition={"StringEquals": {"aws:PrincipalAccount": A}}))],
        ALLOW,
    ),
    case(
        "aws:username is absent for a role session",
        KEYS,
        [identity(allow(Condition={"StringEquals": {"aws:username": "app"}}))],
        IMPLICIT,
        principal=SESSION,
    ),
    # Policy variables
    case(
        "${aws:username} in a resource",
        VARIABLES,
        [identity(allow("s3:*", "arn:aws:s3:::home-bucket/${aws:username}/*"))],
        ALLOW,
        resource="arn:aws:s3:::home-bucket/alice/notes.txt",
    ),
    case(
        "${aws:username} does not reach another user's folder",
        VARIABLES,
        [identity(allow("s3:*", "arn:aws:s3:::home-bucket/${aws:username}/*"))],
        IMPLICIT,
        resource="arn:aws:s3:::home-bucket/bob/notes.txt",
    ),
    case(
        "with Version 2008-10-17 a variable is literal text",
        VERSION,
        [
            identity(
                allow("s3:*", "arn:aws:s3:::home-bucket/${aws:username}/*"),
                version="2008-10-17",
            )
        ],
        IMPLICIT,
        resource="arn:aws:s3:::home-bucket/alice/notes.txt",
    ),
    case(
        "${aws:PrincipalTag/team} in a resource",
        VARIABLES,
        [identity(allow("s3:*", "arn:aws:s3:::team-bucket/${aws:PrincipalTag/team}/*"))],
        ALLOW,
        resource="arn:aws:s3:::team-bucket/eng/plan.md",
        principal_tags={"team": "eng"},
    ),
    case(
        "a variable without a value makes the resource match nothing",
        VARIABLES,
        [identity(allow("s3:*", "arn:aws:s3:::home-bucket/${aws:username}/*"))],
        IMPLICIT,
        principal=SESSION,
        resource="arn:aws:s3:::home-bucket/app/notes.txt",
    ),
    case(
        "a variable's default value is used when the key is absent",
        VARIABLES,
        [identity(allow("s3:*", "arn:aws:s3:::team-bucket/${aws:PrincipalTag/team, 'shared'}/*"))],
        ALLOW,
        resource="arn:aws:s3:::team-bucket/shared/readme.md",
    ),
    case(
        "${*} is a literal star, not a wildcard",
        VARIABLES,
        [identity(allow("s3:*", "arn:aws:s3:::amzn-s3-demo-bucket/${*}"))],
        IMPLICIT,
    ),
    case(
        "${*} matches an object literally named *",
        VARIABLES,
        [identity(allow("s3:*", "arn:aws:s3:::amzn-s3-demo-bucket/${*}"))],
        ALLOW,
        resource="arn:aws:s3:::amzn-s3-demo-bucket/*",
    ),
    case(
        "a variable in a condition value",
        VARIABLES,
        [identity(allow(Condition={"StringLike": {"s3:prefix": "home/${aws:username}/*"}}))],
        ALLOW,
        context={"s3:prefix": "home/alice/x"},
    ),
    # Permissions boundaries
    case(
        "a boundary limits an identity policy to the intersection",
        BOUNDARIES,
        [identity(allow("s3:*")), boundary(allow("s3:GetObject"))],
        IMPLICIT,
        Step.PERMISSIONS_BOUNDARY,
        action="s3:PutObject",
    ),
    case(
        "a boundary grants nothing on its own",
        BOUNDARIES,
        [boundary(FULL_ACCESS)],
        IMPLICIT,
        Step.IDENTITY_BASED,
    ),
    case(
        "inside both identity policy and boundary",
        BOUNDARIES,
        [identity(allow("s3:*")), boundary(allow("s3:GetObject"))],
        ALLOW,
    ),
    case(
        "an explicit deny in a boundary wins",
        BOUNDARIES,
        [identity(FULL_ACCESS), boundary(FULL_ACCESS, deny("s3:GetObject"))],
        EXPLICIT,
    ),
    # SCPs and RCPs
    case(
        "an SCP that allows lets identity policies act",
        SCPS,
        [identity(allow("s3:*")), scp(FULL_ACCESS)],
        ALLOW,
    ),
    case(
        "an SCP that does not allow the action denies implicitly",
        SCPS,
        [identity(FULL_ACCESS), scp(allow("ec2:*"))],
        IMPLICIT,
        Step.SCP,
    ),
    case(
        "an SCP never grants",
        SCPS,
        [scp(FULL_ACCESS)],
        IMPLICIT,
        Step.IDENTITY_BASED,
    ),
    case(
        "every level of SCPs must allow",
        SCP_EVAL,
        [
            identity(FULL_ACCESS),
            scp(FULL_ACCESS, level="root"),
            scp(allow("s3:*"), level="ou-prod"),
        ],
        IMPLICIT,
        Step.SCP,
        action="ec2:RunInstances",
        resource="*",
    ),
    case(
        "one allowing SCP is enough at a level with several",
        SCP_EVAL,
        [identity(FULL_ACCESS), scp(allow("ec2:*")), scp(allow("s3:*"))],
        ALLOW,
    ),
    case(
        "an explicit deny in an SCP wins",
        SCPS,
        [identity(FULL_ACCESS), scp(FULL_ACCESS, deny("s3:GetObject"))],
        EXPLICIT,
    ),
    case(
        "SCPs apply to the root user of a member account",
        SCPS,
        [scp(allow("ec2:*"))],
        IMPLICIT,
        Step.SCP,
        principal=ROOT,
    ),
    case("the root user needs no identity policy", EVAL, [], ALLOW, principal=ROOT),
    case(
        "an RCP keeps principals outside the organization out",
        RCPS,
        [
            identity(FULL_ACCESS),
            bucket(allow("s3:GetObject", OBJECT, Principal=aws(ALICE))),
            rcp(
                RCP_FULL_ACCESS,
                deny(
                    "s3:*",
                    Principal="*",
                    Condition={"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
                ),
            ),
        ],
        EXPLICIT,
        context={"aws:PrincipalOrgID": "o-outsider"},
    ),
    case(
        "the same RCP lets principals of the organization in",
        RCPS,
        [
            identity(FULL_ACCESS),
            rcp(
                RCP_FULL_ACCESS,
                deny(
                    "s3:*",
                    Principal="*",
                    Condition={"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
                ),
            ),
        ],
        ALLOW,
        context={"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
    ),
    case("an RCP never grants", RCPS, [rcp(RCP_FULL_ACCESS)], IMPLICIT, Step.IDENTITY_BASED),
    case(
        "a level with only a deny RCP still lets other requests through (RCPFullAWSAccess "
        "cannot be detached)",
        RCP_EVAL,
        [identity(FULL_ACCESS), rcp(deny("ec2:*", Principal="*"), level="ou-prod")],
        ALLOW,
    ),
    case(
        "an RCP deny applies to a same-account principal too",
        RCP_EVAL,
        [identity(FULL_ACCESS), rcp(RCP_FULL_ACCESS, deny("s3:GetObject", Principal="*"))],
        EXPLICIT,
        Step.EXPLICIT_DENY,
    ),
    # Session policies
    case(
        "a session policy limits a role session to the intersection",
        SESSIONS,
        [identity(allow("s3:*")), session(allow("s3:GetObject"))],
        IMPLICIT,
        Step.SESSION,
        principal=SESSION,
        action="s3:PutObject",
    ),
    case(
        "a session policy grants nothing on its own",
        SESSIONS,
        [session(FULL_ACCESS)],
        IMPLICIT,
        Step.IDENTITY_BASED,
        principal=SESSION,
    ),
    case(
        "inside both the role's policy and the session policy",
        SESSIONS,
        [identity(allow("s3:*")), session(allow("s3:GetObject"))],
        ALLOW,
        principal=SESSION,
    ),
    # Same-account resource-based policies
    case(
        "a same-account bucket policy naming the user allows without an identity policy",
        EVAL,
        [bucket(allow("s3:GetObject", OBJECT, Principal=aws(ALICE)))],
        ALLOW,
        Step.RESOURCE_BASED,
    ),
    case(
        "a bucket policy naming the user is not limited by the user's boundary",
        BOUNDARIES,
        [bucket(allow("s3:GetObject", OBJECT, Principal=aws(ALICE))), boundary(allow("ec2:*"))],
        ALLOW,
        Step.RESOURCE_BASED,
    ),
    case(
        "a bucket policy naming the role ARN is limited by the boundary",
        BOUNDARIES,
        [bucket(allow("s3:GetObject", OBJECT, Principal=aws(ROLE))), boundary(allow("ec2:*"))],
        IMPLICIT,
        Step.PERMISSIONS_BOUNDARY,
        principal=SESSION,
    ),
    case(
        "a bucket policy naming the role ARN allows a session without identity policy",
        EVAL,
        [bucket(allow("s3:GetObject", OBJECT, Principal=aws(ROLE)))],
        ALLOW,
        principal=SESSION,
    ),
    case(
        "a bucket policy naming the session ARN is not limited by the session policy",
        SESSIONS,
        [bucket(allow("s3:GetObject", OBJECT, Principal=aws(SESSION))), session(allow("ec2:*"))],
        ALLOW,
        Step.RESOURCE_BASED,
        principal=SESSION,
    ),
    case(
        "a bucket policy naming the role ARN is limited by the session policy",
        SESSIONS,
        [bucket(allow("s3:GetObject", OBJECT, Principal=aws(ROLE))), session(allow("ec2:*"))],
        IMPLICIT,
        Step.SESSION,
        principal=SESSION,
    ),
    case(
        "a bucket policy naming only the account delegates to identity policies",
        PRINCIPAL,
        [bucket(allow("s3:GetObject", OBJECT, Principal=aws(A)))],
        IMPLICIT,
        Step.IDENTITY_BASED,
    ),
    case(
        "a bucket policy naming the account plus an identity policy allows",
        PRINCIPAL,
        [bucket(allow("s3:GetObject", OBJECT, Principal=aws(A))), identity(allow("s3:GetObject"))],
        ALLOW,
    ),
    case(
        "a public bucket policy (Principal *) allows a user without identity policy",
        PRINCIPAL,
        [bucket(allow("s3:GetObject", OBJECT, Principal="*"))],
        ALLOW,
    ),
    case(
        "a bucket policy naming someone else does not apply",
        PRINCIPAL,
        [bucket(allow("s3:GetObject", OBJECT, Principal=aws(BOB)))],
        IMPLICIT,
    ),
    case(
        "Deny with NotPrincipal denies everyone not listed",
        NOTPRINCIPAL,
        [identity(FULL_ACCESS), bucket(deny("s3:*", OBJECT, NotPrincipal=aws(BOB, A)))],
        EXPLICIT,
    ),
    case(
        "Deny with NotPrincipal spares a principal listed with its account",
        NOTPRINCIPAL,
        [identity(FULL_ACCESS), bucket(deny("s3:*", OBJECT, NotPrincipal=aws(ALICE, A)))],
        ALLOW,
    ),
    case(
        "Deny with NotPrincipal listing the user but not the account still denies",
        NOTPRINCIPAL,
        [identity(FULL_ACCESS), bucket(deny("s3:*", OBJECT, NotPrincipal=aws(ALICE)))],
        EXPLICIT,
    ),
    # Cross-account
    case(
        "cross-account: both the identity policy and the bucket policy allow",
        CROSS,
        [
            identity(allow("s3:GetObject")),
            bucket(allow("s3:GetObject", OBJECT, Principal=aws(ALICE))),
        ],
        ALLOW,
        resource_account=B,
    ),
    case(
        "cross-account: the bucket policy alone is not enough",
        CROSS,
        [bucket(allow("s3:GetObject", OBJECT, Principal=aws(ALICE)))],
        IMPLICIT,
        Step.IDENTITY_BASED,
        resource_account=B,
    ),
    case(
        "cross-account: the identity policy alone is not enough",
        CROSS,
        [identity(allow("s3:GetObject"))],
        IMPLICIT,
        Step.RESOURCE_BASED,
        resource_account=B,
    ),
    case(
        "cross-account: a bucket policy naming the caller's account plus an identity policy",
        CROSS,
        [identity(allow("s3:GetObject")), bucket(allow("s3:GetObject", OBJECT, Principal=aws(A)))],
        ALLOW,
        resource_account=B,
    ),
    case(
        "cross-account: the caller's SCPs still apply",
        CROSS,
        [
            identity(allow("s3:GetObject")),
            bucket(allow("s3:GetObject", OBJECT, Principal=aws(ALICE))),
            scp(allow("ec2:*")),
        ],
        IMPLICIT,
        Step.SCP,
        resource_account=B,
    ),
    case(
        "cross-account: the account is read from the resource ARN",
        CROSS,
        [identity(allow("sqs:SendMessage"))],
        IMPLICIT,
        Step.RESOURCE_BASED,
        action="sqs:SendMessage",
        resource=f"arn:aws:sqs:us-east-1:{B}:queue",
    ),
    case(
        "cross-account: the boundary still limits the caller",
        CROSS,
        [
            identity(allow("s3:GetObject")),
            boundary(allow("ec2:*")),
            bucket(allow("s3:GetObject", OBJECT, Principal=aws(ALICE))),
        ],
        IMPLICIT,
        Step.PERMISSIONS_BOUNDARY,
        resource_account=B,
    ),
]


def test_cases_table_is_large_and_sourced():
    """The table holds at least 60 cases, each with a unique name and a documented source."""
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES)
    assert all(".html" in c.source for c in CASES)


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_evaluate_documented_case(c):
    """Each documented case gets AWS's decision, decided at the documented step."""
    result = evaluate(request(**c.req), c.policies)
    assert result.decision is c.expected, result.reason
    if c.step is not None:
        assert result.decided_by is c.step, result.reason
    assert result.steps[-1].step is result.decided_by


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        (
            {"BinaryEquals": {"s3:x-amz-content": "QmluYXJ5"}},
            {"s3:x-amz-content": "QmluYXJ5"},
            True,
        ),
        ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": True}, True),
        ({"NumericEquals": {"s3:max-keys": 10}}, {"s3:max-keys": "ten"}, False),
        ({"NumericNotEquals": {"s3:max-keys": 10.5}}, {"s3:max-keys": "10.5"}, False),
        (
            {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01"}},
            {"aws:CurrentTime": "9" * 12},
            False,
        ),
        (
            {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01"}},
            {"aws:CurrentTime": "2026-13-01"},
            False,
        ),
        ({"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}, {"aws:SourceIp": "not-an-ip"}, False),
        ({"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}, {"aws:SourceIp": "2001:db8::1"}, False),
        ({"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}}, {}, False),
        (
            {"ForAnyValue:StringNotEquals": {"aws:TagKeys": "env"}},
            {"aws:TagKeys": ["env", "x"]},
            True,
        ),
        ({"ForAllValues:StringNotEquals": {"aws:TagKeys": "env"}}, {"aws:TagKeys": ["env"]}, False),
        ({"StringEquals": {"aws:TagKeys": "env"}}, {"aws:TagKeys": ["x", "env"]}, True),
    ],
)
def test_evaluate_condition_edge(condition, context, expected):
    """Values of the wrong kind never match; booleans and numbers in a policy are text."""
    result = evaluate(request(context=context), [identity(allow(Condition=condition))])
    assert result.allowed is expected, result.statements[0].reason


def test_evaluate_trace_names_failed_element_and_deciding_statement():
    """The trace says which element failed and why, and which statements decided."""
    policies = [
        identity(
            allow("ec2:*", Sid="Ec2"), allow("s3:*", "arn:aws:s3:::other/*"), allow("s3:Get*")
        ),
        identity(allow(Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
    ]
    result = evaluate(request(), policies)
    assert result.allowed
    first, second, third, fourth = result.statements
    assert (first.sid, first.failed_element, first.reason) == (
        "Ec2",
        "Action",
        "s3:GetObject is not in Action",
    )
    assert second.failed_element == "Resource"
    assert third.matched
    assert fourth.failed_element == "Condition"
    assert "aws:MultiFactorAuthPresent is not in the request" in fourth.reason
    assert result.deciding == ((0, 2),)
    assert request().to_dict()["principal"] == ALICE


def test_evaluate_steps_walk_the_flowchart_in_order():
    """The steps list each box of the flowchart passed, in AWS's order, ending at the decision."""
    policies = [
        bucket(allow("s3:GetObject", OBJECT, Principal=aws(ROLE))),
        boundary(allow("ec2:*")),
        scp(FULL_ACCESS),
    ]
    result = evaluate(request(principal=SESSION), policies)
    assert [s.step for s in result.steps] == [
        Step.EXPLICIT_DENY,
        Step.RCP,
        Step.SCP,
        Step.RESOURCE_BASED,
        Step.PERMISSIONS_BOUNDARY,
    ]
    assert [s.outcome for s in result.steps] == [
        "pass",
        "not-applicable",
        "pass",
        "pass",
        "ImplicitDeny",
    ]
