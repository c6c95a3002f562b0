"""What other parts of the site may listen to, sent once the transaction that wrote it commits.

Listeners live where they are needed (learning records, certificates), so ``quizzes`` knows
nothing of them and imports stay one-way.

Each signal has a twin, ``signal.in_transaction``, sent with the same arguments at once,
inside the transaction that writes the record. It is for a listener whose own write must
stand or fall with the learner's (the learning-record queue): what it writes commits with
the record or not at all, so no crash between the two can lose it. Such a listener keeps
to one cheap write, since it runs under the learner's lock, and an error in it fails the
learner's request.
"""

from django.db import transaction
from django.dispatch import Signal


class RecordSignal(Signal):
    """A signal sent after the transaction commits, with its twin sent inside it."""

    def __init__(self):
        super().__init__()
        self.in_transaction = Signal()


# A learner's first answer to an item was recorded: ``commit``.
commit_recorded = RecordSignal()
# An attempt (practice or pattern test) was finished: ``attempt``.
attempt_finished = RecordSignal()
# A learner completed a lesson (its progress reached 100 % and was not complete before):
# ``learner``, ``lesson``.
lesson_completed = RecordSignal()


def send_on_commit(signal: RecordSignal, **kwargs) -> None:
    """Send ``signal.in_transaction`` now, and ``signal`` after the current transaction
    commits (never if it rolls back)."""
    signal.in_transaction.send(sender=None, **kwargs)
    transaction.on_commit(lambda: signal.send(sender=None, **kwargs))
