"""Reading a CSV of addresses to invite: a pure function, bytes in, rows and problems out."""

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from hypothesis import given
from hypothesis import strategies as st

from trainer.teams.roster import RosterRefused, Row, RowStatus, roster_parse, row_statuses

LIMITS = {"max_rows": 1000, "max_bytes": 512 * 1024}


def parse(text, encoding="utf-8", **options):
    data = text if isinstance(text, bytes) else text.encode(encoding)
    return roster_parse(data, **{**LIMITS, **options})


def emails(roster):
    return [(row.line, row.email, row.role) for row in roster.rows]


# Encodings, separators, headers ------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig"], ids=["without byte-order mark", "with byte-order mark"]
)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_roster_parse_reads_utf_8_with_or_without_a_byte_order_mark(encoding, newline):
    """Excel's "CSV UTF-8" starts with a byte-order mark; the first address is read without it."""
    roster = parse(newline.join(["Ann@Example.com", "bob@example.com", ""]), encoding)
    assert emails(roster) == [(1, "ann@example.com", "member"), (2, "bob@example.com", "member")]
    assert roster.invalid == roster.duplicates == ()


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_roster_parse_takes_a_comma_semicolon_or_tab_as_separator(separator):
    """European spreadsheets save with semicolons; the role is the second column either way."""
    roster = parse(f"ann@example.com{separator}manager\nbob@example.com{separator}Member\n")
    assert emails(roster) == [(1, "ann@example.com", "manager"), (2, "bob@example.com", "member")]


@pytest.mark.parametrize(
    "header", ["email", "E-mail", "Email address;Role", "name;work email;role", "role;email"]
)
def test_roster_parse_skips_a_header_and_finds_its_columns(header):
    """A first line without an address that names its columns is a header, in any order."""
    columns = [name.strip().lower() for name in header.split(";")]
    cells = {"email": "ann@example.com", "role": "manager", "name": "Ann"}

    def cell(name):
        return next((value for key, value in cells.items() if key in name), cells["email"])

    line = ";".join(cell(name) for name in columns)
    roster = parse(f"{header}\n{line}\n")
    role = "manager" if "role" in columns else "member"
    assert emails(roster) == [(2, "ann@example.com", role)]
    assert roster.invalid == ()


def test_roster_parse_without_a_header_reads_the_first_line_as_an_address():
    """Without a header, line 1 is an address like any other."""
    roster = parse("ann@example.com\nbob@example.com\n")
    assert [row.line for row in roster.rows] == [1, 2]


def test_roster_parse_keeps_a_first_line_that_is_neither_header_nor_address_as_invalid():
    """A typo on line 1 is reported like any other line, not silently taken for a header."""
    roster = parse("ann.example.com\nbob@example.com\n")
    assert [(p.line, p.text) for p in roster.invalid] == [(1, "ann.example.com")]


def test_roster_parse_refuses_a_header_naming_no_address_column():
    """A header with several columns and none for addresses refuses the file."""
    with pytest.raises(RosterRefused, match="names no e-mail column"):
        parse("name;team;role\nAnn;x;member\n")


def test_roster_parse_uses_the_given_default_role_for_lines_naming_none():
    """Lines without a role get the default role chosen on the form."""
    roster = parse("ann@example.com\nbob@example.com;member\n", default_role="manager")
    assert [row.role for row in roster.rows] == ["manager", "member"]


def test_roster_parse_reads_quoted_cells_and_numbers_lines_as_in_the_file():
    """A quoted cell may hold the separator or a line break; line numbers stay the file's."""
    roster = parse('"ann@example.com","member"\n\n"x,\ny"\nbob@example.com\n')
    assert emails(roster) == [(1, "ann@example.com", "member"), (5, "bob@example.com", "member")]
    assert [p.line for p in roster.invalid] == [3]


# Invalid lines and duplicates --------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("not-an-address", "not an e-mail address"),
        ("ann@", "not an e-mail address"),
        ("ann@exa mple.com", "not an e-mail address"),
        ('=HYPERLINK("http://evil.example")@x.com', "spreadsheet formula"),
        ("+1@example.com", "spreadsheet formula"),
        ("-2+3@example.com", "spreadsheet formula"),
        ("@SUM(A1)", "spreadsheet formula"),
        ("a" * 250 + "@example.com", "longer than 254 characters"),
        (";manager", "no e-mail address"),
    ],
)
def test_roster_parse_reports_an_invalid_line_with_its_number_and_reason(cell, reason):
    """A bad line is named, not invited; the good lines around it still are."""
    roster = parse(f"ann@example.com\n{cell}\nbob@example.com\n")
    [problem] = roster.invalid
    assert problem.line == 2
    assert reason in problem.reason
    assert [row.email for row in roster.rows] == ["ann@example.com", "bob@example.com"]


def test_roster_parse_refuses_a_role_that_is_not_a_team_role():
    """An unknown role, or a formula in the role column, makes the line invalid."""
    roster = parse("ann@example.com;owner\nbob@example.com;=cmd()\n")
    assert [(p.line, p.reason) for p in roster.invalid] == [
        (1, "the role must be “member” or “manager”"),
        (2, "the role must be “member” or “manager”"),
    ]


def test_roster_parse_shortens_a_long_invalid_cell_it_repeats():
    """The preview repeats at most 80 characters of a rejected cell."""
    roster = parse("x" * 5000 + "\n")
    [problem] = roster.invalid
    assert len(problem.text) == 80
    assert problem.text.endswith("…")


