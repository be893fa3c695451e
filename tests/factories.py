"""Test data. Factories write models directly; behaviour under test goes through the services."""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from candidates.models import Candidate
from recruiting.models import Application, Client, Job, RecruiterProfile, Role, Stage, Team


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"recruiter{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@firm.example")
    password = factory.django.Password("a-long-test-password")
    profile = factory.RelatedFactory("tests.factories.ProfileFactory", factory_related_name="user")


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecruiterProfile

    user = factory.SubFactory(UserFactory, profile=None)
    role = Role.RECRUITER
    time_zone = "UTC"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n} Ltd")
    industry = "fintech"


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    client = factory.SubFactory(ClientFactory)
    title = factory.Sequence(lambda n: f"Marketing Manager {n}")
    location = "Remote"
    owner = factory.SubFactory(UserFactory)


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"candidate{n}@mail.example")
    time_zone = "UTC"
    owner = factory.SubFactory(UserFactory)


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    candidate = factory.SubFactory(CandidateFactory)
    job = factory.SubFactory(JobFactory)
    owner = factory.SelfAttribute("candidate.owner")
    stage = Stage.NEW
    stage_entered_at = factory.LazyFunction(timezone.now)
    created_at = factory.LazyFunction(timezone.now)


class PromptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recruiting.RecruiterPrompt"

    application = factory.SubFactory(ApplicationFactory)
    recruiter = factory.SelfAttribute("application.owner")
    reason = "overdue"
    due_at = factory.LazyFunction(timezone.now)
    created_at = factory.LazyFunction(timezone.now)


class MessageAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notifications.MessageAttempt"

    message = None
    outcome = "transient"
    smtp_code = 421
    detail = "Service not available, try again later"
    worker = "worker@test"


class OutboundMessageFactory(factory.django.DjangoModelFactory):
    """An outbox row about an application, written directly (the outbox services are tested on their own)."""

    class Meta:
        model = "notifications.OutboundMessage"

    application = factory.SubFactory(ApplicationFactory)
    candidate = factory.SelfAttribute("application.candidate")
    template_code = "screening"
    subject = "Your application"
    body_text = "Hello"
    to_address = factory.SelfAttribute("candidate.email")
    status = "held"
    idempotency_key = factory.Sequence(lambda n: f"test:message:{n}")
