"""Password sign-in switched off, the admin for group mappings, what learners are told,
and the configuration checks."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from tests.helpers import log_in_verified
from trainer.sso.models import DirectoryMembership, GroupMapping

pytestmark = pytest.mark.django_db


@pytest.fixture
def password_off(settings):
    settings.PASSWORD_LOGIN = False
    settings.OIDC_ISSUER = "https://idp.example.com"
    settings.OIDC_PROVIDER_NAME = "Example Corp"
    settings.AUTHENTICATION_BACKENDS = ["trainer.sso.backends.OIDCBackend"]


def test_login_page_offers_the_provider_beside_the_password_form(client, settings):
    """With single sign-on on and passwords still allowed, the page offers both."""
    settings.OIDC_ISSUER = "https://idp.example.com"
    settings.OIDC_PROVIDER_NAME = "Example Corp"

    page = client.get(reverse("accounts:login"), {"next": "/me/"}).content.decode()

    assert 'href="/accounts/sso/start/?next=/me/"' in page
    assert "Log in with Example Corp" in page
    assert 'name="password"' in page


def test_login_without_single_sign_on_shows_no_provider_button(client):
    """By default single sign-on is off and the page is the password form alone."""
    page = client.get(reverse("accounts:login")).content.decode()

    assert "sso/start" not in page
    assert 'name="password"' in page


def test_login_with_password_login_off_refuses_a_correct_password(client, password_off):
    """With PASSWORD_LOGIN off, the page offers only the provider and a right password
    signs nobody in."""
    user = UserFactory()

    page = client.get(reverse("accounts:login")).content.decode()
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )

    assert "Log in with Example Corp" in page
    assert 'name="password"' not in page
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert not client.login(username=user.username, password=PASSWORD)


@pytest.mark.parametrize(
    "name",
    ["accounts:signup", "accounts:password_reset", "accounts:password_change"],
)
def test_password_pages_are_gone_with_password_login_off(client, password_off, name):
    """Sign-up and password pages do not exist when passwords are switched off."""
    client.force_login(UserFactory(), backend="trainer.sso.backends.OIDCBackend")

    assert client.get(reverse(name)).status_code == 404


def test_nav_hides_sign_up_with_password_login_off(client, password_off):
    """The site's navigation offers no sign-up when there are no passwords."""
    page = client.get(reverse("trainer:catalog")).content.decode()

    assert reverse("accounts:signup") not in page


def test_my_learning_names_the_teams_the_directory_chose(client):
    """A learner sees which teams their organisation's directory put them in, and that
    those teams see their progress; teams joined by invitation are not listed there."""
    user = UserFactory()
    mapped = MembershipFactory(user=user, team__name="Platform")
    DirectoryMembership.objects.create(membership=mapped)
    MembershipFactory(user=user, team__name="Book club")
    client.force_login(user)

    page = client.get(reverse("trainer:my-learning")).content.decode()

    section = page.split("Teams your organisation put you in", 1)[1].split("</section>")[0]
    assert "Platform (member)" in section
    assert "sees your progress" in section
    assert "Book club" not in section


def test_my_learning_without_directory_teams_has_no_such_section(client):
    client.force_login(MembershipFactory().user)

    assert (
        "Teams your organisation" not in client.get(reverse("trainer:my-learning")).content.decode()
    )


def test_admin_maps_a_group_to_a_team(client):
    """A superuser, past the second factor, maps a provider group to a team."""
    team = TeamFactory(name="Engineering")
    log_in_verified(client, UserFactory(is_staff=True, is_superuser=True))

    response = client.post(
        reverse("admin:sso_groupmapping_add"),
        {"claim_value": "cn=eng,ou=groups", "team": team.pk, "role": "manager"},
    )

    assert response.status_code == 302
    mapping = GroupMapping.objects.get()
    assert (mapping.claim_value, mapping.team, mapping.role) == (
        "cn=eng,ou=groups",
        team,
        "manager",
    )
    listing = client.get(reverse("admin:sso_groupmapping_changelist")).content.decode()
    assert "cn=eng,ou=groups" in listing


@pytest.mark.parametrize(
    ("overrides", "check_id"),
    [
        ({"PASSWORD_LOGIN": False, "OIDC_ISSUER": ""}, "sso.E001"),
        ({"OIDC_ISSUER": "https://idp.example.com", "OIDC_CLIENT_SECRET": ""}, "sso.E002"),
    ],
)
def test_check_refuses_a_configuration_nobody_can_sign_in_with(settings, overrides, check_id):
    """Switching passwords off without a provider, or a provider without its client
    credentials, fails the system checks."""
    settings.OIDC_CLIENT_ID = "client"
    for name, value in overrides.items():
        setattr(settings, name, value)

    with pytest.raises(SystemCheckError, match=check_id):
        call_command("check")


def test_group_mapping_str_names_group_team_and_role():
    mapping = GroupMapping(claim_value="eng", team=TeamFactory(name="Engineering"))

    assert str(mapping) == "eng → Engineering (Member)"


def test_admin_changes_to_mappings_and_identities_are_audited(client):
    """Mapping a group or linking a provider account is in the audit trail, with who did it."""
    from trainer.audit.models import AuditEvent

    admin = UserFactory(is_staff=True, is_superuser=True)
    log_in_verified(client, admin)
    team = TeamFactory()
    client.post(
        reverse("admin:sso_groupmapping_add"),
        {"claim_value": "eng", "team": team.pk, "role": "member"},
    )
    client.post(
        reverse("admin:sso_identity_add"),
        {"user": UserFactory().pk, "issuer": "https://idp.example.com", "subject": "s-1"},
    )

    events = AuditEvent.objects.filter(actor=admin)
    assert {event.object_type for event in events} >= {"sso.groupmapping", "sso.identity"}


def test_backup_restores_identities_mappings_and_directory_memberships(tmp_path):
    """A restored site still knows which provider account is which user and which
    memberships the directory made, so nobody gets a second account at the next sign-in."""
    from tests.factories import GroupMappingFactory, IdentityFactory
    from tests.security.test_backup import export, flush, restore
    from trainer.sso.models import Identity

    identity = IdentityFactory(subject="ada", user__username="ada")
    mapping = GroupMappingFactory(claim_value="engineering", team__name="Engineering")
    membership = MembershipFactory(user=identity.user, team=mapping.team)
    DirectoryMembership.objects.create(membership=membership)
    path = export(tmp_path)
    flush()
    assert not Identity.objects.exists()

    restore(path)

    assert Identity.objects.get().user.username == "ada"
    assert GroupMapping.objects.get().team.name == "Engineering"
    assert DirectoryMembership.objects.get().membership.user.username == "ada"
