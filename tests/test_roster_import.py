"""Importing the ward's roster CSV (``hoiku import-csv``) into a facility of its own."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from domain.validation import fiscal_year_of
from hoiku.cli import main
from hoiku.roster_import import import_roster_file
from hoiku.settings import DEFAULT_DATA_KEY, Settings, get_settings
from persistence.demo.names import classroom_name
from persistence.models import (
    AuditEntryRow,
    ChildRow,
    ClassroomRow,
    EnrolmentRow,
    FacilityRow,
    GuardianRow,
    GuardianshipRow,
    WardRow,
)
from persistence.records.roster.errors import RosterInvalid, RowError
from persistence.records.roster.read import parse_roster

SETTINGS = Settings(data_key=DEFAULT_DATA_KEY)
FISCAL_YEAR = fiscal_year_of(datetime.now(UTC).date())
HEADER = (
    "児童氏名,児童カナ,性別,生年月日,クラス,年齢,"
    "保護者氏名,保護者カナ,続柄,携帯電話,住所,主たる連絡先,備考"
)


def born_in_class(age: int) -> str:
    """A June birthday that puts a child in the ``age`` class this 年度."""
    return date(FISCAL_YEAR - age - 1, 6, 1).strftime("%Y/%m/%d")


# Two siblings share their father (same カナ and 携帯電話); the mother is the
# younger one's primary contact; kana and phones come half-width or full-width.
ROWS = [
    f"髙橋 陽葵,タカハシ ヒマリ,女,{born_in_class(1)},,,髙橋 健太,タカハシ ケンタ,父,"
    "090-1111-2222,東京都架空区桜町1丁目2番3号,,",
    f"髙橋 陽葵,タカハシ ヒマリ,女,{born_in_class(1)},,,髙橋 美咲,ﾀｶﾊｼ ﾐｻｷ,母,"
    "０８０－３３３３－４４４４,東京都架空区桜町1丁目2番3号,○,",
    f"髙橋 蓮,タカハシ レン,男,{born_in_class(4)},きりん組,,髙橋 健太,タカハシ ケンタ,父,"
    "090-1111-2222,東京都架空区桜町1丁目2番3号,,兄",
    f"山﨑 湊,やまざき みなと,男,{born_in_class(3)},,3歳児,山﨑 彩,ヤマザキ アヤ,母,"
    "070-5555-6666,,,",
]


def roster(rows: list[str]) -> str:
    return "\r\n".join([HEADER, *rows]) + "\r\n"


async def new_facility(services) -> str:
    """A facility with one class per age 0–5 this 年度; its code."""
    code = "R" + uuid.uuid4().hex[:8].upper()
    async with services.sessions.begin() as session:
        ward = WardRow(id=uuid.uuid4(), name="架空区")
        facility = FacilityRow(
            id=uuid.uuid4(), ward_id=ward.id, code=code, name="区立テスト保育園", name_kana="テスト"
        )
        session.add(ward)
        await session.flush()
        session.add(facility)
        await session.flush()
        for age in range(6):
            name, kana = classroom_name(age)
            session.add(
                ClassroomRow(
                    facility_id=facility.id,
                    fiscal_year=FISCAL_YEAR,
                    name=name,
                    name_kana=kana,
                    age_min=age,
                    age_max=age,
                )
            )
    return code


async def children_of(services, code: str) -> list[tuple[str, str, str, str]]:
    """(name, kana, class, guardians as 続柄:カナ, * = primary) per child, in kana order."""
    async with services.sessions() as session:
        rows = await session.execute(
            select(ChildRow, ClassroomRow.name)
            .join(FacilityRow, FacilityRow.id == ChildRow.facility_id)
            .join(ClassroomRow, ClassroomRow.id == ChildRow.classroom_id)
            .where(FacilityRow.code == code)
        )
        result = []
        for child, room in rows:
            links = await session.execute(
                select(GuardianshipRow, GuardianRow)
                .join(GuardianRow, GuardianRow.id == GuardianshipRow.guardian_id)
                .where(GuardianshipRow.child_id == child.id)
                .order_by(GuardianshipRow.relationship)
            )
            guardians = " ".join(
                f"{link.relationship}:{g.given_name_kana}{'*' if link.is_primary_contact else ''}"
                for link, g in links
            )
            kana = f"{child.family_name_kana} {child.given_name_kana}"
            result.append((f"{child.family_name} {child.given_name}", kana, room, guardians))
        return sorted(result, key=lambda child: child[1])  # by code point, whatever the collation


async def count(services, model, *where) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


async def import_file(database_url: str, tmp_path: Path, data: bytes, code: str):
    path = tmp_path / f"roster-{uuid.uuid4().hex[:6]}.csv"
    path.write_bytes(data)
    # Codes are matched case-insensitively, as an operator may type f01.
    return await import_roster_file(
        SETTINGS, database_url, path, facility_code=code.lower(), show_progress=False
    )


def at_facility(code: str, column):
    return column.in_(select(FacilityRow.id).where(FacilityRow.code == code))


async def test_a_utf8_bom_roster_imports_children_guardians_and_shared_siblings(
    services, database_url, tmp_path
):
    code = await new_facility(services)
    outcome = await import_file(
        database_url, tmp_path, b"\xef\xbb\xbf" + roster(ROWS).encode(), code
    )

    assert (outcome.encoding, outcome.rows, outcome.ignored_columns) == ("utf-8-sig", 4, ("備考",))
    report = outcome.report
    created = (report.children_created, report.guardians_created)
    assert created == (3, 3)  # the siblings' father once
    assert await children_of(services, code) == [
        ("山﨑 湊", "やまざき みなと", "ぱんだ組", "母:アヤ*"),
        ("髙橋 陽葵", "タカハシ ヒマリ", "りす組", "母:ミサキ* 父:ケンタ"),
        ("髙橋 蓮", "タカハシ レン", "きりん組", "父:ケンタ*"),
    ]
    async with services.sessions() as session:
        phones = await session.scalars(
            select(GuardianRow.mobile_phone)
            .join(GuardianshipRow, GuardianshipRow.guardian_id == GuardianRow.id)
            .join(ChildRow, ChildRow.id == GuardianshipRow.child_id)
            .where(at_facility(code, ChildRow.facility_id), GuardianRow.given_name == "美咲")
        )
        assert list(phones) == ["080-3333-4444"]  # full-width digits normalised
    new_children = select(ChildRow.id).where(at_facility(code, ChildRow.facility_id))
    this_year = EnrolmentRow.fiscal_year == FISCAL_YEAR
    assert (
        await count(services, EnrolmentRow, this_year, EnrolmentRow.child_id.in_(new_children)) == 3
    )
    audited = (AuditEntryRow.client == "hoiku import-csv", AuditEntryRow.role == "operator")
    assert (
        await count(services, AuditEntryRow, *audited, at_facility(code, AuditEntryRow.facility_id))
        == 6
    )


async def test_a_shift_jis_roster_as_excel_saves_it_imports(services, database_url, tmp_path):
    code = await new_facility(services)
    outcome = await import_file(database_url, tmp_path, roster(ROWS).encode("cp932"), code)

    assert outcome.encoding == "cp932"
    # 髙 and 﨑 exist only in Windows' Shift_JIS (cp932), which Excel writes.
    assert [name for name, *_ in await children_of(services, code)] == [
        "山﨑 湊",
        "髙橋 陽葵",
        "髙橋 蓮",
    ]


async def test_a_row_with_bad_kana_is_reported_by_number_and_nothing_is_written(
    services, database_url, tmp_path
):
    code = await new_facility(services)
    bad = [*ROWS[:2], ROWS[2].replace("タカハシ レン", "Takahashi Ren"), *ROWS[3:]]
    guardians_before = await count(services, GuardianRow)

    with pytest.raises(RosterInvalid) as raised:
        await import_file(database_url, tmp_path, roster(bad).encode(), code)

    assert raised.value.errors == [RowError(4, "児童カナ must be written in kana")]
    assert await children_of(services, code) == []
    assert await count(services, GuardianRow) == guardians_before


async def test_importing_the_same_roster_again_adds_no_child(services, database_url, tmp_path):
    code = await new_facility(services)
    data = roster(ROWS).encode()
    first_import = await import_file(database_url, tmp_path, data, code)
    assert first_import.encoding == "utf-8"  # no BOM
    first = await children_of(services, code)
    guardians = await count(services, GuardianRow)

    again = await import_file(database_url, tmp_path, data, code)

    assert (again.report.children_created, again.report.children_already_present) == (0, 3)
    assert again.report.guardians_created == 0
    assert await children_of(services, code) == first
    assert await count(services, GuardianRow) == guardians


async def test_a_new_sibling_in_a_later_roster_joins_the_known_guardian(
    services, database_url, tmp_path
):
    code = await new_facility(services)
    await import_file(database_url, tmp_path, roster(ROWS).encode(), code)
    sibling = (
        f"髙橋 結,タカハシ ユイ,女,{born_in_class(0)},,,髙橋 健太,タカハシ ケンタ,父,"
        "090-1111-2222,東京都架空区桜町1丁目2番3号,,"
    )
    outcome = await import_file(database_url, tmp_path, roster([sibling]).encode(), code)

    assert (outcome.report.guardians_created, outcome.report.guardians_reused) == (0, 1)
    assert ("髙橋 結", "タカハシ ユイ", "ひよこ組", "父:ケンタ*") in await children_of(
        services, code
    )


async def test_every_problem_of_every_row_is_listed(services, database_url, tmp_path):
    code = await new_facility(services)
    rows = [
        "山田 花子,ヤマダ ハナコ,女,2021/02/30,,,山田 太郎,ヤマダ タロウ,父,12345,,,",
        f"山田 一郎,ヤマダ イチロウ,男,{born_in_class(2)},ばら組,,山田,ヤマダ,叔父,,,,",
    ]
    with pytest.raises(RosterInvalid) as raised:
        await import_file(database_url, tmp_path, roster(rows).encode(), code)

    assert [str(e) for e in raised.value.errors] == [
        "row 2: 生年月日 is not a date (write 2021/04/05)",
        "row 2: 携帯電話 is not a phone number",
        "row 3: 保護者氏名 must separate family and given name with a space",
    ]
    # Classes are resolved only once every row is valid; then an unknown one is named.
    rows[0] = rows[0].replace("2021/02/30", born_in_class(5)).replace(",12345,", ",,")
    rows[1] = rows[1].replace("山田,ヤマダ,", "山田 次郎,ヤマダ ジロウ,")
    with pytest.raises(RosterInvalid) as raised:
        await import_file(database_url, tmp_path, roster(rows).encode(), code)
    assert [str(e) for e in raised.value.errors] == [
        f"row 3: クラス ばら組 is not a class of {code} in {FISCAL_YEAR}"
    ]
    assert await children_of(services, code) == []


@pytest.fixture
def cli_settings(database_url, monkeypatch):
    """Settings read afresh from the environment, pointing at the run's database."""
    monkeypatch.setenv("HOIKU_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_cli_lists_the_problems_and_exits_non_zero(cli_settings, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(roster([ROWS[0].replace("タカハシ ヒマリ", "高橋 ひまり")]).encode("cp932"))

    result = CliRunner().invoke(main, ["import-csv", str(path), "--facility", "F01"])

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-2:] == [
        "row 2: 児童カナ must be written in kana",
        "1 problem(s); nothing was imported.",
    ]


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("2021/04/05", date(2021, 4, 5)),
        ("2021-4-5", date(2021, 4, 5)),
        ("2021年4月5日", date(2021, 4, 5)),
        ("２０２１／４／５", date(2021, 4, 5)),
        ("2021/4/5 0:00", date(2021, 4, 5)),
        ("令和3年4月5日", date(2021, 4, 5)),
        ("R3.4.5", date(2021, 4, 5)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("H31.4.30", date(2019, 4, 30)),
    ],
)
def test_dates_are_read_as_ward_systems_and_excel_write_them(written, meant):
    row = f"山田 花子,ﾔﾏﾀﾞ ﾊﾅｺ,女,{written},,,山田 太郎,やまだ たろう,父,,,,"
    parsed = parse_roster(roster([row]).encode(), today=date(2026, 5, 1))

    (child,) = parsed.children
    assert child.child.date_of_birth == meant
    assert child.child.key == ("ヤマダ", "ハナコ", meant)  # half-width kana widened
