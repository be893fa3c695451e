"""The API's one NinjaAPI: /api/v1/, its OpenAPI document and docs page, and every error as a problem."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from api import applications, records, webhook_routes
from api.auth import ApiKeyAuth, RateLimited
from api.problems import django_validation_errors, ninja_validation_errors, problem_response


class InloopAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs) -> dict:
        """Ninja's document, with every error answer described as what it is: application/problem+json."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
        return schema


api = InloopAPI(
    title="Inloop API",
    version="1",
    description="Candidates, clients, hiring managers, jobs and applications for the firm's applicant tracking "
    "system, through the same rules as the workspace. Authenticate with `Authorization: Bearer <key>`.",
    auth=ApiKeyAuth(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # The docs page's files are our static files; its validator badge would call an outside server.
    docs=Swagger(settings={"validatorUrl": None}),
)
api.add_router("", records.router)
api.add_router("", applications.router)
api.add_router("", webhook_routes.router)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return problem_response(
        status=401,
        detail="Send a valid, unrevoked API key as `Authorization: Bearer <key>`.",
        instance=request.path,
        headers={"WWW-Authenticate": 'Bearer realm="inloop"'},
    )


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, error: RateLimited) -> HttpResponse:
    return problem_response(
        status=429,
        detail=f"This key sent too many requests; try again in {error.retry_after} seconds.",
        instance=request.path,
        headers={"Retry-After": str(error.retry_after)},
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    detail = str(error) or "This key's user may not do this."
    return problem_response(status=403, detail=detail, instance=request.path)


@api.exception_handler(Http404)
@api.exception_handler(ObjectDoesNotExist)
def _not_found(request: HttpRequest, error: Exception) -> HttpResponse:
    return problem_response(status=404, detail=str(error) or "Nothing has this id.", instance=request.path)


@api.exception_handler(DjangoValidationError)
def _invalid(request: HttpRequest, error: DjangoValidationError) -> HttpResponse:
    errors = django_validation_errors(error)
    return problem_response(
        status=422, detail=" ".join(e["message"] for e in errors), instance=request.path, errors=errors
    )


@api.exception_handler(NinjaValidationError)
def _malformed(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    errors = ninja_validation_errors(error.errors)
    return problem_response(
        status=422, detail="The request does not match the API's schema.", instance=request.path, errors=errors
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return problem_response(status=error.status_code, detail=str(error.message), instance=request.path)


# Nothing to protect (it reads and writes nothing); without the exemption a PUT or PATCH to a wrong address
# would get the CSRF check's HTML page instead of the problem.
@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /api/v1/: a problem too, not the workspace's page."""
    return problem_response(status=404, detail="The API has no such address.", instance=request.path)


def urls() -> tuple[list, str, str]:
    """The URLconf of /api/v1/ (for path()): the API's routes, then not_found for anything else."""
    patterns, app_name, namespace = api.urls
    return [*patterns, path("<path:rest>", not_found, name="not_found")], app_name, namespace
