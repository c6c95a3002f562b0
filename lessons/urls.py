"""Pages of a lesson that need only its content and the policy evaluator.

Included by trainer/urls.py under ``lessons/<slug>/``.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("lab/playground/", views.playground, name="policy-playground"),
    path("lab/playground/result/", views.playground_result, name="policy-playground-result"),
]