def test_roster_parse_counts_an_address_once_and_names_its_repeats():
    """Case and surrounding spaces do not make a second address; the first line counts."""
    roster = parse("ann@example.com;manager\nbob@example.com\n  ANN@example.com ;member\n")
    assert emails(roster) == [(1, "ann@example.com", "manager"), (2, "bob@example.com", "member")]
    assert [(p.line, p.reason) for p in roster.duplicates] == [(3, "already on line 1")]


# Files refused whole -----------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n  \r\n", b";;\n"])
def test_roster_parse_refuses_an_empty_file(data):
    """An empty file, a lone byte-order mark, blank lines or separators only are refused."""
    with pytest.raises(RosterRefused, match="empty"):
        roster_parse(data, **LIMITS)


def test_roster_parse_refuses_a_header_without_addresses():
    """A header with nothing under it is refused."""
    with pytest.raises(RosterRefused, match="header and no e-mail address"):
        parse("email;role\n")


@pytest.mark.parametrize(
    ("data", "line"),
    [
        ("ann@example.com\nzoë@exämple.com\n".encode("latin-1"), 2),
        (b"ann@example.com\nbob@example.com\n\xff\xfe\n", 3),
    ],
    ids=["latin-1", "stray bytes"],
)
def test_roster_parse_refuses_text_that_is_not_utf_8_naming_the_line(data, line):
    """Text in another encoding is refused whole, naming the first unreadable line."""
    with pytest.raises(RosterRefused, match=rf"not UTF-8 text \(line {line} cannot be read\)"):
        roster_parse(data, **LIMITS)


def test_roster_parse_refuses_utf_16_by_name():
    """Windows' "Unicode text" is UTF-16: said so, rather than called binary for its NULs."""
    with pytest.raises(RosterRefused, match="UTF-16 text, not UTF-8"):
        roster_parse("ann@example.com\n".encode("utf-16"), **LIMITS)


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",  # the start of an .xlsx
        b"ann@example.com\n\x00\x01\x02",
        b"\x89PNG\r\n\x1a\n",
    ],
    ids=["xlsx", "nul bytes", "png"],
)
def test_roster_parse_refuses_a_binary_file(data):
    """A spreadsheet, an image or NUL bytes given a .csv name are refused as not text."""
    with pytest.raises(RosterRefused, match="not a text file"):
        roster_parse(data, **LIMITS)


def test_roster_parse_refuses_more_rows_than_the_limit_saying_how_many():
    """10,000 addresses are refused whole, not cut at the limit."""
    data = "".join(f"person{n}@example.com\n" for n in range(10_000))
    with pytest.raises(RosterRefused, match="has 10,000 rows; at most 1,000"):
        parse(data)


def test_roster_parse_allows_exactly_the_row_limit_after_a_header():
    """The header does not count toward the row limit; one row more is refused."""
    data = "email\n" + "".join(f"person{n}@example.com\n" for n in range(3))
    assert len(parse(data, max_rows=3).rows) == 3
    with pytest.raises(RosterRefused, match="has 4 rows; at most 3"):
        parse(data + "one.more@example.com\n", max_rows=3)


def test_roster_parse_refuses_a_file_over_the_byte_limit():
    """A file over the byte limit is refused before it is read."""
    with pytest.raises(RosterRefused, match="larger than 1 KB"):
        parse("a" * 1025, max_bytes=1024)


def test_roster_parse_refuses_a_cell_too_long_for_csv():
    """A cell beyond the CSV reader's field limit refuses the file, naming its line."""
    with pytest.raises(RosterRefused, match="Line 2 cannot be read as CSV"):
        parse('ann@example.com\n"' + "x" * 200_000 + '"\n')


# What the preview says of each row -----------------------------------------------------------


def test_row_statuses_leaves_members_and_open_invitations_alone():
    """Members come first, then open invitations; everyone else is invited."""
    rows = tuple(Row(line=n, email=f"{name}@x.org", role="member") for n, name in enumerate("abc"))
    statuses = row_statuses(rows, members={"a@x.org"}, invited={"b@x.org", "a@x.org"})
    assert [status for _, status in statuses] == [
        RowStatus.MEMBER,
        RowStatus.INVITED,
        RowStatus.INVITE,
    ]


@given(st.binary(max_size=2000))
def test_roster_parse_any_bytes_give_a_roster_or_a_refusal(data):
    """Whatever is uploaded, the answer is a roster of valid addresses or RosterRefused."""
    try:
        roster = roster_parse(data, **LIMITS)
    except RosterRefused:
        return
    lines = [row.line for row in roster.rows]
    assert len(set(lines)) == len(lines)
    assert all("@" in row.email and row.email == row.email.lower() for row in roster.rows)


def valid(address):
    try:
        validate_email(address)
    except ValidationError:
        return False
    return len(address) <= 254 and not address.startswith(("=", "+", "-"))


@given(
    st.lists(st.emails().filter(valid), min_size=1, max_size=30),
    st.sampled_from([",", ";"]),
    st.booleans(),
)
def test_roster_parse_reads_back_every_address_written(addresses, separator, header):
    """Addresses written as a CSV come back once each, lower-cased, in order."""
    lines = (["email" + separator + "role"] if header else []) + [
        f"{address}{separator}member" for address in addresses
    ]
    roster = parse("\n".join(lines))
    assert [row.email for row in roster.rows] == list(
        dict.fromkeys(address.lower() for address in addresses)
    )
    assert roster.invalid == ()
    assert len(roster.rows) + len(roster.duplicates) == len(addresses)
