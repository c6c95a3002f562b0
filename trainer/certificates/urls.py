from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("status/<id:number>/", views.status_list, name="status-list"),
    path("<uuid:public_id>/", views.certificate_detail, name="detail"),
    path("<uuid:public_id>/certificate.pdf", views.certificate_pdf, name="pdf"),
    path("<uuid:public_id>/credential.jwt", views.certificate_credential, name="credential"),
]
