"""The wildcard matcher agrees with a plain reference and stays linear on pathological input."""

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.policy import wildcard_match
from lessons.policy.match import arn_like, compile_pattern


def reference(pattern: str, value: str) -> bool:
    """fnmatch without character classes: * is any run, ? any one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


alphabet = st.sampled_from("ab*?/:")
patterns = st.text(alphabet=alphabet, max_size=12)
values = st.text(alphabet=st.sampled_from("ab*?/:"), max_size=16)


@settings(max_examples=2000, deadline=None)
@given(pattern=patterns, value=values)
def test_wildcard_match_agrees_with_reference(pattern, value):
    """On random strings the matcher gives the same answer as the fnmatch-like reference."""
    assert wildcard_match(pattern, value) == reference(pattern, value)


@settings(max_examples=300, deadline=None)
@given(
    pattern=st.text(alphabet=st.sampled_from("aB*?"), max_size=8),
    value=st.text("abAB", max_size=10),
)
def test_wildcard_match_folded_ignores_case(pattern, value):
    """With folding (actions), the match is the reference on lower-cased strings."""
    assert wildcard_match(pattern, value, fold=True) == reference(pattern.lower(), value.lower())


def _elapsed(pattern: str, value: str) -> tuple[bool, float]:
    start = time.perf_counter()
    answer = wildcard_match(pattern, value)
    return answer, time.perf_counter() - start


def test_wildcard_match_pathological_star_pattern_is_fast():
    """a*a*...*b against 100,000 a's is decided in well under a second (a backtracking
    matcher takes exponential time here)."""
    answer, seconds = _elapsed("a*" * 500 + "b", "a" * 100_000)
    assert answer is False
    assert seconds < 0.5


def test_wildcard_match_pathological_question_marks_are_linear():
    """Segments full of ? scan the string once: doubling the string about doubles the time."""
    pattern = "*" + "a?" * 200 + "b*"
    _, small = _elapsed(pattern, "a" * 20_000)
    answer, large = _elapsed(pattern, "a" * 40_000)
    assert answer is False
    assert large < 0.5
    assert large < 6 * small + 0.1


def test_compile_pattern_variable_values_are_literal():
    """A * inserted by a policy variable is a character, not a wildcard."""
    lookup = {"aws:username": "a*"}.get
    pattern = compile_pattern("home/${aws:username}", lookup=lookup)
    assert pattern.matches("home/a*")
    assert not pattern.matches("home/abc")


def test_compile_pattern_escapes_and_unresolved_variables():
    """${*}, ${?} and ${$} insert the character; an unknown variable matches nothing."""
    assert compile_pattern("${*}${?}${$}", lookup={}.get).matches("*?$")
    assert not compile_pattern("${aws:username}", lookup={}.get).matches("")
    assert compile_pattern("${aws:username", lookup={}.get).matches("${aws:username")


def test_arn_like_matches_each_part_separately():
    """ArnLike matches part by part: a star in the region does not eat the account."""
    arn = "arn:aws:sns:us-east-1:111122223333:topic"
    assert arn_like("arn:aws:sns:*:111122223333:topic", arn)
    assert not arn_like("arn:aws:sns:*:444455556666:topic", arn)
    assert arn_like("*", arn)
    assert not arn_like("arn:aws:sns:*:111122223333:topic", "not-an-arn")


def test_evaluate_adversarial_policies_at_the_caps_stay_bounded():
    """Policies filled to the total cap with slow-to-reject patterns, against a 2,000-character
    resource, are decided in bounded time."""
    from lessons.policy import Policy, PolicyKind, PolicyType, Request, evaluate

    patterns = ["arn:::::*" + "a?" * 40 + f"b{i}*" for i in range(600)]
    policies = [
        Policy(
            PolicyType.IDENTITY,
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": patterns[n : n + 100]}
                ],
            },
            kind=PolicyKind.BUCKET,
        )
        for n in range(0, 600, 100)
    ]
    req = Request(
        principal="arn:aws:iam::111122223333:user/a",
        action="s3:GetObject",
        resource="arn:::::" + "a" * 2000,
    )
    start = time.perf_counter()
    assert not evaluate(req, policies).allowed
    assert time.perf_counter() - start < 3
