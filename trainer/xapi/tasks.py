"""The sender as a django.tasks task, for a site that runs a task worker instead of cron.

Its result is a summary of the run; statements the LRS did not take stay queued with
their error, as with ``manage.py send_statements``.
"""

from django.tasks import task

from .services import statements_send


@task
def send_statements(batch_size: int | None = None) -> dict:
    report = statements_send(batch_size=batch_size)
    return {"sent": report.sent, "kept": report.kept, "errors": list(report.errors)}
