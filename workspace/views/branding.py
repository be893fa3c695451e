"""The firm's logo and colour for the candidate pages (public: a candidate has no login), served from the
database: the colour as a small stylesheet, since the pages' CSP allows no inline style."""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from recruiting.branding import firm_settings, text_colour_on
from recruiting.models import FirmSettings

CACHE_SECONDS = 300


@require_GET
def firm_logo(request: HttpRequest) -> HttpResponse:
    row = FirmSettings.objects.filter(pk=FirmSettings.SINGLETON_PK).exclude(logo_type="").first()
    if row is None:
        raise Http404
    response = HttpResponse(bytes(row.logo), content_type=row.logo_type)
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def firm_theme(request: HttpRequest) -> HttpResponse:
    colour = firm_settings().colour
    css = (
        f":root {{ --firm-colour: {colour}; --firm-text: {text_colour_on(colour)}; }}\n"
        ".firm-header { background: var(--firm-colour); color: var(--firm-text); }\n"
        ".firm-header .firm-name { color: var(--firm-text); }\n"
    )
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links to (the admin's pages and files opened
    directly included): send them to the icon among the static files."""
    return HttpResponsePermanentRedirect(static("img/favicon.ico"))
