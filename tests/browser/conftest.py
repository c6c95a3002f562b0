"""Playwright against Debian's Chromium, with axe-core for accessibility.

Browser tests never skip: if Chromium or axe-core is missing they fail, so a machine
without them cannot report a green run that checked nothing in a browser.
"""

import os
from pathlib import Path

import pytest

# pytest-django's live server runs in a thread while sync Playwright runs an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture(scope="session")
def axe_source():
    assert AXE.exists(), f"{AXE} is missing: npm ci"
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def assert_accessible(axe_source):
    """Run axe-core in the page and fail on any violation, listing each one."""

    def check(page):
        # The strict CSP forbids an injected <script>; evaluate runs through the debugger.
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(n["target"][0] for n in v["nodes"][:5])
            for v in result["violations"]
        ]
        assert not problems, f"axe found violations on {page.url}:\n" + "\n".join(problems)

    return check


@pytest.fixture
def live_iam(transactional_db, live_server):
    """The shipped IAM lesson behind a live server, for a browser to visit."""
    from lessons import formats
    from lessons.management.commands.load_lessons import SHIPPED

    [lesson] = formats.load_files([SHIPPED / "iam-best-practices.yaml"])
    return lesson


@pytest.fixture
def no_js_page(browser, live_server):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    return {**browser_context_args, "base_url": live_server.url}
