"""What a sign-in through the identity provider means here: plain values in and out.

Groups: the claim named by OIDC_GROUPS_CLAIM, a list of strings (one string alone counts
as a list of one; anything else, or an absent claim, as no groups). Values are compared
exactly, as the provider sends them.

Team membership from the identity provider:
    mapped      each group mapping (admin: Single sign-on > Group mappings) whose value is
                among the person's groups puts them in its team with its role; when two
                mapped groups name the same team, manager wins over member.
    follows     at every sign-in through the provider, the memberships the mapping made
                follow the claim: added when a mapped group appears, their role changed
                when the mapping's role changes, removed when no mapped group names the
                team any more.
    by hand     a membership made any other way (an accepted invitation, a manager,
                staff) is never changed or removed by the claim, and a mapped group naming
                a team the person is already in by hand leaves that membership as it is.
    consent     a mapped membership counts as accepted at once, without an invitation:
                the organisation's directory is the authority on who belongs to which of
                its teams, as it is for the rest of their work systems. The team then sees
                what an accepted member shares (trainer/teams/rules.py, "member"), and
                "My learning" lists the teams that see the learner's progress and says
                which of them their organisation's directory chose.
    managers    the directory may remove a team's last manager; staff can still run the
                team, and the directory is where that is put right.

The second factor after a sign-in through the provider (staff must have one before the
admin; a learner who turned one on is asked for it at every sign-in):
    trusted     the ID token's ``amr`` claim (RFC 8176) lists a value in OIDC_TRUST_AMR:
                the provider checked a second factor, and this site does not ask again
                in that session.
    otherwise   this site's own code, exactly as after a password sign-in (and for staff
                a first device only through a one-time set-up link).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from trainer.teams.models import Role

# A value longer than a mapping can hold cannot match one; skipping it keeps a provider
# that sends long distinguished names from failing the sign-in.
MAX_GROUP_LENGTH = 255


def claim_groups(claims: dict, name: str) -> frozenset[str]:
    """The person's groups from the claims, as a set of non-empty strings."""
    value = claims.get(name)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return frozenset()
    return frozenset(
        item for item in value if isinstance(item, str) and 0 < len(item) <= MAX_GROUP_LENGTH
    )


def team_roles(mappings: Iterable[tuple[int, str]]) -> dict[int, str]:
    """Team id → role from the (team id, role) pairs of the mappings that matched."""
    roles: dict[int, str] = {}
    for team_id, role in mappings:
        if roles.get(team_id) != Role.MANAGER:
            roles[team_id] = role
    return roles


@dataclass(frozen=True)
class MembershipChanges:
    add: dict[int, str] = field(default_factory=dict)
    change_role: dict[int, str] = field(default_factory=dict)
    remove: frozenset[int] = frozenset()


def membership_changes(
    *, wanted: dict[int, str], mapped: dict[int, str], by_hand: Iterable[int]
) -> MembershipChanges:
    """What to do to the memberships so the mapped ones match ``wanted`` (team → role).

    ``mapped`` holds the memberships the mapping made (team → role), ``by_hand`` the teams
    the person is in any other way; those are left alone.
    """
    by_hand = set(by_hand)
    return MembershipChanges(
        add={
            team: role
            for team, role in wanted.items()
            if team not in mapped and team not in by_hand
        },
        change_role={
            team: role for team, role in wanted.items() if team in mapped and mapped[team] != role
        },
        remove=frozenset(team for team in mapped if team not in wanted),
    )


def second_factor_asserted(amr, trusted: Iterable[str]) -> bool:
    """True if the ``amr`` claim lists a method this site trusts as a second factor."""
    if isinstance(amr, str):
        amr = [amr]
    if not isinstance(amr, list):
        return False
    return bool({item for item in amr if isinstance(item, str)} & set(trusted))
