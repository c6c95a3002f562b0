from lessons.numbers import parse_int


class IdConverter:
    """A row id in a URL: digits only and short enough for any database integer."""

    regex = "[0-9]{1,9}"

    def to_python(self, value):
        return parse_int(value)

    def to_url(self, value):
        return str(value)
