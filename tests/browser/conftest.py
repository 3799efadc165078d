"""Real-browser tests: Playwright (sync API) driving Debian's chromium against live_server.

Playwright's sync API runs an asyncio event loop in this thread, which makes Django's
async-safety check refuse ORM calls made by the test itself; the calls are not concurrent,
so the check is switched off for these tests only.
"""

import os
import pathlib

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PROJECT_DIR = pathlib.Path(__file__).resolve().parents[2]
AXE_JS = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = PROJECT_DIR / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"

# The policy the access-and-audit work will send; the pages must work under it now.
STRICT_CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not pathlib.Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-browser-deps")
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run npm ci")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
