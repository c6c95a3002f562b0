from datetime import timedelta
from functools import cached_property

from django.db.models.functions import TruncDate
from django.utils import timezone

from . import scoring
from .learners import learner_for
from .models import CardReview, CardSchedule, Commit


class Learning:
    """The header's encouragement: cards due, the week streak and today's commits.

    Each figure is read only when a template shows it, so fragments cost nothing.
    """

    def __init__(self, request):
        self.request = request

    @cached_property
    def learner(self):
        return learner_for(self.request)

    @cached_property
    def due(self):
        if self.learner is None:
            return 0
        return CardSchedule.objects.filter(learner=self.learner, due__lte=timezone.now()).count()

    @cached_property
    def _days(self):
        if self.learner is None:
            return set()
        since = timezone.now() - timedelta(weeks=104)
        days = set()
        for model, field in ((Commit, "created_at"), (CardReview, "reviewed_at")):
            days |= set(
                model.objects.filter(learner=self.learner, **{f"{field}__gte": since})
                .annotate(day=TruncDate(field))
                .order_by()  # else Commit's default ordering joins DISTINCT: every row
                .values_list("day", flat=True)
                .distinct()
            )
        return days

    @cached_property
    def streak(self):
        def monday(day):
            return day - timedelta(days=day.weekday())

        return scoring.week_streak({monday(d) for d in self._days}, monday(timezone.localdate()))

    @cached_property
    def today(self):
        if self.learner is None:
            return 0
        start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        return Commit.objects.filter(learner=self.learner, created_at__gte=start).count()


def learning(request):
    return {"learning": Learning(request)}
