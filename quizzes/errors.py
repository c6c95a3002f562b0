"""Why a learner's write was refused, named by the rule it broke, never by an HTTP status.

``quizzes.decorators.refusals_as_responses`` is the one place that turns them into responses.
"""


class CommitRefused(Exception):
    """A write a rule refuses; the subclass names the rule."""


class NotFound(CommitRefused):
    """The item, attempt or question is not one this learner can reach."""


class NotAnOption(CommitRefused):
    """The answer is not one of the options the item offers."""


class NotInAttempt(CommitRefused):
    """The question is not part of the attempt it is answered in."""


class NotOpen(CommitRefused):
    """The attempt is already finished, or the step is not open yet."""
