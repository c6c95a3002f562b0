"""The certificate pages: public by their unguessable id, and nothing on them writes.

The page, the PDF and the credential are all reachable by anyone holding the link, as a
certificate is meant to be shown: they carry the name, the lesson, the day and the verdict
and nothing else (no account id, no e-mail address). The ids are random UUIDs, so the
links cannot be guessed or enumerated.
"""

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from . import credentials, pdf, services
from .forms import VerifyForm
from .models import STATUS_LIST_SIZE, Certificate, status_position

# Long enough for a revocation to show soon, short enough to spare the server.
PUBLIC_MAX_AGE = 300


def _certificate(public_id) -> Certificate:
    return get_object_or_404(Certificate.objects.select_related("lesson"), public_id=public_id)


@require_GET
# Private: the page carries the visitor's own CSRF token (the site's header has forms).
@cache_control(private=True, max_age=PUBLIC_MAX_AGE)
def certificate_detail(request, public_id):
    certificate = _certificate(public_id)
    context = {"certificate": certificate, "issuer_name": settings.CERTIFICATE_ISSUER_NAME}
    return render(request, "certificates/certificate_detail.html", context)


@require_GET
@cache_control(public=True, max_age=PUBLIC_MAX_AGE)
def certificate_pdf(request, public_id):
    certificate = _certificate(public_id)
    document = pdf.render(
        render_to_string(
            "certificates/certificate_pdf.html",
            {
                "certificate": certificate,
                "issuer_name": settings.CERTIFICATE_ISSUER_NAME,
                "url": credentials.absolute(certificate.get_absolute_url()),
            },
        )
    )
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="certificate-{certificate.lesson.slug}.pdf"'
    )
    return response


@require_GET
@cache_control(public=True, max_age=PUBLIC_MAX_AGE)
def certificate_credential(request, public_id):
    certificate = _certificate(public_id)
    response = HttpResponse(
        credentials.credential_jwt(certificate), content_type="application/vc+jwt"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.lesson.slug}.jwt"'
    )
    return response


@require_GET
@cache_control(public=True, max_age=PUBLIC_MAX_AGE)
def status_list(request, number):
    certificates = Certificate.objects.in_status_list(number)
    if number < 1 or not certificates.exists():
        raise Http404("No such status list.")
    revoked = certificates.exclude(revoked_at=None).values_list("pk", flat=True)
    token = credentials.status_list_jwt(
        number, [status_position(pk)[1] for pk in revoked], STATUS_LIST_SIZE
    )
    return HttpResponse(token, content_type="application/vc+jwt")


@require_GET
@cache_control(public=True, max_age=3600)
def did_document(request):
    return JsonResponse(
        credentials.did_document(),
        content_type="application/did+json",
        json_dumps_params={"indent": 2},
    )


@require_http_methods(["GET", "POST"])
def verify(request):
    """Paste or upload a credential; the answer says whether it holds, and why not."""
    result, status = None, 200
    posted = request.method == "POST"
    form = VerifyForm(request.POST, request.FILES) if posted else VerifyForm()
    if posted:
        if form.is_valid():
            try:
                result = {"certificate": services.certificate_for_credential(form.token())}
            except credentials.CredentialError as exc:
                result, status = {"error": str(exc)}, 400
        else:
            status = 400
    return render(
        request,
        "certificates/certificate_verify.html",
        {"form": form, "result": result},
        status=status,
    )
