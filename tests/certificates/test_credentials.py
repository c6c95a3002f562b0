import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from trainer.certificates import credentials


@given(st.text(max_size=300) | st.from_regex(r"[A-Za-z0-9_\-=%.]{0,80}\.[A-Za-z0-9_\-.=]{0,80}"))
@hypothesis_settings(max_examples=300, deadline=None)
def test_verify_refuses_any_garbage_with_a_credential_error(text):
    """Whatever is pasted, our verifier answers with a reason, never another exception."""
    with pytest.raises(credentials.CredentialError):
        credentials.verify(text)


@pytest.mark.parametrize("segment", ["eyJhbGciOiJFZERTQSJ9", "bnVsbA", "W10", "AAAA", "é"])
def test_verify_refuses_odd_headers_and_payloads(segment):
    """JSON that is not an object, bytes that are not JSON, text that is not base64."""
    for token in (f"{segment}.{segment}.{segment}", f"{segment}.e30.", f"e30.{segment}.AA"):
        with pytest.raises(credentials.CredentialError):
            credentials.verify(token)
