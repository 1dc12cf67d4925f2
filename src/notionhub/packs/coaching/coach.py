"""Keeping the coaching rows true: store an event's fact, then recompute the rows it touches.

Each row is built while holding its key's lease (``Records.upsert_computed``), from facts
committed before: when two events about one row race, the last writer saw both. Writes go only
where a value changed, so a redelivered, replayed or reordered event costs no request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from notionhub.notion.records import Records
from notionhub.notion.schema import NotionDate
from notionhub.packs.coaching.facts import (
    BOOKING_KINDS,
    ZOOM_KINDS,
    Fact,
    FactStore,
    coach_choice,
)
from notionhub.packs.coaching.models import CLIENT_WRITES, Client, Invoice, Package, Session
from notionhub.packs.coaching.projection import (
    Appointment,
    Catalog,
    appointment,
    attendance,
    history,
    session_status,
    zoom_window,
)
from notionhub.packs.coaching.reasons import (
    Reason,
    meeting_without_session,
    no_client_email,
    package_not_found,
    payment_without_invoice,
)

CLIENT_FACTS = BOOKING_KINDS | {"checkout", "payment_failed"}
# A package named but not found makes the pack look for new Packages rows at most this often.
PACKAGE_SYNC_SECONDS = 60.0
# Zoom facts about an email are looked for this far around a session.
_ZOOM_SPAN = timedelta(days=1)


@dataclass
class Coach:
    """The coaching pack's work for one event (or one upkeep pass).

    ``reasons``: what it left undone and why (a package not found, a meeting no session
    matches), for the event's history and the log (``reasons.explain``).
    """

    records: Records
    facts: FactStore
    attendance_minutes: float = 5.0
    reasons: list[Reason] = field(default_factory=list, init=False)
    _catalog: Catalog | None = field(default=None, init=False)
    _clients: dict[str, str | None] = field(default_factory=dict, init=False)

    def _note(self, reason: Reason) -> None:
        if reason not in self.reasons:  # a row built twice (a lease retried) says it once
            self.reasons.append(reason)

    # -- entry point --------------------------------------------------------------------

    def apply(self, fact: Fact) -> list[str]:
        """Store ``fact`` and bring every row it concerns up to date; what was written."""
        self.facts.add([fact])
        if fact.kind in BOOKING_KINDS:
            assert fact.booking_uid is not None
            return self.refresh_appointment(fact.booking_uid)
        if fact.kind in ZOOM_KINDS:
            uids = self._sessions_seen_by(fact)
            if not uids:
                self._note(meeting_without_session(fact.meeting_id, fact.kind))
            return [done for uid in uids for done in self.refresh_appointment(uid)]
        if fact.checkout_id is not None:
            return self.refresh_invoice(fact.checkout_id)
        # A refund or a failure known by its PaymentIntent: the invoices paid with it.
        checkouts = {
            f.checkout_id
            for f in self.facts.where("payment_intent", [fact.payment_intent])
            if f.checkout_id
        }
        if not checkouts:
            self._note(payment_without_invoice(fact.payment_intent, fact.kind))
        return [done for checkout in sorted(checkouts) for done in self.refresh_invoice(checkout)]

    # -- sessions ---------------------------------------------------------------------------

    def refresh_appointment(self, uid: str) -> list[str]:
        uids, booking_facts = self.facts.appointment(uid)
        session = appointment(uids, booking_facts)
        done: list[str] = []
        client_page = None
        if session.email is not None:
            client_page, client_done = self.refresh_client(session.email)
            done.extend(client_done)
        else:
            self._note(no_client_email(f"session {session.root}", what="booking"))
        result = self.records.upsert_computed(
            Session, session.root, lambda: self._session_row(session.root, client_page)
        )
        if result is not None and result.action != "unchanged":
            done.append(f"session {session.root} {result.action}")
        # Uids that were rows of their own before a reschedule linked them: one row now.
        sessions = self.records.data_source_of(Session)
        for other in sorted(uids - {session.root}):
            had_row = self.records.index.page_id(sessions, other) is not None
            if had_row and self.records.archive(Session, other) is not None:
                done.append(f"session {other} merged into {session.root}")
        return done

    def _session_row(self, root: str, client_page: str | None) -> Session | None:
        uids, booking_facts = self.facts.appointment(root)
        session = appointment(uids, booking_facts)
        if session.root != root:
            return None  # linked to an earlier booking meanwhile: that row is written instead
        detail = session.detail
        seen = attendance(
            session, self._zoom_facts(session, detail.meeting_id), meeting_id=detail.meeting_id
        )
        package = self.package(f"session {root}", name=detail.package, event_type=detail.event_type)
        cancelled = session.cancelled
        name = detail.name or (session.email or "client")
        status = session_status(session, seen, self.attendance_minutes)
        chosen = self._coach_status(uids, session.facts)
        if chosen is not None:
            status = chosen
        return Session(
            title=detail.title or f"Session with {name}",
            booking_id=root,
            client=[client_page] if client_page else [],
            package=[package.page_id] if package is not None and package.page_id else [],
            when=session.when,
            status=status,
            cancellation_reason=(cancelled.reason or "") if cancelled is not None else "",
            meeting_id=detail.meeting_id or "",
            attended_minutes=seen.minutes,
            event_type=detail.event_type,
            history=history(session, seen),
        )

    def _coach_status(self, uids: frozenset[str], booking_facts: tuple[Fact, ...]) -> str | None:
        """The status the coach last set in Notion, unless the booking changed since (a new
        booking, reschedule or cancellation is newer news than the coach's choice)."""
        chosen = coach_choice(self.facts.where("booking_uid", uids))
        if chosen is None or chosen.status is None:
            return None
        newer = (f for f in booking_facts if f.occurred_at > chosen.occurred_at)
        if any(f.kind != "meeting_ended" for f in newer):
            return None
        return chosen.status

    def _zoom_facts(self, session: Appointment, meeting_id: str | None) -> list[Fact]:
        found = self.facts.where("meeting_id", [meeting_id])
        if session.email is not None:
            found += self.facts.where("email", [session.email])
        return [f for f in {f.fact_id: f for f in found}.values() if f.kind in ZOOM_KINDS]

    def _sessions_seen_by(self, fact: Fact) -> list[str]:
        """Uids of the bookings a Zoom fact may be about: same meeting id, or same email."""
        candidates = self.facts.where("meeting_id", [fact.meeting_id])
        if fact.email is not None:
            candidates += self.facts.where("email", [fact.email])
        moment = (
            fact.start
            if fact.kind == "meeting_closed" and fact.start
            else fact.at or fact.occurred_at
        )
        uids = set()
        for candidate in candidates:
            if candidate.kind not in BOOKING_KINDS or candidate.booking_uid is None:
                continue
            if candidate.start is None or abs(candidate.start - moment) > _ZOOM_SPAN:
                continue
            uids.add(candidate.booking_uid)
        roots: dict[str, str] = {}
        for uid in sorted(uids):
            if uid not in roots:
                linked, booking_facts = self.facts.appointment(uid)
                session = appointment(linked, booking_facts)
                window = zoom_window(session.when)
                if window is not None and window[0] <= moment <= window[1]:
                    roots.update(dict.fromkeys(linked, session.root))
                else:
                    roots.update(dict.fromkeys(linked, ""))
        return sorted({root for root in roots.values() if root})

    # -- clients ----------------------------------------------------------------------------

    def refresh_client(self, email: str) -> tuple[str | None, list[str]]:
        """The client's page (created when new) and what was written."""
        if email in self._clients:
            return self._clients[email], []
        result = self.records.upsert_computed(
            Client, email, lambda: self._client_row(email), only=CLIENT_WRITES
        )
        page_id = None if result is None else result.page_id
        self._clients[email] = page_id
        if result is None or result.action == "unchanged":
            return page_id, []
        return page_id, [f"client {email} {result.action}"]

    def _client_row(self, email: str) -> Client | None:
        facts = [f for f in self.facts.where("email", [email]) if f.kind in CLIENT_FACTS]
        if not facts:
            return None
        shown = self.records.mirrored(Client, email)
        current = shown.status if shown is not None else None
        paid = any(f.kind == "checkout" and f.paid for f in facts)
        status = (
            current
            if current == "Past"
            else ("Active" if paid or current == "Active" else "Prospect")
        )
        # When the client first booked (not when the session is): it does not move when a
        # session is rescheduled or cancelled.
        booked = [f.occurred_at for f in facts if f.kind in BOOKING_KINDS]
        first_booking = min(booked) if booked else None
        return Client(
            name=next((f.name for f in facts if f.name), email.split("@", maxsplit=1)[0]),
            email=email,
            phone=next((f.phone for f in facts if f.phone), None),
            status=status,
            source=facts[0].source,
            first_booking=None if first_booking is None else NotionDate(first_booking),
            stripe_customer_id=next((f.customer_id for f in facts if f.customer_id), ""),
        )

    # -- invoices ---------------------------------------------------------------------------

    def refresh_invoice(self, checkout_id: str) -> list[str]:
        facts = self.facts.where("checkout_id", [checkout_id])
        email = next((f.email for f in facts if f.email), None)
        done: list[str] = []
        client_page = None
        if email is not None:
            client_page, done = self.refresh_client(email)
        else:
            self._note(no_client_email(f"invoice {checkout_id}", what="payment"))
        result = self.records.upsert_computed(
            Invoice, checkout_id, lambda: self._invoice_row(checkout_id, client_page)
        )
        if result is not None and result.action != "unchanged":
            done.append(f"invoice {checkout_id} {result.action}")
        return done

    def _invoice_row(self, checkout_id: str, client_page: str | None) -> Invoice | None:
        facts = self.facts.where("checkout_id", [checkout_id])
        if not facts:
            return None
        intents = sorted({f.payment_intent for f in facts if f.payment_intent})
        related = [f for f in self.facts.where("payment_intent", intents) if f.checkout_id is None]
        checkouts = [f for f in facts if f.kind == "checkout"]
        first = (checkouts or facts)[0]
        amount = next((f.amount for f in facts if f.amount is not None), None)
        refunded = max((f.refunded or 0.0 for f in related if f.kind == "refunded"), default=0.0)
        paid = [f for f in checkouts if f.paid]
        if amount is not None and refunded > 0 and refunded >= amount:
            status = "Refunded"
        elif paid:
            status = "Paid"
        elif any(f.kind == "payment_failed" for f in facts + related):
            status = "Failed"
        else:
            status = "Pending"
        # What the coach set in Notion stands (a refund made outside Stripe, a payment by hand)
        # until Stripe says something newer.
        chosen = coach_choice(facts)
        newer = chosen is not None and any(
            f.occurred_at > chosen.occurred_at for f in facts + related if f.kind != "status_set"
        )
        if chosen is not None and chosen.status is not None and not newer:
            status = chosen.status
            if status == "Refunded" and refunded < (amount or 0.0):
                refunded = amount or 0.0
        package = self.package(
            f"invoice {checkout_id}",
            name=next((f.package for f in facts if f.package), None),
            price_id=next((f.price_id for f in facts if f.price_id), None),
        )
        name = next((f.name for f in facts if f.name), None) or first.email or "customer"
        label = package.name if package is not None else (first.package or "Payment")
        settled = status in ("Paid", "Refunded") and amount is not None
        return Invoice(
            title=f"{label} — {name}",
            checkout_session_id=checkout_id,
            client=[client_page] if client_page else [],
            package=[package.page_id] if package is not None and package.page_id else [],
            amount=amount,
            currency=next((f.currency for f in facts if f.currency), None),
            status=status,
            paid_at=NotionDate(paid[0].occurred_at) if paid else None,
            paid_amount=round(max(amount - refunded, 0.0), 2)
            if settled and amount is not None
            else 0.0,
            payment_intent=intents[0] if intents else "",
        )

    # -- packages -----------------------------------------------------------------------------

    def package(
        self,
        row: str,
        *,
        name: str | None,
        event_type: str | None = None,
        price_id: str | None = None,
    ) -> Package | None:
        """The package a booking or payment names; a miss looks for new rows (≤ 1 query/min),
        and one still missing is a reason of ``row`` ("session uid-1")."""
        if not (name or event_type or price_id):
            return None
        if self._catalog is None:
            self._catalog = Catalog(tuple(self.records.known(Package)))
        found = self._catalog.find(name=name, event_type=event_type, price_id=price_id)
        if found is None and self.records.sync(Package, older_than=PACKAGE_SYNC_SECONDS):
            self._catalog = Catalog(tuple(self.records.known(Package)))
            found = self._catalog.find(name=name, event_type=event_type, price_id=price_id)
        if found is None:
            self._note(package_not_found(row, name=name, event_type=event_type, price_id=price_id))
        return found
