"""Every download of the site keeps to the reader's scope (issue #17, finding 1).

The routes are not listed by hand: every GET route of the app whose path ends in .xlsx, .csv or
.parquet, or whose endpoint returns a file, is opened by every role whose view is cut to some
firms (a task-force member, of ``ic`` and of another task force; an enterprise user), and no firm
outside that role's scope may appear in what comes back, on any sheet.
"""

from __future__ import annotations

import inspect
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from tests.security.conftest import Site
from yuanqu.accounts.models import User
from yuanqu.accounts.schemas import UserCreate
from yuanqu.accounts.service import create_user, issue_token
from yuanqu.app import route_table
from yuanqu.chains.definitions import shipped_chains
from yuanqu.core.auth import Role
from yuanqu.core.db import make_engine, session_scope
from yuanqu.grants.models import PaymentBatch
from yuanqu.plans.service import shipped_files
from yuanqu.registry.models import Enterprise

FILE_SUFFIXES = (".xlsx", ".csv", ".parquet")
USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
SEPARATORS = re.compile(r"[、,;，；\n]")


@dataclass(frozen=True)
class Reader:
    """A scoped account: its token and the credit codes it may see."""

    label: str
    token: str
    visible: frozenset[str]


@dataclass(frozen=True)
class Zone:
    readers: list[Reader]
    names: dict[str, str]  # uscc -> name, every firm of the zone
    batch_ids: list[int]


@pytest.fixture(scope="module")
def zone(site: Site) -> Iterator[Zone]:
    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            firms = session.execute(
                select(Enterprise.uscc, Enterprise.name, Enterprise.task_force)
            ).all()
            forces = sorted({f.task_force for f in firms if f.task_force})
            other = next(f for f in forces if f != "ic")
            username = f"tf-{other}-scope"
            if session.scalar(select(User.id).where(User.username == username)) is None:
                create_user(
                    session,
                    data=UserCreate(
                        username=username,
                        password="grey-heron-at-dusk-42",
                        role=Role.task_force,
                        task_forces=[other],
                    ),
                )
            other_token = issue_token(session, username=username)
            batch_ids = list(session.scalars(select(PaymentBatch.id)))
    finally:
        engine.dispose()
    ic = site.account(Role.task_force)
    own = site.account(Role.enterprise).uscc

    def followed(codes: tuple[str, ...]) -> frozenset[str]:
        return frozenset(f.uscc for f in firms if f.task_force in codes)

    readers = [
        Reader("task force ic", site.tokens[Role.task_force], followed(ic.task_forces)),
        Reader(f"task force {other}", other_token, followed((other,))),
        Reader("enterprise", site.tokens[Role.enterprise], frozenset({own})),
    ]
    yield Zone(readers, {f.uscc: f.name for f in firms}, batch_ids or [1])


def is_download(path: str, endpoint) -> bool:
    if path.endswith(FILE_SUFFIXES):
        return True
    # A plain Response, a file or a stream: anything but a page, a redirect or JSON.
    returns = str(inspect.signature(endpoint).return_annotation).rsplit(".", 1)[-1].strip("'>")
    return returns in ("Response", "FileResponse", "StreamingResponse")


def download_routes(site: Site) -> list[str]:
    return sorted(
        {
            entry.path
            for entry in route_table(site.app)
            if "GET" in entry.methods
            and getattr(entry.route, "endpoint", None) is not None
            and is_download(entry.path, entry.route.endpoint)
        }
    )


def concrete_paths(template: str, zone: Zone) -> list[str]:
    """The template with every path parameter filled by each value the zone has."""
    values = {
        "chain": [c.key for c in shipped_chains()],
        "batch_id": [str(b) for b in zone.batch_ids],
        "year": ["2023"],
        "period": ["2023-12"],
        "kind": ["docx"],
        "key": [re.search(r"^key: *(\S+)", text, re.M).group(1) for _n, text in shipped_files()],
    }
    paths = [template]
    for name in re.findall(r"{(\w+)}", template):
        assert name in values, f"no test value for the path parameter {{{name}}} of {template}"
        paths = [p.replace(f"{{{name}}}", v) for p in paths for v in values[name]]
    return paths


def cells(response) -> Iterator[str]:
    """Every cell of the file, as text, whatever its format."""
    body = response.content
    if body.startswith(b"PK\x03\x04"):
        book = CalamineWorkbook.from_filelike(io.BytesIO(body))
        for name in book.sheet_names:
            for row in book.get_sheet_by_name(name).to_python():
                yield from (str(v) for v in row if v not in (None, ""))
    elif body.startswith(b"PAR1"):
        for row in pq.read_table(io.BytesIO(body)).to_pylist():
            yield from (str(v) for v in row.values() if v is not None)
    else:
        yield from body.decode("utf-8-sig").splitlines()


def strangers_in(texts: Iterator[str], reader: Reader, names: dict[str, str]) -> set[str]:
    """The firms outside the reader's scope that the cells name, by credit code or by name."""
    hidden_names = {name: uscc for uscc, name in names.items() if uscc not in reader.visible}
    found = set()
    for text in texts:
        found |= {c for c in USCC.findall(text) if c in names and c not in reader.visible}
        for token in SEPARATORS.split(text):
            name = token.strip().split("（")[0]
            if name in hidden_names:
                found.add(hidden_names[name])
    return found


def test_the_site_has_downloads_to_check(site: Site) -> None:
    routes = download_routes(site)
    assert "/chains/{chain}/report.xlsx" in routes
    assert "/enterprises/export.xlsx" in routes


def test_no_download_names_a_firm_outside_the_readers_scope(site: Site, zone: Zone) -> None:
    leaks, opened = [], 0
    for template in download_routes(site):
        for path in concrete_paths(template, zone):
            for reader in zone.readers:
                client = site.client()
                client.headers["Authorization"] = f"Bearer {reader.token}"
                response = client.get(path)
                assert response.status_code < 500, (path, reader.label, response.text[:300])
                if response.status_code != 200:
                    continue  # refused: nothing leaks
                opened += 1
                strangers = strangers_in(cells(response), reader, zone.names)
                if strangers:
                    leaks.append(f"{path} as {reader.label}: {len(strangers)} firms outside scope")
    assert opened, "no download was opened by a scoped reader: the test proves nothing"
    assert leaks == []


def test_the_chain_report_names_the_readers_own_firms_only(site: Site, zone: Zone) -> None:
    everyone = codes_in(site.client(Role.analyst), "/chains/ic/report.xlsx")
    for reader in zone.readers[:2]:
        client = site.client()
        client.headers["Authorization"] = f"Bearer {reader.token}"
        named = codes_in(client, "/chains/ic/report.xlsx")
        assert named <= reader.visible
        # What the analyst's report names within this reader's scope, the reader's names too.
        assert named == everyone & reader.visible
    assert everyone - zone.readers[1].visible  # the report of ic names firms ngit does not follow


def codes_in(client, path: str) -> set[str]:
    response = client.get(path)
    assert response.status_code == 200
    return {c for text in cells(response) for c in USCC.findall(text)}
