"""ralph's LRS application, as ``ralph runserver -b fs`` serves it, with two bugs of its
file-system backend (ralph-malph 5.1) worked around so that it behaves as an LRS must.

- It creates its statements file on the first write and refuses every later one
  ("already exists and overwrite is not allowed"), so as shipped it stores one batch.
  Appending is the mode the backend itself offers for adding to a file; it is made the
  default.
- Its ``verb``, ``activity`` and ``agent`` filters compare the IRI objects the API parses
  them into with the strings in the stored statements, so they never match. They are
  handed to it as the strings they were sent as.

Nothing else changes: the API, its validation, authentication and duplicate handling are
ralph's own.
"""

from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
from ralph.models.xapi.base.common import IRI

FSLRSBackend.default_operation_type = BaseOperationType.APPEND
_query_statements = FSLRSBackend.query_statements


def _plain(value):
    if isinstance(value, IRI):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def query_statements(self, params, target=None):
    for name, value in list(vars(params).items()):
        setattr(params, name, _plain(value))
    return _query_statements(self, params, target)


FSLRSBackend.query_statements = query_statements

from ralph.api import app  # noqa: E402

__all__ = ["app"]
