"""Short builders for policy documents and requests in the evaluator's tests."""

from lessons.policy import Policy, PolicyType, Request

A = "111122223333"
B = "444455556666"
ALICE = f"arn:aws:iam::{A}:user/alice"
BOB = f"arn:aws:iam::{A}:user/bob"
ROLE = f"arn:aws:iam::{A}:role/app"
SESSION = f"arn:aws:sts::{A}:assumed-role/app/s1"
ROOT = f"arn:aws:iam::{A}:root"
OBJECT = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"


def stmt(effect, action="*", resource="*", **extra):
    out = {"Effect": effect}
    if "not_action" in extra:
        out["NotAction"] = extra.pop("not_action")
    else:
        out["Action"] = action
    if "not_resource" in extra:
        out["NotResource"] = extra.pop("not_resource")
    elif resource is not None:
        out["Resource"] = resource
    for name in ("Principal", "NotPrincipal", "Condition", "Sid"):
        if name in extra:
            out[name] = extra.pop(name)
    assert not extra, extra
    return out


def allow(action="*", resource="*", **extra):
    return stmt("Allow", action, resource, **extra)


def deny(action="*", resource="*", **extra):
    return stmt("Deny", action, resource, **extra)


def doc(*statements, version="2012-10-17"):
    return {"Version": version, "Statement": list(statements)}


def identity(*statements, **kw):
    return Policy(PolicyType.IDENTITY, doc(*statements, **kw), name="identity")


def boundary(*statements):
    return Policy(PolicyType.PERMISSIONS_BOUNDARY, doc(*statements), name="boundary")


def session(*statements):
    return Policy(PolicyType.SESSION, doc(*statements), name="session")


def scp(*statements, level="root"):
    return Policy(PolicyType.SCP, doc(*statements), name=f"scp-{level}", level=level)


def rcp(*statements, level="root"):
    return Policy(PolicyType.RCP, doc(*statements), name=f"rcp-{level}", level=level)


def bucket(*statements):
    return Policy(PolicyType.RESOURCE, doc(*statements), name="bucket policy")


def aws(*arns):
    return {"AWS": list(arns)}


def request(principal=ALICE, action="s3:GetObject", resource=OBJECT, **kw):
    return Request(principal=principal, action=action, resource=resource, **kw)


FULL_ACCESS = allow("*", "*")
RCP_FULL_ACCESS = allow("*", "*", Principal="*")
