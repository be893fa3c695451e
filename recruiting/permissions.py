"""Who may act on what. Enforced by the services; views and templates only mirror it.

Everyone signed in may read the firm's candidates, jobs and applications. A recruiter acts only on
what they own; a team lead acts on what they or anyone in their team owns; an admin (role admin or a
superuser) acts on everything. The system itself (`by=None`: beat jobs, workers) may act on anything.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied

from .models import RecruiterProfile, Role


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


def ensure_admin(user: AbstractBaseUser | None, doing: str) -> None:
    """For what only an admin may do, whoever owns the record (a candidate's data export and erasure)."""
    if user is not None and role_of(user) != Role.ADMIN:
        raise PermissionDenied(f"Only an admin can {doing}.")


def can_give_to(user: AbstractBaseUser | None, owner: AbstractBaseUser) -> bool:
    """Whether `user` may make `owner` the owner of someone's work: the new owner must be an active
    recruiter or team lead (an admin oversees, and holds no candidates), and one the giver answers for: a
    recruiter gives to their teammates, a lead within the teams they lead or belong to, an admin or the
    system to anyone who recruits."""
    if not owner.is_active or role_of(owner) == Role.ADMIN:
        return False
    if user is None or role_of(user) == Role.ADMIN or owner.pk == user.pk:
        return True
    if role_of(user) == Role.TEAM_LEAD:
        return owner.pk in team_member_ids(user)
    team_id = getattr(getattr(user, "profile", None), "team_id", None)
    return team_id is not None and RecruiterProfile.objects.filter(user_id=owner.pk, team_id=team_id).exists()


def ensure_can_give_to(user: AbstractBaseUser | None, owner: AbstractBaseUser) -> None:
    if not owner.is_active or role_of(owner) == Role.ADMIN:
        raise PermissionDenied("Work can only be given to an active recruiter or team lead.")
    if not can_give_to(user, owner):
        raise PermissionDenied("You can only give work to your teammates or, as a team lead, to someone in your team.")


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
