"""The API's part of a person's erasure: the answers kept to replay Idempotency-Key requests and the
webhook events may name the person; they lose the person's strings like every other app's tables.
A subscriber of candidates.events.PersonalDataSweeping (inloop/subscriptions.py)."""

from recruiting.personal_data import PersonalData, tables_sweep


def personal_data_sweep(*, personal: PersonalData) -> int:
    """The person's strings replaced wherever left in the API's tables; how many rows changed."""
    return tables_sweep(app_label="api", personal=personal)
