"""Playwright against Debian's Chromium, with axe-core for accessibility and the Nu HTML
checker (vnu) for valid HTML.

Browser tests never skip: if Chromium, axe-core, Java or vnu is missing they fail, so a
machine without them cannot report a green run that checked nothing in a browser.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# pytest-django's live server runs in a thread while sync Playwright runs an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.when == "call":
        item.call_failed = report.failed
    return report


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
def assert_accessible(axe_source, assert_valid_html):
    """Run axe-core in the page and fail on any violation, listing each one.

    The page's DOM also goes to the test's vnu run (``assert_valid_html``), so every page
    a browser test checks for accessibility is checked for valid HTML too. Admin pages are
    left out of that: Django's own admin scripts rewrite their DOM into invalid HTML
    (hidden inputs marked autocomplete="off"); test_valid_pages validates them as served.
    """

    def check(page, validate=True):
        if validate and not urlsplit(page.url).path.startswith("/admin/"):
            assert_valid_html(page)
        # The strict CSP forbids an injected <script>; evaluate runs through the debugger.
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)
        # Target size (WCAG 2.2) is off in axe by default; the admin's lists failed it.
        result = page.evaluate(
            """async () => await axe.run(document, {
                resultTypes: ['violations'], rules: {'target-size': {enabled: true}},
            })"""
        )
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(n["target"][0] for n in v["nodes"][:5])
            + f" ({v['nodes'][0]['failureSummary'].splitlines()[-1].strip()})"
            for v in result["violations"]
        ]
        assert not problems, f"axe found violations on {page.url}:\n" + "\n".join(problems)

    return check


@pytest.fixture
def live_iam(transactional_db, live_server):
    """The shipped IAM lesson behind a live server, for a browser to visit."""
    from lessons import format_load
    from lessons.management.commands.load_lessons import SHIPPED

    [lesson] = format_load.load_files([SHIPPED / "iam-best-practices.yaml"])
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


class HtmlChecker:
    """Collects HTML documents during a test and checks them in one run of vnu.

    The JVM takes a second or two to start, so documents are batched: ``watch(page)``
    keeps every HTML document the page loads, exactly as served; calling the checker with
    a page keeps the DOM as it stands (after an htmx swap, say). ``verify()`` validates
    them all and fails listing every error with the document's URL and line.
    """

    def __init__(self, directory):
        self.directory = directory
        self.documents = []  # (label, html)

    def watch(self, page):
        def keep(response):
            request = response.request
            if (
                request.resource_type == "document"
                and request.frame == page.main_frame
                and not 300 <= response.status < 400  # error pages are pages too
                and response.headers.get("content-type", "").startswith("text/html")
            ):
                self.documents.append((f"{response.url} (as served)", response.text()))

        page.on("response", keep)
        return page

    def __call__(self, page, note="DOM"):
        self.documents.append((f"{page.url} ({note})", page.content()))

    def verify(self):
        documents, self.documents = self.documents, []
        if not documents:
            return
        java = shutil.which("java")
        assert java, "java is missing: scripts/install-browser-deps"
        assert VNU.exists(), f"{VNU} is missing: npm ci"
        files = {}
        for number, (label, html) in enumerate(documents):
            path = self.directory / f"page-{number}.html"
            path.write_text(html, encoding="utf-8")
            files[str(path)] = (label, html.splitlines())
        run = subprocess.run(  # noqa: S603 (our own jar on files this test wrote)
            [java, "-Xss4m", "-jar", str(VNU), "--format", "json", "--stdout", *files],
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.stdout, f"vnu gave no report (exit {run.returncode}): {run.stderr}"
        # The same error on several documents (a shared template) is listed once.
        problems = {}
        for message in json.loads(run.stdout)["messages"]:
            if message["type"] == "info":  # warnings and notes
                continue
            path = "/" + message.get("url", "").removeprefix("file:").lstrip("/")
            label, lines = files.get(path, (message.get("url", "vnu"), []))
            line = message.get("lastLine", 0)
            source = lines[line - 1].strip()[:160] if 0 < line <= len(lines) else ""
            key = (message["message"], source)
            if key in problems:
                problems[key][1] += 1
            else:
                problems[key] = [f"{label} line {line}: {message['message']}\n    {source}", 0]
        if problems:
            pytest.fail(
                f"vnu found {len(problems)} distinct errors:\n"
                + "\n".join(
                    text + (f"\n    (and in {more} more documents)" if more else "")
                    for text, more in problems.values()
                ),
                pytrace=False,
            )


@pytest.fixture
def assert_valid_html(request, tmp_path):
    """An HtmlChecker whose documents are verified at the end of the test at the latest."""
    checker = HtmlChecker(tmp_path)
    yield checker
    if not getattr(request.node, "call_failed", True):
        checker.verify()
