from django.core.management.base import BaseCommand

from trainer.certificates.services import certificates_issue_missing


class Command(BaseCommand):
    help = (
        "Issue every certificate learners have earned but not received: those who "
        "qualified before certificates existed, or while issuing failed. Safe to repeat."
    )

    def handle(self, *args, **options):
        issued = certificates_issue_missing()
        for certificate in issued:
            self.stdout.write(f"Issued: {certificate}")
        self.stdout.write(f"{len(issued)} certificate(s) issued.")
