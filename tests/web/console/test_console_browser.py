"""The console in headless Chromium: sign in, watch a counter move live when a webhook arrives,
find a failed event and replay it, browse a database. Each page is saved as a screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.console.conftest import KEY, WAIT_SECONDS, ConsoleHub, wait_until

GUARD_MS = WAIT_SECONDS * 1000  # a guard against hanging, not a timing


@pytest.fixture(scope="module")
def page(browser: Browser, console_hub: ConsoleHub) -> Iterator[Page]:
    """One signed-in tab for the module's tests."""
    context = browser.new_context(base_url=console_hub.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(GUARD_MS)
    expect.set_options(timeout=GUARD_MS)
    tab = context.new_page()
    tab.goto("/")
    tab.get_by_label("API key").fill(KEY)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_test_id("events-received")).to_be_visible()
    yield tab
    context.close()


def test_a_counter_moves_live_when_a_webhook_arrives(
    page: Page, console_hub: ConsoleHub, screenshots: Path
) -> None:
    page.goto("/")
    received = page.get_by_test_id("events-received")
    before = int(received.inner_text())
    event_id = console_hub.post_stripe("evt_browser_live")
    expect(received).to_have_text(str(before + 1))  # no reload: the stream brought it
    console_hub.wait_for_status(event_id, "processed")
    expect(page.get_by_test_id("events-pending")).to_have_text("0")
    page.screenshot(path=screenshots / "console-overview.png", full_page=True)


def test_a_failed_event_is_found_and_replayed(
    page: Page, console_hub: ConsoleHub, screenshots: Path
) -> None:
    console_hub.breaker.broken.add("stripe:evt_browser_fails")
    event_id = console_hub.post_stripe("evt_browser_fails", {"customer_email": "a@example.com"})
    console_hub.wait_for_status(event_id, "failed")
    page.goto("/")
    page.get_by_role("link", name="See the failed events").click()
    row = page.locator(f'[data-testid="event-row"][data-event-id="{event_id}"]')
    expect(row).to_be_visible()
    page.screenshot(path=screenshots / "console-events.png", full_page=True)
    row.get_by_role("link", name=event_id).click()
    expect(page.get_by_test_id("event-error")).to_contain_text("the test broke this event")
    page.screenshot(path=screenshots / "console-event.png", full_page=True)
    console_hub.breaker.broken.discard(event_id)
    page.get_by_test_id("replay").click()
    page.get_by_test_id("confirm-replay").click()
    expect(page.get_by_role("status")).to_contain_text("1 event(s) queued for replay")
    console_hub.wait_for_status(event_id, "processed")
    page.reload()
    expect(page.get_by_test_id("event-status")).to_have_text("processed")


def test_a_database_is_browsed(page: Page, console_hub: ConsoleHub, screenshots: Path) -> None:
    wait_until(lambda: console_hub.store.counts()["pending"] == 0, "events processed")
    page.goto("/console/workspace")
    page.screenshot(path=screenshots / "console-workspace.png", full_page=True)
    page.get_by_role("link", name="Event Log").click()
    expect(page.get_by_test_id("page-row").first).to_be_visible()
    page.screenshot(path=screenshots / "console-database.png", full_page=True)
    page.goto("/console/providers")
    expect(page.locator('[data-testid="provider-row"][data-provider="stripe"]')).to_be_visible()
    page.screenshot(path=screenshots / "console-providers.png", full_page=True)
    page.goto("/console/workflows")
    page.screenshot(path=screenshots / "console-workflows.png", full_page=True)
