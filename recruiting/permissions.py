"""Who may act on what. Enforced by the services; views and templates only mirror it.

Everyone signed in may read the firm's candidates, jobs and applications. A recruiter acts only on
what they own; a team lead acts on what they or anyone in their team owns; an admin (role admin or a
superuser) acts on everything. The system itself (`by=None`: beat jobs, workers) may act on anything.

Desks are split: a recruiter puts their candidate forward to any open job of the firm, a colleague's
included, unless the firm keeps this within each team (settings.INLOOP_PUT_FORWARD_SCOPE = "team"). An
application then has two desks, its owner's and its job's owner's: both, their team leads and the admins
act on it; everyone else reads it.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied

from recruiting.models import Application, RecruiterProfile, Role

PUT_FORWARD_FIRM = "firm"
PUT_FORWARD_TEAM = "team"
PUT_FORWARD_SCOPES = (PUT_FORWARD_FIRM, PUT_FORWARD_TEAM)


def role_of(user: AbstractBaseUser) -> str:
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    profile = getattr(user, "profile", None)
    return profile.role if profile is not None else Role.RECRUITER


def team_member_ids(user: AbstractBaseUser) -> set[int]:
    """The user and, for a team lead, everyone in the teams they lead."""
    ids = {user.pk}
    if role_of(user) == Role.TEAM_LEAD:
        ids.update(RecruiterProfile.objects.filter(team__lead=user).values_list("user_id", flat=True))
        profile = getattr(user, "profile", None)
        if profile is not None and profile.team_id is not None:
            ids.update(RecruiterProfile.objects.filter(team_id=profile.team_id).values_list("user_id", flat=True))
    return ids


def can_act_on(user: AbstractBaseUser | None, owner_id: int) -> bool:
    if user is None:
        return True
    if not user.is_active:
        return False
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    if owner_id == user.pk:
        return True
    return role == Role.TEAM_LEAD and owner_id in team_member_ids(user)


def ensure_can_act(user: AbstractBaseUser | None, owner_id: int) -> None:
    if not can_act_on(user, owner_id):
        raise PermissionDenied("Only the owner, their team lead or an admin can change this.")


def can_act_on_application(user: AbstractBaseUser | None, application: Application) -> bool:
    """The application's owner, its job's owner, the team leads of either, an admin (read the job with the
    application: `application.job` is one query more otherwise)."""
    return can_act_on(user, application.owner_id) or can_act_on(user, application.job.owner_id)


def ensure_can_act_on_application(user: AbstractBaseUser | None, application: Application) -> None:
    if not can_act_on_application(user, application):
        raise PermissionDenied(
            "Only the application's owner, the job's owner, their team leads or an admin can change this."
        )


def put_forward_scope() -> str:
    return settings.INLOOP_PUT_FORWARD_SCOPE


def same_team(first_id: int, second_id: int) -> bool:
    """Whether two users share a team (a user is always in their own)."""
    if first_id == second_id:
        return True
    teams = dict(RecruiterProfile.objects.filter(user_id__in=(first_id, second_id)).values_list("user_id", "team_id"))
    return teams.get(first_id) is not None and teams.get(first_id) == teams.get(second_id)


def team_of(user_id: int) -> set[int]:
    """Everyone who shares the user's team (the user alone when they have none)."""
    team_id = RecruiterProfile.objects.filter(user_id=user_id).values_list("team_id", flat=True).first()
    if team_id is None:
        return {user_id}
    return set(RecruiterProfile.objects.filter(team_id=team_id).values_list("user_id", flat=True)) | {user_id}


def team_view_ids(user: AbstractBaseUser) -> set[int]:
    """Whose work a "My team's" list shows: the user's teammates, and for a lead the teams they lead too."""
    return team_member_ids(user) | team_of(user.pk)


def put_forward_job_owner_ids(user: AbstractBaseUser | None, *, candidate_owner_id: int) -> set[int] | None:
    """Whose open jobs the user may put a candidate of `candidate_owner_id` forward to: None for anyone's,
    an empty set when the candidate is not theirs to put forward (put_forward_refusal, as a set)."""
    if user is not None and not can_act_on(user, candidate_owner_id):
        return set()
    if user is None or put_forward_scope() == PUT_FORWARD_FIRM or role_of(user) == Role.ADMIN:
        return None
    return team_of(candidate_owner_id)


