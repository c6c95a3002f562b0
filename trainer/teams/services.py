"""Every write to teams goes through here: keyword-only, validated, atomic, repeatable.

None of these touches a learner's progress or scores; those belong to ``quizzes``.
"""

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from lessons.models import Lesson

from . import rules
from .models import Assignment, Invitation, InvitationStatus, Membership, Role, Team

logger = logging.getLogger(__name__)
# Paths under /teams/ that are pages, not team addresses.
RESERVED_SLUGS = {"new", "invitations"}


class TeamRefused(Exception):
    """The change cannot be made; ``status`` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _active_user(username: str):
    User = get_user_model()
    username = username.strip()
    user = User.objects.filter(**{User.USERNAME_FIELD: username}, is_active=True).first()
    if user is None:
        raise TeamRefused(f"There is no active user called “{username}”.")
    return user


def team_create(*, name: str, slug: str = "", manager_usernames: Iterable[str] = ()) -> Team:
    """A new team, its slug taken from the name unless given, with its first managers."""
    slug = slug or slugify(name)[:80]
    if not slug:
        raise TeamRefused("A team needs a name with at least one letter or digit.")
    if slug in RESERVED_SLUGS:
        raise TeamRefused(f"“{slug}” is taken by a page of the site; choose another address.")
    managers = [_active_user(username) for username in manager_usernames]
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name, slug=slug)
            # One by one, not bulk_create: each membership must reach the audit trail.
            for user in set(managers):
                Membership.objects.create(team=team, user=user, role=Role.MANAGER)
    except IntegrityError as error:
        raise TeamRefused(f"A team with the address “{slug}” already exists.", 409) from error
    return team


def _invitee(text: str) -> str:
    """A username, or an e-mail address in lower case; TeamRefused if it is neither."""
    text = text.strip()
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError as error:
            raise TeamRefused("Enter a username or an e-mail address.") from error
        return text.lower()
    User = get_user_model()
    try:
        User.username_validator(text)
    except ValidationError as error:
        raise TeamRefused("Enter a username or an e-mail address.") from error
    if not text or len(text) > User._meta.get_field(User.USERNAME_FIELD).max_length:
        raise TeamRefused("Enter a username or an e-mail address.")
    return text


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_by_token(token: str):
    """The open, unclaimed e-mail invitation whose link carries ``token``, or None."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.open()
        .filter(user__isnull=True, token_hash=_token_hash(token))
        .select_related("team", "invited_by")
        .first()
    )


def invitation_create(
    *, team: Team, invitee: str, role: str = Role.MEMBER, invited_by=None
) -> Invitation:
    """Invite someone to the team by username or e-mail address.

    What the manager learns is the same whether or not an account answers to ``invitee``:
    a username of an active account makes the invitation that account's (shown on their
    "My learning", with an e-mail notice when they have an address); an e-mail address
    always gets a link to sign in or sign up and answer, without looking up who uses it
    (addresses here are not verified, so the mailbox decides, not the account); a username
    no account has makes an invitation no one will answer. Inviting again while an
    invitation is open changes nothing; once it expired, it is renewed and sent again.
    """
    if role not in Role.values:
        raise TeamRefused("That is not a team role.")
    invitee = _invitee(invitee)
    with transaction.atomic():
        _lock(team)
        pending = team.invitations.filter(invitee=invitee, status=InvitationStatus.PENDING)
        invitation, message = _invitation_write(
            team=team,
            invitee=invitee,
            pending=pending.first(),
            role=role,
            invited_by=invited_by,
            now=timezone.now(),
        )
    if message is not None:
        _deliver([(invitation.pk, message)])
    return invitation


def _lock(team: Team) -> None:
    # Invitations to one team are written one writer at a time, so two managers (or a
    # double click) inviting the same person make one invitation, not two.
    Team.objects.select_for_update().filter(pk=team.pk).exists()


def _invitation_write(
    *, team: Team, invitee: str, pending: Invitation | None, role: str, invited_by, now
):
    """The invitation (new, renewed, or the open one unchanged) and the e-mail it needs,
    if any. ``pending`` is the team's pending invitation for ``invitee``, if there is one;
    the caller holds the team's lock and sends the e-mail once committed."""
    by_email = "@" in invitee
    user = None
    if not by_email:
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: invitee}, is_active=True).first()
    invitation = pending
    if invitation is not None and invitation.created_at > rules.invitation_cutoff(now):
        return invitation, None
    if invitation is None:
        invitation = Invitation(team=team, invitee=invitee)
    token = secrets.token_urlsafe(32) if by_email else ""
    invitation.user = user
    invitation.role = role
    invitation.invited_by = invited_by
    invitation.created_at = now
    invitation.token_hash = _token_hash(token) if token else ""
    invitation.save()
    if user is not None and user.email:
        link = reverse("teams:invitations")
        return invitation, _invitation_message(invitation, to=user.email, link=link)
    if by_email:
        link = reverse("teams:invitation-claim", args=[token])
        return invitation, _invitation_message(invitation, to=invitee, link=link)
    return invitation, None


def _invitation_message(invitation: Invitation, *, to: str, link: str) -> EmailMessage:
    context = {
        "invitation": invitation,
        "link": settings.SITE_URL + link,
        "signup": settings.SITE_URL + reverse("accounts:signup"),
        "by_email": invitation.user_id is None,
    }
    inviter = invitation.invited_by
    who = (inviter.get_full_name() or inviter.get_username()) if inviter else "A manager"
    return EmailMessage(
        subject=f"{who} invites you to the team {invitation.team.name}"[:150],
        body=render_to_string("teams/email/invitation.txt", {**context, "who": who}),
        to=[to],
    )


