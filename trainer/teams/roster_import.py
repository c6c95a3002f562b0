"""Inviting a roster at once: a preview of each row's fate, then one atomic import."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from .models import InvitationStatus, Role, Team
from .roster import Roster, Row, RowStatus, row_statuses
from .services import TeamRefused, _deliver, _invitation_write, _invitee, _lock


@dataclass(frozen=True)
class ImportResult:
    invited: int
    left_alone: int


def _members_known(team: Team, emails: list[str]) -> set[str]:
    """Of these (lower-case) addresses, those of the team's members: by their account's
    address or by the address of the invitation they accepted. Looked up in this team
    only: whether an address belongs to an account outside it is never asked."""
    by_account = (
        team.memberships.annotate(address=Lower("user__email"))
        .filter(address__in=emails)
        .values_list("address", flat=True)
    )
    by_invitation = team.invitations.filter(
        status=InvitationStatus.ACCEPTED,
        invitee__in=emails,
        user__in=team.memberships.values("user_id"),
    ).values_list("invitee", flat=True)
    return set(by_account) | set(by_invitation)


def invitation_import_preview(*, team: Team, roster: Roster) -> list[tuple[Row, RowStatus]]:
    """What applying the file would do with each row, as far as the team knows today:
    its members and open invitations, which the team knows anyway."""
    emails = [row.email for row in roster.rows]
    invited = team.invitations.open().filter(invitee__in=emails).values_list("invitee", flat=True)
    members = _members_known(team, emails)
    return row_statuses(roster.rows, members=members, invited=set(invited))


def invitation_import(
    *, team: Team, rows: Iterable[tuple[str, str]], previewed_at: datetime, invited_by=None
) -> ImportResult:
    """Invite every address of a previewed file: all of them in one transaction or none,
    the e-mails sent once it has committed.

    An address is left alone when it is a member or has an open invitation, as the
    preview said, and also when the team invited it at any moment since the preview:
    so applying the same preview twice (a double click, a reload, a replayed form)
    invites nobody twice, and does not undo an answer or a withdrawal made in between.
    """
    wanted: dict[str, str] = {}
    for email, role in rows:
        if role not in Role.values or "@" not in email:
            raise TeamRefused("The preview holds something that is not an invitation.")
        wanted.setdefault(_invitee(email), role)
    emails = list(wanted)
    now = timezone.now()
    notices = []
    with transaction.atomic():
        _lock(team)
        since = team.invitations.filter(invitee__in=emails, created_at__gte=previewed_at)
        done = _members_known(team, emails) | set(since.values_list("invitee", flat=True))
        pending = team.invitations.filter(invitee__in=emails, status=InvitationStatus.PENDING)
        pending = {invitation.invitee: invitation for invitation in pending}
        for email, role in wanted.items():
            if email in done:
                continue
            # An address always gets an e-mail when written; none means it was left open.
            invitation, message = _invitation_write(
                team=team,
                invitee=email,
                pending=pending.get(email),
                role=role,
                invited_by=invited_by,
                now=now,
            )
            if message is not None:
                notices.append((invitation.pk, message))
        transaction.on_commit(partial(_deliver, notices))
    invited = len(notices)
    return ImportResult(invited=invited, left_alone=len(wanted) - invited)
