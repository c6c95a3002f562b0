"""Sign-in through a real OpenID provider on loopback (tests/oidc/provider.mjs), with the
site driven by Django's test client and the provider by plain HTTP."""

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from quizzes.models import Commit
from tests.factories import (
    GroupMappingFactory,
    IdentityFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
    full_lesson,
)
from tests.security.conftest import enrol
from tests.security.test_bad_input_sweep import csrf_client, patterns, sweep, template
from tests.trainer.test_accounts import commit_anonymously
from trainer.sso.models import DirectoryMembership, Identity
from trainer.teams.models import Membership, Role

User = get_user_model()
pytestmark = pytest.mark.django_db


def sign_in(client, idp, login, *, next_url=""):
    """Start at the site, sign in at the provider, and return the site's answer."""
    return client.get(callback_url(client, idp, login, next_url=next_url))


def callback_url(client, idp, login, *, next_url=""):
    start = client.get(reverse("sso:start"), {"next": next_url} if next_url else {})
    assert start.status_code == 302
    return idp.answer(start["Location"], login, f"{login}-password")


def signed_in(client):
    return client.session.get(SESSION_KEY)


def teams_of(user):
    return dict(Membership.objects.filter(user=user).values_list("team__slug", "role"))


def test_callback_first_sign_in_creates_the_account(client, idp):
    """The first sign-in through the provider makes an account, linked by subject."""
    response = sign_in(client, idp, "ada", next_url="/me/")

    assert response.status_code == 302
    assert response["Location"] == "/me/"
    user = User.objects.get(identities__subject="ada", identities__issuer=idp.issuer)
    assert (user.username, user.email, user.first_name) == ("ada", "ada@example.com", "")
    assert not user.has_usable_password()
    assert signed_in(client) == str(user.pk)


def test_callback_second_sign_in_finds_the_same_account_even_with_a_new_address(client, idp):
    """The subject, not the e-mail address, identifies the person; the address follows."""
    sign_in(client, idp, "ada")
    idp.account("ada", email="ada.lovelace@example.com")
    client.post(reverse("accounts:logout"))

    sign_in(client, idp, "ada")

    user = User.objects.get()
    assert user.email == "ada.lovelace@example.com"
    assert signed_in(client) == str(user.pk)


def test_callback_never_links_an_existing_account_by_e_mail(client, idp):
    """A password account with the provider's address is not taken over: a new one is
    made, with a username of its own."""
    MembershipFactory(user__username="ada", user__email="ada@example.com")

    sign_in(client, idp, "ada")

    newcomer = User.objects.get(identities__subject="ada")
    assert newcomer.username == "ada-2"
    assert User.objects.get(username="ada").identities.count() == 0


def test_callback_signs_in_a_password_account_an_admin_linked(client, idp):
    """An administrator links an existing account by adding its issuer and subject."""
    identity = IdentityFactory(issuer=idp.issuer, subject="ada", user__username="ada.old")

    sign_in(client, idp, "ada")

    assert signed_in(client) == str(identity.user.pk)
    assert User.objects.count() == 1


def test_callback_puts_the_member_in_the_mapped_teams(client, idp):
    """Each mapped group puts its holders in its team with its role; a manual membership
    in another team stays."""
    engineering = GroupMappingFactory(claim_value="engineering", team__slug="eng")
    GroupMappingFactory(claim_value="platform-leads", team__slug="platform", role=Role.MANAGER)
    GroupMappingFactory(claim_value="engineering", team=TeamFactory(slug="all-hands"))
    GroupMappingFactory(claim_value="sales", team__slug="sales")
    manual = MembershipFactory(team__slug="book-club")
    IdentityFactory(user=manual.user, issuer=idp.issuer, subject="grace")

    sign_in(client, idp, "grace")

    assert teams_of(manual.user) == {
        "eng": Role.MEMBER,
        "all-hands": Role.MEMBER,
        "platform": Role.MANAGER,
        "book-club": Role.MEMBER,
    }
    assert not DirectoryMembership.objects.filter(membership=manual).exists()
    assert engineering.team.memberships.get().directory


def test_callback_follows_a_changed_group(client, idp):
    """When the provider moves someone to another group, their mapped membership moves
    with it at the next sign-in; a team they were in by hand keeps them."""
    GroupMappingFactory(claim_value="engineering", team__slug="eng")
    GroupMappingFactory(claim_value="engineering", team__slug="guild")
    GroupMappingFactory(claim_value="design", team__slug="design")
    sign_in(client, idp, "ada")
    user = User.objects.get()
    guild = Membership.objects.get(user=user, team__slug="guild")
    guild.directory.delete()  # a manager took them into the guild by hand as well
    client.post(reverse("accounts:logout"))

    idp.account("ada", groups=["design"])
    sign_in(client, idp, "ada")

    assert teams_of(user) == {"design": Role.MEMBER, "guild": Role.MEMBER}


