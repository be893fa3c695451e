"""The client's name as a candidate may read it (docs/rules.md#confidential-client): at the bottom of the
layers, so that the pipeline's own export, the candidate pages and the emails all say it the same way."""

from recruiting.models import Client


def client_display_name(*, client: Client, client_has_seen_candidate: bool) -> str:
    """The client's name once the candidate was put forward to it, or when it allows it earlier;
    otherwise a description that does not give it away."""
    if client_has_seen_candidate or client.name_visible_before_submission:
        return client.name
    if client.industry:
        return f"a client of ours in {client.industry}"
    return "a client of ours"