def _deliver(notices: list[tuple[int, EmailMessage]]) -> None:
    # A failed notice is logged, not shown: the manager's answer must not depend on
    # whether an e-mail went out (that would tell them the account exists). One
    # connection carries them all, so a large import does not log in to SMTP per address.
    try:
        with mail.mailers.default as connection:
            for pk, message in notices:
                try:
                    connection.send_messages([message])
                except Exception as error:  # any transport failure
                    logger.warning("Invitation %s: the e-mail failed: %s", pk, error)
    except Exception as error:  # the connection itself failed to open or close
        logger.warning("Invitation e-mails: the mail server failed: %s", error)


def _answerable(invitation: Invitation, user) -> Invitation:
    """The invitation locked for an answer by ``user``; TeamRefused if it is not theirs."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.user_id is not None and locked.user_id != user.pk:
        raise TeamRefused("There is no such invitation.", 404)
    return locked


def _closed(invitation: Invitation) -> TeamRefused:
    if invitation.status == InvitationStatus.REVOKED:
        return TeamRefused("This invitation was withdrawn.", 409)
    if invitation.status != InvitationStatus.PENDING:
        return TeamRefused(f"This invitation was already {invitation.status}.", 409)
    return TeamRefused("This invitation has expired; ask for a new one.", 409)


def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """``user`` joins the team in the invited role; accepting twice gives the same membership."""
    with transaction.atomic():
        invitation = _answerable(invitation, user)
        if invitation.status == InvitationStatus.ACCEPTED:
            membership = Membership.objects.filter(team=invitation.team_id, user=user).first()
            if membership is not None:
                return membership
        now = timezone.now()
        if not rules.invitation_open(
            status=invitation.status, created_at=invitation.created_at, now=now
        ):
            raise _closed(invitation)
        invitation.user = user
        invitation.status = InvitationStatus.ACCEPTED
        invitation.answered_at = now
        invitation.save(update_fields=["user", "status", "answered_at"])
        membership, _ = Membership.objects.get_or_create(
            team_id=invitation.team_id, user=user, defaults={"role": invitation.role}
        )
    return membership


def invitation_decline(*, invitation: Invitation, user) -> Invitation:
    """Say no; the team sees nothing of ``user``. Declining twice changes nothing."""
    with transaction.atomic():
        invitation = _answerable(invitation, user)
        if invitation.status == InvitationStatus.DECLINED:
            return invitation
        now = timezone.now()
        if not rules.invitation_open(
            status=invitation.status, created_at=invitation.created_at, now=now
        ):
            raise _closed(invitation)
        invitation.user = user
        invitation.status = InvitationStatus.DECLINED
        invitation.answered_at = now
        invitation.save(update_fields=["user", "status", "answered_at"])
    return invitation


def invitation_revoke(*, team: Team, invitation: Invitation) -> None:
    """Withdraw an invitation not answered yet; its link stops working."""
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.team_id != team.pk:
            raise TeamRefused("There is no such invitation.", 404)
        if locked.status != InvitationStatus.PENDING:
            raise _closed(locked)
        locked.status = InvitationStatus.REVOKED
        locked.answered_at = timezone.now()
        locked.save(update_fields=["status", "answered_at"])


def membership_set_role(*, team: Team, membership: Membership, role: str) -> Membership:
    """Make a member a manager or back; a team keeps at least one manager."""
    if role not in Role.values:
        raise TeamRefused("That is not a team role.")
    if membership.team_id != team.pk:
        raise TeamRefused("That person is not in this team.", 404)
    if membership.role == role:
        return membership
    with transaction.atomic():
        _keep_a_manager(team=team, leaving=membership, new_role=role)
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def membership_leave(*, membership: Membership) -> None:
    """The member leaves the team: from now on it sees nothing of them."""
    with transaction.atomic():
        _keep_a_manager(team=membership.team, leaving=membership, new_role=None)
        membership.delete()


def membership_remove(*, team: Team, membership: Membership) -> None:
    """Take someone out of the team; their own progress stays theirs."""
    if membership.team_id != team.pk:
        raise TeamRefused("That person is not in this team.", 404)
    with transaction.atomic():
        _keep_a_manager(team=team, leaving=membership, new_role=None)
        membership.delete()


def _keep_a_manager(*, team: Team, leaving: Membership, new_role) -> None:
    # A team left without a manager could only be run by staff again. The team's row is
    # locked so two managers removing each other at once cannot both succeed.
    if leaving.role != Role.MANAGER or new_role == Role.MANAGER:
        return
    Team.objects.select_for_update().filter(pk=team.pk).exists()
    others = Membership.objects.filter(team=team, role=Role.MANAGER).exclude(pk=leaving.pk)
    if not others.exists():
        raise TeamRefused("A team keeps at least one manager.", 409)


def assignment_create(
    *,
    team: Team,
    lesson: Lesson,
    due_date: date,
    minimum_verdict: str = "",
    created_by=None,
) -> Assignment:
    """Assign a published lesson to the team; assigning it twice is refused."""
    if not lesson.published:
        raise TeamRefused("Only a published lesson can be assigned.")
    try:
        with transaction.atomic():
            return Assignment.objects.create(
                team=team,
                lesson=lesson,
                due_date=due_date,
                minimum_verdict=minimum_verdict,
                created_by=created_by,
            )
    except IntegrityError as error:
        raise TeamRefused("This lesson is already assigned to the team.", 409) from error


def assignment_update(
    *, assignment: Assignment, due_date: date, minimum_verdict: str = ""
) -> Assignment:
    assignment.due_date = due_date
    assignment.minimum_verdict = minimum_verdict
    assignment.save(update_fields=["due_date", "minimum_verdict"])
    return assignment


def assignment_delete(*, assignment: Assignment) -> None:
    """Withdraw the assignment; members keep their progress on the lesson."""
    assignment.delete()
