"""What other parts of the site may listen to, sent once the transaction that wrote it commits.

Listeners live where they are needed (learning records, certificates), so ``quizzes`` knows
nothing of them and imports stay one-way.
"""

from django.db import transaction
from django.dispatch import Signal

# A learner's first answer to an item was recorded: ``commit``.
commit_recorded = Signal()
# An attempt (practice or pattern test) was finished: ``attempt``.
attempt_finished = Signal()
# A learner completed a lesson for the first time: ``learner``, ``lesson``.
lesson_completed = Signal()


def send_on_commit(signal: Signal, **kwargs) -> None:
    """Send ``signal`` after the current transaction commits, and never if it rolls back."""
    transaction.on_commit(lambda: signal.send(sender=None, **kwargs))
