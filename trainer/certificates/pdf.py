"""A certificate's PDF, drawn by WeasyPrint from an HTML template."""

import weasyprint


def _no_fetching(url, *args, **kwargs):
    # Everything the PDF shows is in its template: nothing is fetched, from anywhere.
    raise ValueError(f"The certificate PDF loads nothing ({url}).")


def render(html: str) -> bytes:
    return weasyprint.HTML(string=html, url_fetcher=_no_fetching).write_pdf()
