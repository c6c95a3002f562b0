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

from . import (
    csv_export,
    misconceptions,
    my_learning,
    permissions,
    reports,
    roster_import,
    rules,
    services,
)
from .forms import (
    AnswerForm,
    AssignmentForm,
    DashboardQuery,
    ImportApplyForm,
    ImportForm,
    InvitationForm,
    RoleForm,
    TeamForm,
    preview_token,
)
from .models import Invitation, Role
from .roster import RowStatus

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
        "misconceptions": misconceptions.misconceptions(team, report.assignments),
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
    writer.writerow(csv_export.EXPORT_HEADER)
    writer.writerows(csv_export.export_rows(report))
    return response


INVITED = (
    "“{invitee}” is invited. If an account or a mailbox answers to that name, its owner "
    "can accept within {days} days; until then the team sees nothing of them."
)

JOINED = "You joined {team}. Its managers now see your progress on the lessons it assigns."
DECLINED = "You declined the invitation to {team}. The team sees nothing of you."


def _members_page(request, team, form, *, status=200, error=""):
    memberships = team.memberships.select_related("user").order_by("role", "user__username")
    context = {
        "team": team,
        "form": form,
        "memberships": memberships,
        "invitations": team.invitations.open().order_by("invitee"),
        "error": error,
    }
    return render(request, "teams/membership_list.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def members(request, slug):
    team = get_object_or_404(permissions.teams_managed_by(request.user), slug=slug)
    if request.method != "POST":
        return _members_page(request, team, InvitationForm())
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _members_page(request, team, form, status=400)
    try:
        invitation = services.invitation_create(
            team=team, invited_by=request.user, **form.cleaned_data
        )
    except services.TeamRefused as refused:
        form.add_error("invitee", str(refused))
        return _members_page(request, team, form, status=refused.status)
    messages.success(
        request, INVITED.format(invitee=invitation.invitee, days=rules.INVITATION_DAYS)
    )
    return redirect("teams:members", slug=team.slug)


def _import_page(request, team, form, *, status=200, error=""):
    context = {"team": team, "form": form, "days": rules.INVITATION_DAYS, "error": error}
    return render(request, "teams/invitation_import.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_import(request, slug):
    """Upload a CSV of addresses; the answer is a preview of what applying it would do."""
    team = get_object_or_404(permissions.teams_managed_by(request.user), slug=slug)
    if request.method != "POST":
        return _import_page(request, team, ImportForm())
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, team, form, status=400)
    roster = form.cleaned_data["roster"]
    rows = roster_import.invitation_import_preview(team=team, roster=roster)
    to_invite = [row for row, status in rows if status == RowStatus.INVITE]
    token = preview_token(team=team, user=request.user, rows=roster.rows, at=timezone.now())
    context = {
        "team": team,
        "rows": rows,
        "roster": roster,
        "to_invite": len(to_invite),
        "left_alone": len(rows) - len(to_invite),
        "token": token,
        "days": rules.INVITATION_DAYS,
    }
    # Nothing in the file can be invited: the upload was not understood as a list of people.
    status = 200 if rows else 400
    return render(request, "teams/invitation_import_preview.html", context, status=status)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


@login_required
@require_POST
def invitation_import_apply(request, slug):
    """Invite everyone a preview showed; applying the same preview again invites no one."""
    team = get_object_or_404(permissions.teams_managed_by(request.user), slug=slug)
    form = ImportApplyForm(request.POST, team=team, user=request.user)
    if not form.is_valid():
        error = form.errors["token"][0]
        return _import_page(request, team, ImportForm(), status=400, error=error)
    preview = form.cleaned_data["token"]
    try:
        result = roster_import.invitation_import(
            team=team, rows=preview.rows, previewed_at=preview.at, invited_by=request.user
        )
    except services.TeamRefused as refused:
        return _import_page(request, team, ImportForm(), status=refused.status, error=str(refused))
    if result.invited:
        text = (
            f"{_plural(result.invited, 'address', 'addresses')} invited. Each can accept "
            f"within {rules.INVITATION_DAYS} days; until then the team sees nothing of them."
        )
    else:
        text = (
            "No one new was invited: every address in the file is already invited or in the team."
        )
    if result.invited and result.left_alone:
        text += (
            f" {_plural(result.left_alone, 'address was', 'addresses were')} already invited "
            "or in the team and left alone."
        )
    messages.success(request, text)
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
            request, team, InvitationForm(), status=refused.status, error=str(refused)
        )
    messages.success(request, f"{membership.user.get_username()} removed from {team.name}.")
    return redirect("teams:members", slug=team.slug)


