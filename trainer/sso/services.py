"""Writes for a sign-in through the identity provider (rules: ``rules.py``)."""

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from trainer.teams.models import Membership

from . import rules
from .models import DirectoryMembership, GroupMapping, Identity

User = get_user_model()
USERNAME_LENGTH = 150


class SignInRefused(Exception):
    """The provider vouched for the person, but this site will not sign them in."""


def identity_sign_in(*, issuer: str, claims: dict):
    """The user for these verified claims, made on the first sign-in, with their mapped
    team memberships brought in line with the groups claim.

    A user switched off here is refused before anything is written.
    """
    try:
        return _identity_sign_in(issuer=issuer, claims=claims)
    except IntegrityError:
        # Two first sign-ins at once (the same person in two tabs, or two people wanting
        # one username): the other one won; this one now finds what it made.
        return _identity_sign_in(issuer=issuer, claims=claims)


def _identity_sign_in(*, issuer: str, claims: dict):
    subject = claims["sub"]
    with transaction.atomic():
        identity = (
            Identity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        if identity is None:
            user = User.objects.create_user(_free_username(claims), email=_email(claims))
            identity = Identity(user=user, issuer=issuer, subject=subject)
        else:
            user = identity.user
            if not user.is_active:
                raise SignInRefused(
                    "This account is switched off on this site, so you cannot sign in. "
                    "Ask an administrator of this site if that is a mistake."
                )
        _profile_update(user, claims)
        identity.last_sign_in_at = timezone.now()
        identity.save()
        memberships_follow_groups(
            user=user, groups=rules.claim_groups(claims, settings.OIDC_GROUPS_CLAIM)
        )
    return user


def memberships_follow_groups(*, user, groups) -> rules.MembershipChanges:
    """Add, change and remove the memberships the group mappings made for ``user``."""
    with transaction.atomic():
        wanted = rules.team_roles(
            GroupMapping.objects.filter(claim_value__in=groups).values_list("team_id", "role")
        )
        current = list(
            Membership.objects.select_for_update()
            .filter(user=user)
            .annotate(
                from_directory=Exists(DirectoryMembership.objects.filter(membership=OuterRef("pk")))
            )
        )
        mapped = {m.team_id: m for m in current if m.from_directory}
        changes = rules.membership_changes(
            wanted=wanted,
            mapped={team: m.role for team, m in mapped.items()},
            by_hand=[m.team_id for m in current if not m.from_directory],
        )
        for team_id, role in changes.add.items():
            membership = Membership.objects.create(team_id=team_id, user=user, role=role)
            DirectoryMembership.objects.create(membership=membership)
        for team_id, role in changes.change_role.items():
            mapped[team_id].role = role
            mapped[team_id].save(update_fields=["role"])
        for team_id in changes.remove:
            mapped[team_id].delete()
    return changes


def directory_memberships(user):
    """The memberships the organisation's directory made for ``user``, by team name."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, directory__isnull=False)
        .select_related("team")
        .order_by("team__name")
    )


def _email(claims) -> str:
    email = claims.get("email")
    return email if isinstance(email, str) and len(email) <= 254 else ""


def _text(claims, name, length) -> str:
    value = claims.get(name)
    return value[:length] if isinstance(value, str) else ""


def _profile_update(user, claims) -> None:
    """Keep the name and address the directory knows, so teams see who is who."""
    user.email = _email(claims) or user.email
    user.first_name = _text(claims, "given_name", 150) or user.first_name
    user.last_name = _text(claims, "family_name", 150) or user.last_name
    user.save(update_fields=["email", "first_name", "last_name"])


def _free_username(claims) -> str:
    """A readable username nobody has: the provider's preferred username, else the
    e-mail address, else the subject, cut to Django's characters and a number added
    if taken."""
    for name in ("preferred_username", "email", "sub"):
        base = re.sub(r"[^\w.@+-]", "", _text(claims, name, 300))[: USERNAME_LENGTH - 8]
        if base:
            break
    else:
        base = "user"
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate
