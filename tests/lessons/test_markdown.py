import pytest

from lessons.markdown import render, render_inline


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ("[click](JaVaScRiPt:alert(1))", "href="),
        ("[data](data:text/html;base64,PHNjcmlwdD4=)", 'href="data'),
        ('<iframe src="https://example.com"></iframe>', "<iframe"),
        ('<a href="/x" hx-post="/admin/">go</a>', "<a "),
        ("![x](javascript:alert(1))", "<img"),
    ],
)
def test_render_never_emits_active_content(source, forbidden):
    """Scripts, handlers, frames, hx-* and dangerous links never come out of Markdown."""
    html = render(source)
    assert forbidden not in html


def test_render_keeps_formatting_and_code_blocks():
    html = render('**bold** and `code`\n\n```json\n{"Effect": "Allow"}\n```')
    assert "<strong>bold</strong>" in html
    assert '<code class="language-json">{"Effect": "Allow"}' in html


def test_render_marks_links_as_untrusted():
    html = render("[AWS](https://aws.amazon.com/iam/)")
    assert 'href="https://aws.amazon.com/iam/"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_render_inline_drops_the_paragraph():
    assert render_inline("Use *roles*") == "Use <em>roles</em>"
