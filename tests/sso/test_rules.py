"""The pure rules of a sign-in through the identity provider (trainer/sso/rules.py)."""

from hypothesis import given
from hypothesis import strategies as st

from trainer.sso import rules
from trainer.teams.models import Role

teams = st.integers(min_value=1, max_value=8)
roles = st.sampled_from([Role.MEMBER, Role.MANAGER])


def test_claim_groups_accepts_a_list_or_one_string_and_ignores_the_rest():
    """Groups come as a list of strings; one string counts as one group, anything else
    as none, and odd items in the list are skipped."""
    assert rules.claim_groups({"groups": ["a", "b", "a"]}, "groups") == {"a", "b"}
    assert rules.claim_groups({"groups": "a"}, "groups") == {"a"}
    assert rules.claim_groups({"roles": ["x"]}, "roles") == {"x"}
    assert rules.claim_groups({"groups": ["", 3, None, ["x"], "z" * 256, "ok"]}, "groups") == {"ok"}
    for value in (None, 3, {"a": 1}, True):
        assert rules.claim_groups({"groups": value}, "groups") == frozenset()
    assert rules.claim_groups({}, "groups") == frozenset()


def test_team_roles_prefers_manager_when_two_groups_name_one_team():
    """Two mapped groups naming the same team: manager wins, whatever the order."""
    assert rules.team_roles([(1, Role.MEMBER), (1, Role.MANAGER), (2, Role.MEMBER)]) == {
        1: Role.MANAGER,
        2: Role.MEMBER,
    }
    assert rules.team_roles([(1, Role.MANAGER), (1, Role.MEMBER)]) == {1: Role.MANAGER}


@given(
    wanted=st.dictionaries(teams, roles),
    mapped=st.dictionaries(teams, roles),
    by_hand=st.sets(teams),
)
def test_membership_changes_make_mapped_follow_the_claim_and_leave_manual_alone(
    wanted, mapped, by_hand
):
    """After the changes, the mapped memberships are exactly the wanted ones not already
    held by hand, and no membership made by hand is added, changed or removed."""
    by_hand -= set(mapped)  # a team has one membership: mapped or by hand
    changes = rules.membership_changes(wanted=wanted, mapped=mapped, by_hand=by_hand)

    after = {team: role for team, role in mapped.items() if team not in changes.remove}
    after.update(changes.change_role)
    after.update(changes.add)
    assert after == {team: role for team, role in wanted.items() if team not in by_hand}
    touched = set(changes.add) | set(changes.change_role) | changes.remove
    assert not touched & by_hand


def test_second_factor_asserted_only_for_a_trusted_method():
    """amr counts only when it lists a method the site trusts; nothing is trusted by
    default, and a malformed amr never counts."""
    assert rules.second_factor_asserted(["pwd", "mfa"], ["mfa", "otp"])
    assert rules.second_factor_asserted("hwk", ["hwk"])
    assert not rules.second_factor_asserted(["pwd", "mfa"], [])
    assert not rules.second_factor_asserted(["pwd"], ["mfa"])
    for amr in (None, 1, {"mfa": True}, [["mfa"]]):
        assert not rules.second_factor_asserted(amr, ["mfa"])