def put_forward_candidate_owner_ids(user: AbstractBaseUser | None, *, job_owner_id: int) -> set[int] | None:
    """Whose candidates the user may put forward to a job of `job_owner_id`: None for anyone's."""
    if user is None or role_of(user) == Role.ADMIN:
        return None
    owners = team_member_ids(user) if user.is_active else set()
    if put_forward_scope() == PUT_FORWARD_TEAM:
        owners &= team_of(job_owner_id)
    return owners


def put_forward_refusal(user: AbstractBaseUser | None, *, candidate_owner_id: int, job_owner_id: int) -> str | None:
    """Why the user may not put a candidate of `candidate_owner_id` forward to a job of `job_owner_id`
    (None: they may). The candidate must be theirs to act for; the job may be any colleague's, or, when the
    firm keeps putting forward within teams, one of the candidate's owner's team (an admin is not bound)."""
    if user is None:
        return None
    if not can_act_on(user, candidate_owner_id):
        return (
            "This candidate is on a colleague's desk: their recruiter, that recruiter's team lead or an admin "
            "can put them forward."
        )
    if put_forward_scope() == PUT_FORWARD_TEAM and role_of(user) != Role.ADMIN:
        if not same_team(candidate_owner_id, job_owner_id):
            return "The firm puts candidates forward only to their own team's jobs; this job belongs to another team."
    return None


def assignable_users(user: AbstractBaseUser | None):
    """Who the user may give an application to: a recruiter, someone of their own team; a team lead, someone
    of the teams they lead or belong to; an admin (and the system) any active recruiter or team lead. Never
    an admin who is not a recruiter: an application needs a desk that works it."""
    people = get_user_model().objects.filter(
        is_active=True, is_superuser=False, profile__role__in=(Role.RECRUITER, Role.TEAM_LEAD)
    )
    if user is None or role_of(user) == Role.ADMIN:
        return people
    if role_of(user) == Role.TEAM_LEAD:
        return people.filter(pk__in=team_member_ids(user))
    profile = getattr(user, "profile", None)
    if profile is None or profile.team_id is None:
        return people.filter(pk=user.pk)
    return people.filter(profile__team_id=profile.team_id)


def ensure_admin(user: AbstractBaseUser | None, doing: str) -> None:
    """For what only an admin may do, whoever owns the record (a candidate's data export and erasure)."""
    if user is not None and role_of(user) != Role.ADMIN:
        raise PermissionDenied(f"Only an admin can {doing}.")


def can_give_to(user: AbstractBaseUser | None, owner: AbstractBaseUser) -> bool:
    """Whether `user` may make `owner` the owner of someone's work (one of assignable_users)."""
    return assignable_users(user).filter(pk=owner.pk).exists()


def ensure_can_give_to(user: AbstractBaseUser | None, owner: AbstractBaseUser) -> None:
    if not owner.is_active or role_of(owner) == Role.ADMIN:
        raise PermissionDenied("Work can only be given to an active recruiter or team lead.")
    if not can_give_to(user, owner):
        raise PermissionDenied(
            "An application can be given only to a recruiter of your team (an admin may give it to any recruiter)."
        )


_NAMED_REFUSAL = {
    "owner": "You can only give this to yourself or, as a team lead, to someone in your team.",
    "candidate": "This candidate belongs to a recruiter you cannot act for.",
    "job": "This job belongs to a recruiter you cannot act for.",
}


def ensure_can_act_for_all(user: AbstractBaseUser | None, owner_ids: dict[str, int]) -> None:
    """For a write that names other records (the owner to give it to, a job, a candidate), by the owner of
    each: the user must be able to act for every one of them, not only for the record being written."""
    for named, owner_id in owner_ids.items():
        if not can_act_on(user, owner_id):
            raise PermissionDenied(_NAMED_REFUSAL[named])