@login_required
@require_POST
def member_role(request, slug, pk):
    team = get_object_or_404(permissions.teams_managed_by(request.user), slug=slug)
    membership = get_object_or_404(team.memberships.select_related("user"), pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _members_page(
            request, team, InvitationForm(), status=400, error="That is not a team role."
        )
    try:
        services.membership_set_role(team=team, membership=membership, **form.cleaned_data)
    except services.TeamRefused as refused:
        return _members_page(
            request, team, InvitationForm(), status=refused.status, error=str(refused)
        )
    role = membership.get_role_display().lower()
    messages.success(request, f"{membership.user.get_username()} is now a {role}.")
    return redirect("teams:members", slug=team.slug)


@login_required
@require_POST
def invitation_revoke(request, slug, pk):
    team = get_object_or_404(permissions.teams_managed_by(request.user), slug=slug)
    invitation = get_object_or_404(team.invitations.open(), pk=pk)
    services.invitation_revoke(team=team, invitation=invitation)
    messages.success(request, f"The invitation to “{invitation.invitee}” is withdrawn.")
    return redirect("teams:members", slug=team.slug)


# The invited person's side ---------------------------------------------------------------


def _invitations_context(user, *, announce="", error=""):
    return {
        "invitations": my_learning.invitations_for(user),
        "memberships": user.team_memberships.select_related("team").order_by("team__name"),
        "announce": announce,
        "error": error,
    }


@login_required
@never_cache
@require_safe
def invitations(request):
    """The open invitations addressed to the signed-in person, and the teams they are in."""
    return render(request, "teams/invitation_list.html", _invitations_context(request.user))


def _answered(request, *, message="", refused=None):
    """The invitations fragment for htmx; otherwise back to the invitations page (PRG)."""
    status = refused.status if refused else 200
    text = str(refused) if refused else message
    if request.htmx:
        context = _invitations_context(request.user, announce=text)
        return render(request, "teams/_invitations.html", context, status=status)
    if refused:
        context = _invitations_context(request.user, error=text)
        return render(request, "teams/invitation_list.html", context, status=status)
    messages.success(request, text)
    return redirect("teams:invitations")


def _addressed(request, pk):
    """An invitation addressed to the signed-in person; anyone else's id answers 404."""
    queryset = Invitation.objects.addressed_to(request.user).select_related("team")
    return get_object_or_404(queryset, pk=pk)


@login_required
@require_POST
def invitation_accept(request, pk):
    invitation = _addressed(request, pk)
    try:
        services.invitation_accept(invitation=invitation, user=request.user)
    except services.TeamRefused as refused:
        return _answered(request, refused=refused)
    return _answered(request, message=JOINED.format(team=invitation.team.name))


@login_required
@require_POST
def invitation_decline(request, pk):
    invitation = _addressed(request, pk)
    try:
        services.invitation_decline(invitation=invitation, user=request.user)
    except services.TeamRefused as refused:
        return _answered(request, refused=refused)
    return _answered(request, message=DECLINED.format(team=invitation.team.name))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_claim(request, token):
    """The page an e-mailed invitation links to: whoever signed in answers it."""
    invitation = services.invitation_by_token(token)
    if invitation is None:
        raise Http404("No such invitation, or it was answered, withdrawn or expired.")
    form = AnswerForm(request.POST) if request.method == "POST" else AnswerForm()
    status = 200
    if form.is_valid():
        answer = (
            services.invitation_accept
            if form.cleaned_data["answer"] == "accept"
            else services.invitation_decline
        )
        try:
            answer(invitation=invitation, user=request.user)
        except services.TeamRefused as refused:
            form.add_error(None, str(refused))
            status = refused.status
        else:
            done = JOINED if form.cleaned_data["answer"] == "accept" else DECLINED
            messages.success(request, done.format(team=invitation.team.name))
            return redirect("teams:invitations")
    elif request.method == "POST":
        status = 400
    context = {"invitation": invitation, "form": form, "token": token}
    return render(request, "teams/invitation_claim.html", context, status=status)


@login_required
@require_POST
def leave(request, slug):
    """The signed-in person leaves one of their teams."""
    membership = get_object_or_404(
        request.user.team_memberships.select_related("team"), team__slug=slug
    )
    try:
        services.membership_leave(membership=membership)
    except services.TeamRefused as refused:
        context = _invitations_context(request.user, error=str(refused))
        return render(request, "teams/invitation_list.html", context, status=refused.status)
    messages.success(request, f"You left {membership.team.name}. It sees nothing of you now.")
    return redirect("teams:invitations")


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
