"""The ward's roster CSV: its columns, its encodings, and reading it into cells.

One row per child and guardian: a child with two guardians appears on two rows
with the same child columns; siblings appear on rows of their own and share a
guardian when the guardian's カナ and 携帯電話 (or, without a mobile, 住所) match.
Header names are matched after Unicode NFKC normalisation with spaces removed,
so full-width and half-width spellings both work; unknown columns are ignored
and reported.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass

from persistence.records.roster.errors import RosterInvalid, RowError

HEADER_ROW = 1


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    help: str
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column(
        "child_name",
        "児童氏名",
        True,
        "family and given name with a space between (山田 花子)",
        ("児童名", "園児氏名"),
    ),
    Column(
        "child_kana",
        "児童カナ",
        True,
        "reading in katakana or hiragana (half-width katakana too), with a space (ヤマダ ハナコ)",
        ("児童氏名カナ", "児童フリガナ", "児童ふりがな", "園児カナ"),
    ),
    Column("sex", "性別", True, "男 / 女"),
    Column(
        "date_of_birth",
        "生年月日",
        True,
        "2021/04/05, 2021-04-05, 2021年4月5日, 令和3年4月5日 or R3.4.5",
        ("児童生年月日",),
    ),
    Column(
        "class_name", "クラス", False, "this year's class name, e.g. ひよこ組", ("クラス名", "組")
    ),
    Column(
        "class_age", "年齢", False, "class age 0–5 (3, 3歳, 3歳児) when クラス is empty", ("歳児",)
    ),
    Column("nationality", "国籍", False, "e.g. 日本"),
    Column("certified_hours", "保育時間", False, "標準 (default) / 短時間", ("保育必要量",)),
    Column("guardian_name", "保護者氏名", True, "as 児童氏名", ("保護者名",)),
    Column(
        "guardian_kana",
        "保護者カナ",
        True,
        "as 児童カナ",
        ("保護者氏名カナ", "保護者フリガナ", "保護者ふりがな"),
    ),
    Column("relationship", "続柄", True, "the guardian to the child: 父, 母, 祖母 …"),
    Column("guardian_birth", "保護者生年月日", False, "as 生年月日"),
    Column("mobile_phone", "携帯電話", False, "090-1234-5678", ("携帯電話番号", "携帯")),
    Column("home_phone", "自宅電話", False, "03-1234-5678", ("電話番号", "自宅電話番号", "電話")),
    Column("address", "住所", False, "the guardian's address"),
    Column("employer_name", "勤務先", False, "employer's name", ("勤務先名", "勤務先名称")),
    Column("employer_address", "勤務先住所", False, "employer's address"),
    Column("employer_phone", "勤務先電話", False, "employer's phone", ("勤務先電話番号",)),
    Column(
        "primary_contact",
        "主たる連絡先",
        False,
        "○ marks the child's primary contact (default: the child's first row)",
        ("主連絡先",),
    ),
)


@dataclass(frozen=True)
class RosterCells:
    """The cells of one data row by column key, stripped; ``row`` counts the header as 1."""

    row: int
    cells: dict[str, str]

    def get(self, key: str) -> str:
        return self.cells.get(key, "")


@dataclass(frozen=True)
class RosterTable:
    encoding: str
    rows: list[RosterCells]
    ignored_columns: tuple[str, ...]


def decode_roster(data: bytes) -> tuple[str, str]:
    """The text and the encoding: UTF-8 (with or without BOM), UTF-16 with BOM
    (Excel's "Unicode text"), or Shift_JIS as Excel writes it (cp932)."""
    candidates: tuple[str, ...]
    if data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "cp932")
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise RosterInvalid([RowError(None, "the file is neither UTF-8 nor Shift_JIS text")])


def read_roster(data: bytes) -> RosterTable:
    """Decode, map the header onto :data:`COLUMNS` and return the non-blank rows."""
    text, encoding = decode_roster(data)
    records = list(csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text)))
    if not records:
        raise RosterInvalid([RowError(None, "the file is empty")])
    keys, ignored = _map_header(records[0])
    rows = []
    for index, record in enumerate(records[1:], start=HEADER_ROW + 1):
        if not any(cell.strip() for cell in record):
            continue  # Excel leaves empty rows such as ",,,," at the end
        cells = {key: cell.strip() for key, cell in zip(keys, record, strict=False) if key}
        rows.append(RosterCells(index, cells))
    return RosterTable(encoding, rows, ignored)


def _dialect(text: str) -> type[csv.Dialect]:
    first_line = text.split("\n", 1)[0]
    return csv.excel_tab if "\t" in first_line and "," not in first_line else csv.excel


def _normalise_header(header: str) -> str:
    return "".join(unicodedata.normalize("NFKC", header).split()).upper()


_BY_HEADER = {
    _normalise_header(name): column
    for column in COLUMNS
    for name in (column.header, *column.aliases)
}


def _map_header(headers: list[str]) -> tuple[list[str | None], tuple[str, ...]]:
    keys: list[str | None] = []
    ignored: list[str] = []
    seen: set[str] = set()
    errors = []
    for header in headers:
        column = _BY_HEADER.get(_normalise_header(header))
        if column is None:
            keys.append(None)
            if header.strip():
                ignored.append(header.strip())
            continue
        if column.key in seen:
            errors.append(RowError(HEADER_ROW, f"column {column.header} appears twice"))
        seen.add(column.key)
        keys.append(column.key)
    errors += [
        RowError(HEADER_ROW, f"required column {c.header} is missing")
        for c in COLUMNS
        if c.required and c.key not in seen
    ]
    if errors:
        raise RosterInvalid(errors)
    return keys, tuple(ignored)


def columns_help() -> str:
    """The column list for ``--help``, one column a line."""
    lines = [
        f"{c.header}{' (required)' if c.required else ''}: {c.help}"
        + (f" [also: {', '.join(c.aliases)}]" if c.aliases else "")
        for c in COLUMNS
    ]
    return "\n".join(lines)
