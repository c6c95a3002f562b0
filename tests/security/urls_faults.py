"""The site's URLs plus one view that fails, to see what a 500 shows (test_faults)."""

from django.urls import path

from trainer.urls import handler400, handler403, handler404, handler500
from trainer.urls import urlpatterns as site

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def boom(request):
    raise RuntimeError("secret detail: /srv/trainer/settings.py SELECT password FROM auth_user")


urlpatterns = [path("boom/", boom), *site]
