"""Profiles: the thresholds and scheme classes evidence is judged by.

The built-in profile ``zeker-online`` is the default. A chain file or a profile file may define
more, each extending a built-in one; :func:`resolve_profile` fills in what they leave out.

>>> ZEKER_ONLINE.min_period_months, ZEKER_ONLINE.max_age_months, ZEKER_ONLINE.required_criteria
(6, 12, ('security', 'availability'))
>>> strict = Profile(id="strict-buyer", extends="zeker-online", min_period_months=9)
>>> resolve_profile(strict).min_period_months, resolve_profile(strict).max_age_months
(9, 12)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graph.errors import UsageError
from graph.i18n import gettext
from graph.model import Chain, Profile, Scheme


@dataclass(frozen=True, slots=True)
class ResolvedProfile:
    """A profile with every threshold set."""

    id: str
    min_period_months: int
    max_age_months: int
    bridge_max_months: int
    expiring_days: int
    required_criteria: tuple[str, ...]
    accept_as_equivalent: frozenset[Scheme]


ZEKER_ONLINE = ResolvedProfile(
    id="zeker-online",
    min_period_months=6,
    max_age_months=12,
    bridge_max_months=3,
    expiring_days=90,
    required_criteria=("security", "availability"),
    accept_as_equivalent=frozenset(),
)

BUILTIN_PROFILES: Mapping[str, ResolvedProfile] = {ZEKER_ONLINE.id: ZEKER_ONLINE}


def resolve_profile(profile: Profile) -> ResolvedProfile:
    """Fill in every threshold ``profile`` leaves out from the built-in profile it extends.

    A list given in the profile replaces the extended one's; an empty list means none.
    """
    base = BUILTIN_PROFILES.get(profile.extends or "")
    if base is None:
        raise UsageError(
            gettext(
                "profile '{profile}' extends '{extends}', which is not a built-in profile "
                "({builtin})"
            ).format(
                profile=profile.id,
                extends=profile.extends,
                builtin=", ".join(sorted(BUILTIN_PROFILES)),
            )
        )

    def pick(value: int | None, default: int) -> int:
        return default if value is None else value

    return ResolvedProfile(
        id=profile.id,
        min_period_months=pick(profile.min_period_months, base.min_period_months),
        max_age_months=pick(profile.max_age_months, base.max_age_months),
        bridge_max_months=pick(profile.bridge_max_months, base.bridge_max_months),
        expiring_days=pick(profile.expiring_days, base.expiring_days),
        required_criteria=(
            base.required_criteria
            if profile.required_criteria is None
            else profile.required_criteria
        ),
        accept_as_equivalent=(
            base.accept_as_equivalent
            if profile.accept_as_equivalent is None
            else frozenset(profile.accept_as_equivalent)
        ),
    )


def find_profile(profile_id: str, chain: Chain | None = None) -> ResolvedProfile:
    """The built-in profile or the chain's profile called ``profile_id``, resolved.

    >>> find_profile("zeker-online") is ZEKER_ONLINE
    True
    >>> find_profile("nope")
    Traceback (most recent call last):
    ...
    graph.errors.UsageError: unknown profile 'nope'; known profiles: zeker-online
    """
    if profile_id in BUILTIN_PROFILES:
        return BUILTIN_PROFILES[profile_id]
    if chain is not None and profile_id in chain.profiles:
        return resolve_profile(chain.profiles[profile_id])
    known = sorted({*BUILTIN_PROFILES, *(chain.profiles if chain else ())})
    raise UsageError(
        gettext("unknown profile '{profile}'; known profiles: {known}").format(
            profile=profile_id, known=", ".join(known)
        )
    )
