"""Policy cases in the admin, with a live preview of what the evaluator decides for them."""

import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.template.loader import render_to_string
from django.urls import path
from django.utils.html import format_html

from .admin_base import ContentAdmin
from .cases import run
from .forms import PolicyCaseForm
from .models import PolicyCase
from .playground import present
from .policy import PolicyError


def policy_case_preview_html(policies, request_data) -> str:
    """The evaluator's decision and trace for a case as authored, or why it cannot decide."""
    try:
        policy_objects, result = run(policies, request_data)
    except PolicyError as exc:
        return render_to_string("lessons/policy/_admin_preview.html", {"error": str(exc)})
    documents = [
        {"type": str(p.type), "name": p.name, "document": p.document, "level": p.level}
        for p in policy_objects
    ]
    return render_to_string(
        "lessons/policy/_admin_preview.html", {"evaluation": present(documents, result)}
    )


@admin.register(PolicyCase)
class PolicyCaseAdmin(ContentAdmin):
    """Policy cases, with a live preview of what the evaluator decides for them."""

    form = PolicyCaseForm
    listed = True
    list_display = ["__str__", "lesson", "difficulty", "decision", "deciding_policy"]
    list_filter = ["lesson", "difficulty", "decision"]
    list_select_related = ["lesson"]
    search_fields = ["title", "scenario"]
    readonly_fields = ["preview"]
    fieldsets = [
        (None, {"fields": ["lesson", ("order", "difficulty"), "title", "scenario"]}),
        ("The policies and the request", {"fields": ["policies", "request", "preview"]}),
        ("After the reveal", {"fields": ["explanation", "misconception"]}),
    ]

    class Media:
        css = {"all": ["lessons/policy.css"]}
        js = ["lessons/admin-policy-preview.js"]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("preview/", view(self.preview_view), name="lessons_policycase_preview"),
            *super().get_urls(),
        ]

    @admin.display(description="What the evaluator decides")
    def preview(self, case):
        if case is None or case.pk is None:
            html = render_to_string(
                "lessons/policy/_admin_preview.html",
                {"error": "Write the policies and the request to see the decision."},
            )
        else:
            html = policy_case_preview_html(case.policies, case.request)
        return format_html('<div id="policy-case-preview">{}</div>', html)

    def preview_view(self, request):
        """The preview for the policies and request being typed (admin-policy-preview.js)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        try:
            policies = json.loads(request.POST.get("policies", ""))
            request_data = json.loads(request.POST.get("request", ""))
        except ValueError:
            html = render_to_string(
                "lessons/policy/_admin_preview.html",
                {"error": "The policies and the request must both be valid JSON."},
            )
            return HttpResponseBadRequest(html)
        return HttpResponse(
            policy_case_preview_html(policies, request_data),
            content_type="text/html; charset=utf-8",
        )
