"""The codes of the journey records: how a customer's visit ended, what kind of wait a segment
is, and the conditions of a waiting segment (the bits the perceived-wait model weighs)."""

from __future__ import annotations

from enum import IntEnum, IntFlag


class Outcome(IntEnum):
    SERVED = 0
    ABANDONED = 1
    BALKED = 2
    CENSORED = 3
    """Still in the system when the run stopped (``end``): not served, not lost."""


class SegmentKind(IntEnum):
    QUEUE = 0
    """Waiting in line for service."""
    SERVICE_INTERRUPTED = 1
    """Waiting, mid-service, for a broken-down server to be repaired."""


class Flag(IntFlag):
    """Conditions of a waiting segment: what the perceived-wait model weighs.

    ``IN_PROCESS``: a wait after the first station, after a greeter started the process, or a
    repair wait mid-service; ``DISRUPTED``: a server seen broken down or going off duty (and
    every repair wait); ``OCCUPIED``: occupied_waiting; ``INFORMED``: a shown wait or place in
    line, or a booked time; ``EXPLAINED``: explained_delays; ``IN_GROUP``: a class's
    group_share; ``BEFORE_APPOINTMENT``: a booked customer before the booked time;
    ``PROGRESS``: the customer has seen their place in line fall (position information
    updated while waiting), for the rest of that wait.
    """

    IN_PROCESS = 1
    DISRUPTED = 2
    OCCUPIED = 4
    INFORMED = 8
    EXPLAINED = 16
    IN_GROUP = 32
    BEFORE_APPOINTMENT = 64
    PROGRESS = 128