def test_callback_follows_a_changed_role(client, idp):
    """A mapping whose role changes changes the mapped membership's role."""
    mapping = GroupMappingFactory(claim_value="engineering", team__slug="eng")
    sign_in(client, idp, "ada")
    mapping.role = Role.MANAGER
    mapping.save()
    client.post(reverse("accounts:logout"))

    sign_in(client, idp, "ada")

    assert teams_of(User.objects.get()) == {"eng": Role.MANAGER}


def test_callback_refuses_a_user_disabled_at_the_provider(client, idp):
    """The provider refuses a disabled account: the site says so and creates nothing."""
    GroupMappingFactory(claim_value="engineering")

    response = sign_in(client, idp, "mallory")

    assert response.status_code == 403
    assert "refused to sign you in: This account is disabled." in response.content.decode()
    assert not User.objects.exists()
    assert not Membership.objects.exists()


def test_callback_refuses_a_user_switched_off_here(client, idp):
    """A user an administrator deactivated here cannot come back through the provider,
    and their memberships are not touched."""
    GroupMappingFactory(claim_value="engineering", team__slug="eng")
    identity = IdentityFactory(issuer=idp.issuer, subject="ada", user__is_active=False)
    MembershipFactory(user=identity.user, team__slug="old")

    response = sign_in(client, idp, "ada")

    assert response.status_code == 403
    assert "switched off on this site" in response.content.decode()
    assert signed_in(client) is None
    assert teams_of(identity.user) == {"old": Role.MEMBER}


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("forged", "signature does not match"),
        ("expired", "The ID token has expired"),
        ("wrong_audience", "issued to another application"),
        ("wrong_issuer", "comes from another identity provider"),
        ("malformed", "could not be read"),
        ("unknown_key", "does not publish"),
    ],
)
def test_callback_refuses_a_bad_id_token(client, idp, tamper, message):
    """A forged, expired, misaddressed or unreadable ID token gets a clear 400; no account
    is made, nobody is signed in, and the visitor's anonymous work is kept."""
    GroupMappingFactory(claim_value="engineering")
    step = commit_anonymously(client, full_lesson())
    idp.tamper(tamper)

    response = sign_in(client, idp, "ada")

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert not Membership.objects.exists()
    assert signed_in(client) is None
    commit = Commit.objects.get(step=step)
    assert commit.learner.user is None

    idp.tamper("")
    sign_in(client, idp, "ada")
    commit.refresh_from_db()
    assert commit.learner.user == User.objects.get()


def test_callback_refuses_an_id_token_with_a_replayed_nonce(client, idp):
    """An ID token carrying the nonce of an earlier sign-in is refused."""
    sign_in(client, idp, "ada")
    client.post(reverse("accounts:logout"))
    idp.tamper("replayed_nonce")

    response = sign_in(client, idp, "ada")

    assert response.status_code == 400
    assert "belongs to another sign-in" in response.content.decode()
    assert signed_in(client) is None


def test_callback_refuses_a_replayed_answer(client, idp):
    """A provider answer (code and state) works once: replayed in the same browser or in
    another one, it is refused with a clear 400 and signs nobody in."""
    url = callback_url(client, idp, "ada")
    assert client.get(url).status_code == 302
    client.post(reverse("accounts:logout"))

    again = client.get(url)
    elsewhere = Client().get(url)

    for response in (again, elsewhere):
        assert response.status_code == 400
        assert "already used" in response.content.decode()
    assert signed_in(client) is None
    assert User.objects.count() == 1


def test_callback_refuses_a_code_whose_state_was_swapped(client, idp):
    """A state from this browser with another sign-in's code: the provider refuses the
    code (PKCE and one use), and the site says so instead of failing."""
    first = callback_url(client, idp, "ada")
    second = callback_url(client, idp, "ada")
    code = first.split("code=", 1)[1].split("&", 1)[0]
    client.get(first)
    client.post(reverse("accounts:logout"))
    swapped = second.replace(second.split("code=", 1)[1].split("&", 1)[0], code)

    response = client.get(swapped)

    assert response.status_code == 400
    assert signed_in(client) is None


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?code=abc",
        "?state=abc",
        "?code=abc&state=not-ours",
        "?error=server_error&state=x",
        "?error=%00",
    ],
)
def test_callback_answers_garbage_with_a_clear_400(client, idp, query):
    """A callback without a usable answer from the provider is a 400 page that says why."""
    response = client.get(reverse("sso:callback") + query)

    assert response.status_code == 400
    assert signed_in(client) is None


