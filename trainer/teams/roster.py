"""Reading a CSV of e-mail addresses to invite: bytes in, rows and problems out, no database.

The file:
    encoding     UTF-8, with or without a byte-order mark. Anything else (Latin-1 from an
                 old spreadsheet, UTF-16, a binary file such as an .xlsx) is refused whole,
                 naming the first line that cannot be read.
    separator    a comma, a semicolon or a tab: whichever the first lines hold most of.
    columns      without a header, the first column is the address and an optional second
                 one the role. A first line without any "@" whose cells name a column
                 ("email", "E-mail address", "role" ...) is a header: the address is then
                 the first column whose name holds "mail" (or the only column), the role
                 the one called "role"; other columns are ignored.
    role         "member" or "manager" in any case; empty means the default role.
    limits       at most ``max_bytes`` bytes and ``max_rows`` non-blank lines, or the whole
                 file is refused (nothing is half-read).

Each line is then one of: a row to invite; invalid (not an address, longer than an
address can be, a cell a spreadsheet would run as a formula, an unknown role), named by
its line number; or a duplicate of an earlier line (the first one counts).
"""

import codecs
import csv
import io
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

# RFC 5321 limits a forward path to 256 octets, so an address is at most 254 characters;
# Invitation.invitee holds exactly that.
MAX_ADDRESS = 254
# How much of a rejected cell the preview repeats: enough to find it in the file.
SHOWN = 80
ROLES = ("member", "manager")
# Spreadsheets run a cell starting with one of these as a formula when the file is opened
# again (CSV injection); no real address a manager types starts with one.
FORMULA_STARTS = ("=", "+", "-", "@")
SEPARATORS = (",", ";", "\t")
# Text never holds C0 control characters other than tab and line ends; a file that does is
# a binary file (a spreadsheet, an image) given a .csv name.
CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The separator is the one these first lines hold most of.
SNIFFED_LINES = 20


class RosterRefused(ValueError):
    """The file as a whole cannot be read; the message says why, for the person uploading."""


class RowStatus(models.TextChoices):
    """What applying would do with a row, as far as the team already knows."""

    INVITE = "invite", "Will be invited"
    INVITED = "invited", "Already invited"
    MEMBER = "member", "Already in the team"


@dataclass(frozen=True)
class Row:
    line: int
    email: str
    role: str


@dataclass(frozen=True)
class Problem:
    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class Roster:
    rows: tuple[Row, ...]
    invalid: tuple[Problem, ...]
    duplicates: tuple[Problem, ...]


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise RosterRefused(
            "The file is UTF-16 text, not UTF-8. Save it as “CSV UTF-8” and upload it again."
        )
    # Bytes below 0x80 never occur inside a UTF-8 sequence, so the raw bytes can be checked.
    binary = CONTROL.search(data)
    if binary:
        line = data[: binary.start()].count(b"\n") + 1
        raise RosterRefused(
            f"The file is not a text file (line {line} holds control characters). "
            "Upload a CSV file, not a spreadsheet or another document."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RosterRefused(
            f"The file is not UTF-8 text (line {line} cannot be read). Save it as "
            "“CSV UTF-8” and upload it again."
        ) from error


def _separator(lines: list[str]) -> str:
    counts = {sep: sum(line.count(sep) for line in lines) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _header(cells: list[str]) -> tuple[int, int | None] | None:
    """The address and role columns a header row names, or None if it is not a header."""
    names = [cell.strip().lower() for cell in cells]
    if any("@" in name for name in names):
        return None
    role = names.index("role") if "role" in names else None
    mail = next((i for i, name in enumerate(names) if "mail" in name or name == "address"), None)
    if mail is None and role is None:
        return None
    if mail is None:
        others = [i for i in range(len(names)) if i != role]
        if len(others) != 1:
            raise RosterRefused(
                "The first line looks like a header but names no e-mail column: call it “email”."
            )
        mail = others[0]
    return mail, role


def _check_address(cell: str) -> str:
    """The address in lower case; ValueError with the reason if it is not one."""
    if not cell:
        raise ValueError("no e-mail address")
    if cell.startswith(FORMULA_STARTS):
        raise ValueError("starts like a spreadsheet formula (=, +, - or @)")
    if len(cell) > MAX_ADDRESS:
        raise ValueError(f"longer than {MAX_ADDRESS} characters")
    try:
        validate_email(cell)
    except ValidationError as error:
        raise ValueError("not an e-mail address") from error
    return cell.lower()


def _check_role(cell: str, default: str) -> str:
    role = cell.strip().lower()
    if not role:
        return default
    if role not in ROLES:
        raise ValueError("the role must be “member” or “manager”")
    return role


def roster_parse(
    data: bytes, *, max_rows: int, max_bytes: int, default_role: str = "member"
) -> Roster:
    """The rows, invalid lines and duplicates of an uploaded CSV (see the module doc);
    RosterRefused when the file as a whole is too big, too long, empty or not text."""
    if len(data) > max_bytes:
        raise RosterRefused(
            f"The file is larger than {max_bytes // 1024:,} KB. Split it into smaller files."
        )
    text = _decode(data)
    sample = [line for line in text.split("\n") if line.strip()][:SNIFFED_LINES]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(sample))
    records = []
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        raise RosterRefused(f"Line {start} cannot be read as CSV: {error}.") from error
    if not records:
        raise RosterRefused("The file is empty: put one e-mail address on each line.")
    columns = _header(records[0][1])
    if columns is not None:
        records = records[1:]
        if not records:
            raise RosterRefused("The file holds a header and no e-mail address.")
    mail, role = columns or (0, 1)
    if len(records) > max_rows:
        raise RosterRefused(
            f"The file has {len(records):,} rows; at most {max_rows:,} can be invited at "
            "once. Split it into smaller files."
        )
    rows, invalid, duplicates = [], [], []
    first_line: dict[str, int] = {}
    for line, cells in records:
        cell = cells[mail].strip() if mail < len(cells) else ""
        role_cell = cells[role] if role is not None and role < len(cells) else ""
        try:
            email = _check_address(cell)
            row_role = _check_role(role_cell, default_role)
        except ValueError as reason:
            invalid.append(Problem(line=line, text=_shown(cell), reason=str(reason)))
            continue
        if email in first_line:
            reason = f"already on line {first_line[email]}"
            duplicates.append(Problem(line=line, text=_shown(cell), reason=reason))
            continue
        first_line[email] = line
        rows.append(Row(line=line, email=email, role=row_role))
    return Roster(rows=tuple(rows), invalid=tuple(invalid), duplicates=tuple(duplicates))


def row_statuses(
    rows: tuple[Row, ...], *, members: set[str], invited: set[str]
) -> list[tuple[Row, RowStatus]]:
    """Each row with what applying would do: addresses the team already has as members or
    open invitations are left alone; every other address is invited."""
    result = []
    for row in rows:
        if row.email in members:
            status = RowStatus.MEMBER
        elif row.email in invited:
            status = RowStatus.INVITED
        else:
            status = RowStatus.INVITE
        result.append((row, status))
    return result
