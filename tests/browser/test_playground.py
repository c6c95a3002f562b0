"""The policy playground in a browser: as you type with JS, on submit without, accessibly."""

import re

from playwright.sync_api import expect


def playground(lesson, case=None):
    path = f"/lessons/{lesson.slug}/lab/playground/"
    return f"{path}?case={case.pk}" if case else path


def test_playground_updates_as_you_type(page, live_iam, assert_accessible):
    """From a case, nothing is decided; typing decides, shows the trace, and shows errors
    beside their field, all under the strict CSP, keyboard-reachable and accessible."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    case = live_iam.policy_cases.get(title="Full S3 access and one explicit deny")
    page.goto(playground(live_iam, case))
    expect(page.get_by_role("heading", name="Policy playground", level=1)).to_be_visible()
    expect(page.locator("#playground-result")).not_to_contain_text("Denied")
    assert_accessible(page)

    action = page.get_by_label("Action")
    action.fill("ec2:RunInstances")
    expect(page.get_by_role("status")).to_have_text(re.compile("Decision: Denied \\(implicit"))
    action.fill("s3:DeleteBucke")
    action.press("End")
    action.press_sequentially("t")
    expect(page.get_by_role("status")).to_have_text("Decision: Denied (explicit deny)")
    expect(page.locator(".policy-line-deciding").first).to_be_visible()
    expect(page.locator(".policy-trace")).to_contain_text("NoBucketDeletes, statement 1")
    assert_accessible(page)

    context = page.get_by_label("Condition context keys (JSON object)")
    context.fill("{oops")
    expect(page.locator("#context-error")).to_contain_text("This is not valid JSON")
    expect(page.get_by_role("status")).to_contain_text("fix the 1 marked field")
    assert_accessible(page)
    assert errors == [] or all("400" in e for e in errors), errors


def test_playground_without_javascript(no_js_page, live_iam):
    """Without JS: add and remove a policy with buttons, then Evaluate shows the decision."""
    page = no_js_page
    case = live_iam.policy_cases.get(title="The boundary caps what the identity policy grants")
    page.goto(playground(live_iam, case))
    expect(page.locator("#playground-result")).not_to_contain_text("Denied")
    page.get_by_role("button", name="Add a policy").click()
    expect(page.get_by_label("Policy JSON")).to_have_count(3)
    page.get_by_role("button", name="Remove policy 3").click()
    expect(page.get_by_label("Policy JSON")).to_have_count(2)
    page.get_by_role("button", name="Evaluate").click()
    expect(page.get_by_role("status")).to_have_text(
        "Decision: Denied (implicit deny: nothing allows it)"
    )
    expect(page.locator(".policy-trace")).to_contain_text("Permissions boundary")
