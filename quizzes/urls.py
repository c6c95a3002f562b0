from django.urls import path

from . import views

app_name = "quizzes"

urlpatterns = [
    path("commit/<kind>/<id:pk>/", views.commit, name="commit"),
    path("practice/", views.practice, name="practice"),
    path("practice/retry/", views.practice_retry, name="practice-retry"),
    path("practice/hint/<id:pk>/", views.hint, name="hint"),
    path("test/", views.test_intro, name="test"),
    path("test/start/", views.test_start, name="test-start"),
    path("test/<id:number>/", views.test_attempt, name="test-attempt"),
    path("test/<id:number>/answer/<id:pk>/", views.test_answer, name="test-answer"),
    path("test/<id:number>/finish/", views.test_finish, name="test-finish"),
]
