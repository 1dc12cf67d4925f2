"""Rows computed from facts: pure functions, the same result for the same set of facts.

An appointment is every Cal.com uid linked by reschedules; its row is keyed by the first uid
(the root). Its details come from the newest booking of the chain, its status from what is known
about that booking (cancelled, ended, attended), its attendance from the Zoom facts matched to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from notionhub.notion.schema import NotionDate
from notionhub.packs.coaching.facts import Fact
from notionhub.packs.coaching.models import Package

# Zoom facts count for a session when they happen from this long before its start…
MATCH_BEFORE = timedelta(minutes=30)
# …to this long after its end.
MATCH_AFTER = timedelta(hours=1)
# History is one rich-text value; older lines give way to newer ones past this length.
HISTORY_CHARS = 1_900
_DETAIL_RANK = {"rescheduled": 3, "booked": 3, "meeting_ended": 2, "cancelled": 1}


@dataclass(frozen=True)
class Appointment:
    """One appointment: its uids, chain ends, and the booking facts about it."""

    uids: frozenset[str]
    root: str  # the first uid: the key of its Sessions row
    leaf: str  # the uid it is booked under now
    depth: dict[str, int]  # reschedules from the root to each uid
    facts: tuple[Fact, ...]

    @property
    def detail(self) -> Fact:
        """The fact that describes it now: the newest booking in the chain."""
        return max(
            self.facts,
            key=lambda f: (
                self.depth.get(f.booking_uid or "", 0),
                f.start is not None,
                _DETAIL_RANK.get(f.kind, 0),
                f.order,
            ),
        )

    @property
    def email(self) -> str | None:
        return next((f.email for f in reversed(self.facts) if f.email), None)

    @property
    def cancelled(self) -> Fact | None:
        """The cancellation of the booking it is under now, if any."""
        cancellations = (f for f in reversed(self.facts) if f.kind == "cancelled")
        return next((f for f in cancellations if f.booking_uid == self.leaf), None)

    @property
    def when(self) -> NotionDate | None:
        detail = self.detail
        return NotionDate(detail.start, detail.end) if detail.start is not None else None


def appointment(uids: Iterable[str], facts: Sequence[Fact]) -> Appointment:
    """The appointment made of ``uids`` (a set closed under reschedules) and its facts."""
    members = frozenset(uids)
    links = sorted(
        (f for f in facts if f.kind == "rescheduled" and f.previous_uid and f.booking_uid),
        key=lambda f: f.order,
    )
    previous: dict[str, str] = {}
    following: dict[str, str] = {}
    for link in links:  # the first link wins should two disagree
        assert link.booking_uid is not None and link.previous_uid is not None
        previous.setdefault(link.booking_uid, link.previous_uid)
        following.setdefault(link.previous_uid, link.booking_uid)
    roots = sorted(uid for uid in members if uid not in previous)
    root = roots[0] if roots else min(members)
    depth: dict[str, int] = {}
    uid: str | None = root
    while uid is not None and uid not in depth:
        depth[uid] = len(depth)
        uid = following.get(uid)
    leaves = sorted(uid for uid in members if uid not in following)
    leaf = max(leaves or [root], key=lambda u: (depth.get(u, -1), u))
    return Appointment(members, root, leaf, depth, tuple(sorted(facts, key=lambda f: f.order)))


@dataclass(frozen=True)
class Attendance:
    """What Zoom said about a session's meeting."""

    observed: bool  # any Zoom fact matched the session
    closed: Fact | None  # meeting.ended
    minutes: float | None  # the client's time in the meeting, once any stay is complete


def zoom_window(when: NotionDate | None) -> tuple[datetime, datetime] | None:
    if when is None or not isinstance(when.start, datetime):
        return None
    end = when.end if isinstance(when.end, datetime) else when.start
    return when.start - MATCH_BEFORE, end + MATCH_AFTER


