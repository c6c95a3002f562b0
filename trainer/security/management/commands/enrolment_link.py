from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from trainer.security import enrolment, mfa


class Command(BaseCommand):
    help = (
        "Print a one-time link with which a user (typically staff) sets up their first "
        "second factor. It works once, in any session of that user, until it expires; "
        "an earlier unused link of theirs stops working."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--minutes",
            type=int,
            default=None,
            help="how long the link works (default: STAFF_ENROLMENT_LINK_MINUTES)",
        )
        parser.add_argument(
            "--base-url",
            default=None,
            help="the site's address, e.g. https://training.example.com (default: SITE_URL)",
        )

    def handle(self, *args, username, minutes=None, base_url=None, **options):
        if minutes is not None and not 1 <= minutes <= 7 * 24 * 60:
            raise CommandError("--minutes must be between 1 and 10080 (a week).")
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user {username!r}.")
        if mfa.second_factor_enabled(user):
            raise CommandError(
                f"{username} already has a second factor; replacing it takes a current code "
                "(they turn it off on their Two-factor page first)."
            )
        token = enrolment.grant_create(user=user, minutes=minutes)
        base = (base_url or getattr(settings, "SITE_URL", "") or "").rstrip("/")
        self.stdout.write(f"{base}{enrolment.link_path(token)}")
