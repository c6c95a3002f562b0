import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from lessons import cache as content_cache
from trainer import pagecache

MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """Static files collected as at deploy time: hashed names, compressed copies."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES=MANIFEST_STORAGE):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture(autouse=True)
def _fresh_content_cache():
    """Each test starts cold: nothing decoded or rendered in this process, nothing cached."""
    content_cache.clear_local()
    pagecache.clear()
    cache.clear()
    yield
    content_cache.clear_local()
    pagecache.clear()


def commit_url(lesson, kind, pk):
    return reverse("quizzes:commit", args=[lesson.slug, kind, pk])


def expected_option(step):
    return str(step.options.get(is_expected=True).pk)


def commit_everything(client, lesson):
    """Commit every prediction and myth of the lesson and the first practice question."""
    for step in lesson.steps.exclude(prediction_prompt=""):
        client.post(commit_url(lesson, "step", step.pk), {"answer": expected_option(step)})
    for myth in lesson.myths.all():
        client.post(commit_url(lesson, "myth", myth.pk), {"answer": "no"})
    question = lesson.questions.filter(kind="practice").first()
    if question is not None:
        choice = question.choices.get(is_correct=True)
        client.post(commit_url(lesson, "question", question.pk), {"answer": str(choice.pk)})