def attendance(
    session: Appointment, zoom_facts: Iterable[Fact], *, meeting_id: str | None
) -> Attendance:
    """The client's attendance from the Zoom facts matching the session.

    A fact matches when it is about the session's meeting id, or about the client's email,
    within the session's time window; stays are the client's joins paired with their leaves
    (a stay still open at meeting.ended ends then), merged when they overlap.
    """
    window = zoom_window(session.when)
    if window is None:
        return Attendance(False, None, None)
    email = session.email
    matched = [
        fact
        for fact in zoom_facts
        if (meeting_id is not None and fact.meeting_id == meeting_id)
        or (email is not None and fact.email == email)
        if window[0] <= _moment(fact) <= window[1]
    ]
    meetings = {f.meeting_uuid or f.meeting_id for f in matched if f.kind != "meeting_closed"}
    closes = sorted(
        (
            f
            for f in matched
            if f.kind == "meeting_closed"
            and (f.meeting_id == meeting_id or (f.meeting_uuid or f.meeting_id) in meetings)
        ),
        key=lambda f: f.order,
    )
    closed = closes[-1] if closes else None
    stays: dict[str, list[Fact]] = {}
    for fact in matched:
        client = email is None or fact.email in (None, email)
        if fact.kind in ("joined", "left") and not fact.host and client:
            stays.setdefault(fact.participant or fact.email or "?", []).append(fact)
    spans: list[tuple[datetime, datetime]] = []
    for moves in stays.values():
        spans.extend(_spans(sorted(moves, key=lambda f: (f.at or f.occurred_at, f.order)), closed))
    minutes = _union_minutes(spans) if spans else None
    return Attendance(bool(matched), closed, minutes)


def _moment(fact: Fact) -> datetime:
    if fact.kind == "meeting_closed":
        return fact.start or fact.at or fact.occurred_at
    return fact.at or fact.occurred_at


def _spans(moves: list[Fact], closed: Fact | None) -> list[tuple[datetime, datetime]]:
    spans: list[tuple[datetime, datetime]] = []
    joined: datetime | None = None
    for move in moves:
        moment = move.at or move.occurred_at
        if move.kind == "joined":
            joined = joined or moment
        else:  # left; a leave without its join counts from the meeting's start
            start = joined or move.start
            if start is not None and moment > start:
                spans.append((start, moment))
            joined = None
    if joined is not None and closed is not None and closed.at is not None and closed.at > joined:
        spans.append((joined, closed.at))
    return spans


def _union_minutes(spans: list[tuple[datetime, datetime]]) -> float:
    total = timedelta()
    current_start, current_end = None, None
    for start, end in sorted(spans):
        if current_end is None or start > current_end:
            if current_start is not None and current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_start is not None and current_end is not None:
        total += current_end - current_start
    return round(total.total_seconds() / 60, 1)


def session_status(session: Appointment, seen: Attendance, threshold_minutes: float) -> str:
    """Cancelled, else Completed/No-show once ended, else Rescheduled or Scheduled."""
    if session.cancelled is not None:
        return "Cancelled"
    cal_ended = [f for f in session.facts if f.kind == "meeting_ended"]
    if cal_ended or seen.closed is not None:
        if seen.observed:
            return "Completed" if (seen.minutes or 0) >= threshold_minutes else "No-show"
        flagged = any(f.no_show for f in cal_ended)
        return "No-show" if flagged else "Completed"
    return "Rescheduled" if len(session.uids) > 1 else "Scheduled"


def history(session: Appointment, seen: Attendance) -> str:
    """The session's changes, one line each, oldest first, newest last."""
    lines = [_line(fact) for fact in session.facts]
    if seen.closed is not None:
        attended = "" if seen.minutes is None else f"; client attended {seen.minutes:g} min"
        lines.append(f"{_stamp(seen.closed.occurred_at)} Zoom meeting ended{attended}")
        lines.sort()
    text = "\n".join(lines)
    while len(text) > HISTORY_CHARS and len(lines) > 1:
        lines.pop(0)
        text = "…\n" + "\n".join(lines)
    return text[-HISTORY_CHARS:]


def _line(fact: Fact) -> str:
    at = _stamp(fact.occurred_at)
    start = f" for {_stamp(fact.start)}" if fact.start else ""
    if fact.kind == "booked":
        return f"{at} booked{start} ({fact.source})"
    if fact.kind == "rescheduled":
        moved = f" to {_stamp(fact.start)}" if fact.start else ""
        return f"{at} rescheduled{moved} ({fact.source})"
    if fact.kind == "cancelled":
        return f"{at} cancelled" + (f": {fact.reason}" if fact.reason else "")
    return f"{at} meeting ended ({fact.source})"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Catalog:
    """The coach's packages, found by what a booking or a payment names."""

    packages: tuple[Package, ...]

    def find(
        self, *, name: str | None = None, price_id: str | None = None, event_type: str | None = None
    ) -> Package | None:
        def first(matches: Iterable[Package]) -> Package | None:
            return min(matches, key=lambda p: (not p.active, p.name), default=None)

        if price_id:
            found = first(p for p in self.packages if p.stripe_price_id.strip() == price_id)
            if found is not None:
                return found
        if name:
            wanted = name.strip().casefold()
            found = first(p for p in self.packages if p.name.strip().casefold() == wanted)
            if found is not None:
                return found
        if event_type:
            wanted = event_type.strip().casefold()
            return first(p for p in self.packages if p.event_type.strip().casefold() == wanted)
        return None