def test_start_with_the_provider_down_says_so(client, idp, settings):
    """With the provider unreachable, the sign-in page says so with a 502, not a crash."""
    settings.OIDC_ISSUER = "http://127.0.0.1:9"

    response = client.get(reverse("sso:start"))

    assert response.status_code == 502
    assert "could not be reached" in response.content.decode()


def test_sso_pages_are_404_while_single_sign_on_is_off(client, settings):
    """Without OIDC_ISSUER the sign-in addresses do not exist."""
    settings.OIDC_ISSUER = ""

    assert client.get(reverse("sso:start")).status_code == 404
    assert client.get(reverse("sso:callback") + "?code=a&state=b").status_code == 404


def test_callback_carries_anonymous_progress_into_the_account(client, idp):
    """What the visitor did before signing in through the provider becomes the account's."""
    step = commit_anonymously(client, full_lesson())

    sign_in(client, idp, "ada")

    assert Commit.objects.get(step=step).learner.user == User.objects.get()


def test_callback_staff_still_need_this_sites_second_factor(client, idp):
    """Staff signing in through the provider meet the admin's second-factor step, even
    when the provider reports one, unless OIDC_TRUST_AMR trusts it."""
    staff = IdentityFactory(issuer=idp.issuer, subject="grace", user__is_staff=True).user
    enrol(staff)

    sign_in(client, idp, "grace")

    assert client.get("/admin/")["Location"].startswith(reverse("security:verify"))


def test_callback_staff_skip_the_code_when_the_provider_asserted_a_trusted_factor(
    client, idp, settings
):
    """With OIDC_TRUST_AMR naming a method the provider reports in amr, staff reach the
    admin without this site's code; a method not trusted does not count."""
    settings.OIDC_TRUST_AMR = ["mfa", "hwk"]
    grace = IdentityFactory(issuer=idp.issuer, subject="grace", user__is_staff=True).user
    ada = IdentityFactory(issuer=idp.issuer, subject="ada", user__is_staff=True).user
    enrol(grace)
    step = commit_anonymously(client, full_lesson())

    sign_in(client, idp, "grace")

    assert client.get("/admin/").status_code == 200
    assert Commit.objects.get(step=step).learner.user == grace
    other = Client()
    sign_in(other, idp, "ada")
    assert other.get("/admin/")["Location"].startswith(reverse("security:enrol"))
    assert Identity.objects.get(user=ada).last_sign_in_at is not None


@pytest.mark.django_db(transaction=True)
def test_sso_urls_answer_malformed_input_below_500_with_the_provider_on(idp):
    """The bad-input sweep over the sign-in addresses while single sign-on is on (the
    site-wide sweep runs with it off): no 5xx, no account made."""
    routes = [(template(route), name) for route, name in patterns() if name.startswith("sso:")]
    assert len(routes) == 2

    failures = sweep(csrf_client(), routes) + sweep(csrf_client(UserFactory()), routes)

    assert failures == []
    assert User.objects.count() == 1
    assert not Identity.objects.exists()


def test_identity_sign_in_twice_at_once_makes_one_account(idp, monkeypatch):
    """When a first sign-in loses the race to another for the same person, it signs in as
    the account the other one made instead of failing."""
    from trainer.sso import services

    claims = {"sub": "ada", "preferred_username": "ada", "email": "ada@example.com"}
    real = services._identity_sign_in
    calls = []

    def other_tab_first(**kwargs):
        if not calls:
            calls.append("raced")
            real(**kwargs)  # the other tab's sign-in commits first
            raise IntegrityError("duplicate key value violates one_user_per_subject")
        return real(**kwargs)

    monkeypatch.setattr(services, "_identity_sign_in", other_tab_first)

    user = services.identity_sign_in(issuer=idp.issuer, claims=claims)

    assert User.objects.get() == user
    assert Identity.objects.get().user == user


def test_callback_shows_the_providers_words_only_for_a_sign_in_started_here(client, idp):
    """A crafted link with an error description shows none of its text."""
    url = reverse("sso:callback") + "?error=access_denied&error_description=Call+0800+SCAM"

    response = client.get(url)

    assert response.status_code == 403
    assert "SCAM" not in response.content.decode()
    assert "refused to sign you in." in response.content.decode()
