"""Team pages. A team is always fetched through what the user may see or run, so another
team's slug or id answers 404, and no page here writes anyone's progress or scores."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import permissions, reports, rules, services
from .forms import AssignmentForm, DashboardQuery, MembershipForm, TeamForm
from .models import Role

PER_PAGE = 50
# The completion chart's plot area, inside a margin for the axis labels.
CHART = {"width": 600, "height": 160, "middle": 80, "box_width": 660, "box_height": 200}


def _bad_request(request, message: str):
    return render(request, "teams/bad_request.html", {"message": message}, status=400)


@login_required
@require_safe
def team_list(request):
    teams = permissions.teams_visible_to(request.user).annotate(
        member_count=Count("memberships", filter=Q(memberships__role=Role.MEMBER), distinct=True),
        assignment_count=Count("assignments", distinct=True),
    )
    context = {"teams": teams, "can_create": permissions.can_create_team(request.user)}
    return render(request, "teams/team_list.html", context)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def team_create(request):
    if not permissions.can_create_team(request.user):
        raise PermissionDenied
    form = TeamForm(request.POST) if request.method == "POST" else TeamForm()
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            team = services.team_create(
                name=data["name"],
                slug=data["slug"],
                manager_usernames=[data["manager"]] if data["manager"] else [],
            )
        except services.TeamRefused as refused:
            form.add_error(None, str(refused))
            status = refused.status
        else:
            messages.success(request, f"Team “{team.name}” created.")
            return redirect("teams:members", slug=team.slug)
    elif request.method == "POST":
        status = 400
    return render(request, "teams/team_form.html", {"form": form}, status=status)


def _query(request, team):
    """The validated GET parameters (None if invalid), the team's assignments, and those
    the parameters select; another team's assignment id raises 404."""
    query = DashboardQuery(request.GET)
    if not query.is_valid():
        return None, [], []
    assignments = reports.team_assignments(team)
    wanted = query.cleaned_data["assignment"]
    if wanted is None:
        return query.cleaned_data, assignments, assignments
    selected = [a for a in assignments if a.pk == wanted]
    if not selected:
        raise Http404("No such assignment in this team.")
    return query.cleaned_data, assignments, selected


@login_required
@never_cache
@require_safe
def dashboard(request, slug):
    team = get_object_or_404(permissions.teams_visible_to(request.user), slug=slug)
    query, assignments, selected = _query(request, team)
    if query is None:
        return _bad_request(request, "Sort by name, progress or state, and ask for a page number.")
    report = reports.team_report(team, today=timezone.localdate(), assignments=selected)
    sort = query["sort"] or "name"
    try:
        page = Paginator(reports.sort_rows(report.rows, sort), PER_PAGE).page(query["page"] or 1)
    except EmptyPage:
        return _bad_request(request, "There is no such page.")
    context = {
        "team": team,
        "report": report,
        "page": page,
        "sort": sort,
        "sort_label": reports.SORT_LABELS[sort],
        "sort_choices": reports.SORT_LABELS.items(),
        "selected": query["assignment"],
        "assignments": assignments,
        "bars": rules.chart_bars(report.timeline, width=CHART["width"], height=CHART["height"]),
        "chart": CHART,
        "misconceptions": reports.misconceptions(team, report.assignments),
        "can_manage": permissions.can_manage_team(request.user, team),
    }
    return render(request, "teams/team_dashboard.html", context)


@login_required
@never_cache
@require_safe
def export(request, slug):
    team = get_object_or_404(permissions.teams_visible_to(request.user), slug=slug)
    query, _, selected = _query(request, team)
    if query is None:
        return _bad_request(request, "That export filter is not valid.")
    today = timezone.localdate()
    report = reports.team_report(team, today=today, assignments=selected)
    filename = f"team-{team.slug}-completion-{today:%Y-%m-%d}.csv"
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    writer = csv.writer(response)
    writer.writerow(reports.EXPORT_HEADER)
    writer.writerows(reports.export_rows(report))
    return response


def _members_page(request, team, form, *, status=200, error=""):
    memberships = team.memberships.select_related("user").order_by("role", "user__username")
    context = {"team": team, "form": form, "memberships": memberships, "error": error}
    return render(request, "teams/membership_list.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def members(request, slug):
    team = get_object_or_404(permissions.teams_managed_by(request.user), slug=slug)
    if request.method != "POST":
        return _members_page(request, team, MembershipForm())
    form = MembershipForm(request.POST)
    if not form.is_valid():
        return _members_page(request, team, form, status=400)
    try:
        membership, created = services.membership_add(team=team, **form.cleaned_data)
    except services.TeamRefused as refused:
        form.add_error("username", str(refused))
        return _members_page(request, team, form, status=refused.status)
    verb = "added to" if created else "is now a " + membership.get_role_display().lower() + " of"
    messages.success(request, f"{membership.user.get_username()} {verb} {team.name}.")
    return redirect("teams:members", slug=team.slug)


@login_required
@require_POST
def member_remove(request, slug, pk):
    team = get_object_or_404(permissions.teams_managed_by(request.user), slug=slug)
    membership = get_object_or_404(team.memberships.select_related("user"), pk=pk)
    try:
        services.membership_remove(team=team, membership=membership)
    except services.TeamRefused as refused:
        return _members_page(
            request, team, MembershipForm(), status=refused.status, error=str(refused)
        )
    messages.success(request, f"{membership.user.get_username()} removed from {team.name}.")
    return redirect("teams:members", slug=team.slug)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def assignment_create(request, slug):
    team = get_object_or_404(permissions.teams_managed_by(request.user), slug=slug)
    data = request.POST if request.method == "POST" else None
    form = AssignmentForm(data, team=team)
    status = 200
    if form.is_valid():
        try:
            services.assignment_create(team=team, created_by=request.user, **form.cleaned_data)
        except services.TeamRefused as refused:
            form.add_error(None, str(refused))
            status = refused.status
        else:
            messages.success(request, f"{form.cleaned_data['lesson'].title} assigned.")
            return redirect(team)
    elif data is not None:
        status = 400
    context = {"team": team, "form": form, "assignment": None}
    return render(request, "teams/assignment_form.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def assignment_edit(request, slug, pk):
    team = get_object_or_404(permissions.teams_managed_by(request.user), slug=slug)
    assignment = get_object_or_404(team.assignments.select_related("lesson"), pk=pk)
    data = request.POST if request.method == "POST" else None
    initial = {"due_date": assignment.due_date, "minimum_verdict": assignment.minimum_verdict}
    form = AssignmentForm(data, team=team, assignment=assignment, initial=initial)
    if form.is_valid():
        services.assignment_update(assignment=assignment, **form.cleaned_data)
        messages.success(request, f"{assignment.lesson.title}: assignment updated.")
        return redirect(team)
    context = {"team": team, "form": form, "assignment": assignment}
    status = 400 if data is not None else 200
    return render(request, "teams/assignment_form.html", context, status=status)


@login_required
@require_POST
def assignment_delete(request, slug, pk):
    team = get_object_or_404(permissions.teams_managed_by(request.user), slug=slug)
    assignment = get_object_or_404(team.assignments.select_related("lesson"), pk=pk)
    services.assignment_delete(assignment=assignment)
    messages.success(request, f"{assignment.lesson.title} is no longer assigned.")
    return redirect(team)
