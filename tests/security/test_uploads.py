"""Uploads are bounded and their errors short (issue #17, finding 5).

The site refuses a body over ``YUANQU_MAX_UPLOAD_MB`` with 413 before taking it in; the import kit
refuses a cell longer than a sheet may hold and an xlsx that unzips to too much before parsing it;
a rejection lists at most 1,000 errors and says how many there are; no error repeats more than 200
characters of a value. A seeded fuzz of every upload route of the app (random bytes, truncated
xlsx, huge cells, wrong encodings, zip bombs) gets only 4xx with a clear message, never a 5xx.
"""

from __future__ import annotations

import inspect
import io
import random
import zipfile
from dataclasses import dataclass

import pytest
import xlsxwriter

from tests.security.conftest import Site
from yuanqu.app import route_table
from yuanqu.core.auth import Role
from yuanqu.core.config import configure, get_settings, restore_settings
from yuanqu.core.tabular import (
    MAX_CELL_CHARS,
    MAX_ECHO_CHARS,
    MAX_LISTED_ERRORS,
    ImportRejected,
    read_table,
)
from yuanqu.registry.importer import import_enterprises

REGISTRY_HEADER = "uscc,name,industry_code,established,registered_capital,employees,labels"
#: The longest error body a rejection may send: 1,000 errors of at most 200 characters each.
MAX_ERROR_BODY = 600_000


@dataclass(frozen=True)
class UploadRoute:
    path: str
    role: Role
    form: dict[str, str]
    file_field: str = "file"
    #: A path with an id in it: the id of a row the role may reach, read from the served zone.
    ids: str | None = None
    #: Attachments are stored by hash, never parsed: a file of a type the route takes is kept
    #: (2xx or a redirect); anything else is a clear 4xx. Never a 5xx.
    stores: bool = False


def _first_request_id(site: Site) -> int:
    """A request of the demo firm's (the enterprise account files and attaches to its own)."""
    from sqlalchemy import text

    from yuanqu.core.db import get_engine

    with get_engine(site.url).connect() as conn:
        return conn.execute(
            text("SELECT min(id) FROM service_requests WHERE uscc = :u"),
            {"u": site.account(Role.enterprise).uscc},
        ).scalar_one()


#: Every route of the app that takes a file, with a role that may use it and its other fields.
UPLOAD_ROUTES = {
    "/api/v1/registry/import": UploadRoute("/api/v1/registry/import", Role.analyst, {}),
    "/registry/import": UploadRoute("/registry/import", Role.analyst, {}),
    "/projects/import": UploadRoute("/projects/import", Role.project_officer, {"kind": "projects"}),
    "/api/v1/insurance/import": UploadRoute(
        "/api/v1/insurance/import", Role.analyst, {"kind": "policies"}
    ),
    "/api/v1/calendar/notices": UploadRoute("/api/v1/calendar/notices", Role.admin, {}),
    "/api/v1/grants/cases": UploadRoute(
        "/api/v1/grants/cases",
        Role.enterprise,
        {
            "policy": "high_tech_enterprise",
            "year": "2023",
            "bank_account": "6222020200112233445",
            "bank_name": "工商银行",
            "kinds": "近三个会计年度财务审计报告",
        },
        "files",
    ),
    "/grants/apply": UploadRoute(
        "/grants/apply",
        Role.enterprise,
        {
            "policy": "high_tech_enterprise",
            "year": "2023",
            "bank_account": "6222020200112233445",
            "bank_name": "工商银行",
            "kinds": "近三个会计年度财务审计报告",
        },
        "files",
    ),
    "/leads/import": UploadRoute("/leads/import", Role.project_officer, {}),
    "/api/v1/av/import": UploadRoute("/api/v1/av/import", Role.admin, {"kind": "mileage"}),
    "/api/v1/mu/resources": UploadRoute("/api/v1/mu/resources", Role.analyst, {}),
    "/api/v1/space/import": UploadRoute("/api/v1/space/import", Role.analyst, {"kind": "units"}),
    "/api/v1/agreements/import": UploadRoute("/api/v1/agreements/import", Role.admin, {}),
    "/service/new": UploadRoute(
        "/service/new",
        Role.enterprise,
        {"type": "policy", "content": "附件测试"},
        "files",
        stores=True,
    ),
    "/api/v1/service/requests/{request_id}/attachments": UploadRoute(
        "/api/v1/service/requests/{request_id}/attachments",
        Role.enterprise,
        {},
        "files",
        "request",
        stores=True,
    ),
    "/service/requests/{request_id}/attach": UploadRoute(
        "/service/requests/{request_id}/attach", Role.enterprise, {}, "files", "request", True
    ),
}


def takes_a_file(endpoint) -> bool:
    return any(
        "UploadFile" in str(p.annotation) for p in inspect.signature(endpoint).parameters.values()
    )


def post(site: Site, route: UploadRoute, name: str, content: bytes):
    client = site.client(route.role)
    if route.ids == "request":
        path = route.path.replace("{request_id}", str(_first_request_id(site)))
        return client.post(path, files=[("files", (name, content, "application/octet-stream"))])
    if route.path == "/service/new":
        return client.post(
            route.path, data=route.form, files=[("files", (name, content, "application/pdf"))]
        )
    if route.file_field == "files":
        # An application: the file stands for every piece of evidence the policy asks for, so
        # the content checks are reached, not only the list of what is missing.
        from yuanqu.policies.service import get_policy

        kinds = list(get_policy(route.form["policy"]).evidence)
        data = {**route.form, "kinds": kinds}
        files = [("files", (name, content, "application/octet-stream")) for _ in kinds]
        return client.post(route.path, data=data, files=files)
    return client.post(
        route.path, data=route.form, files={route.file_field: (name, content, "text/csv")}
    )


# --- hostile files -------------------------------------------------------------------------------


def xlsx(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            sheet.write(i, j, value)
    book.close()
    return buffer.getvalue()


def zip_bomb(expanded: int) -> bytes:
    """A well-formed xlsx shell whose sheet unzips to ``expanded`` bytes of one repeated byte."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1 << 20)
            for _ in range(expanded >> 20):
                member.write(chunk)
    return buffer.getvalue()


def with_shared_string(book: bytes, old: str, new: str) -> bytes:
    """The workbook with one shared string replaced (xlsxwriter itself cuts long strings)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == "xl/sharedStrings.xml":
                content = content.replace(old.encode(), new.encode())
            target.writestr(entry, content)
    return out.getvalue()


def fuzz_cases(seed: int, count: int) -> list[tuple[str, str, bytes]]:
    rng = random.Random(seed)
    good = xlsx([REGISTRY_HEADER.split(","), ["bad-code", "某公司", "C3973", "2015-01-01"]])
    csv_text = REGISTRY_HEADER + "\nbad-code,某公司,C3973,2015-01-01,1,1,\n"
    cases: list[tuple[str, str, bytes]] = []
    for n in range(count):
        kind = n % 9
        if kind == 0:
            cases.append(("random", "x.csv", rng.randbytes(rng.randint(1, 4000))))
        elif kind == 1:
            cases.append(
                ("random-xlsx", "x.xlsx", b"PK\x03\x04" + rng.randbytes(rng.randint(0, 3000)))
            )
        elif kind == 2:
            cases.append(("truncated", "x.xlsx", good[: rng.randint(4, len(good) - 1)]))
        elif kind == 3:
            flipped = bytearray(good)
            for _ in range(rng.randint(1, 20)):
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
            cases.append(("corrupted", "x.xlsx", bytes(flipped)))
        elif kind == 4:
            encoding = rng.choice(["utf-16", "utf-32", "latin-1", "gbk", "shift_jis"])
            text = csv_text.replace("某公司", rng.choice(["某公司", "Ångström", "株式会社"]))
            cases.append(("encoding", "x.csv", text.encode(encoding, errors="replace")))
        elif kind == 5:
            cell = rng.choice(["=", "A", "汉", "\x00"]) * rng.randint(MAX_CELL_CHARS, 40_000)
            cases.append(("huge-cell-csv", "x.csv", f"{REGISTRY_HEADER}\n{cell},x\n".encode()))
        elif kind == 6:
            noise = "".join(rng.choice(",\n\"'\r\t;=") for _ in range(rng.randint(1, 500)))
            cases.append(("csv-noise", "x.csv", (REGISTRY_HEADER + "\n" + noise).encode()))
        elif kind == 7:
            rows = [[rng.choice(["uscc", "名称", "?", ""]) for _ in range(rng.randint(1, 8))]]
            rows += [[rng.random(), "x" * rng.randint(0, 300)] for _ in range(rng.randint(0, 5))]
            cases.append(("xlsx-garbage", "x.xlsx", xlsx(rows)))
        else:
            cases.append(("empty", rng.choice(["x.csv", "x.xlsx", "x"]), b" " * rng.randint(0, 3)))
    return cases


# --- the tests -----------------------------------------------------------------------------------


def test_every_upload_route_is_fuzzed(site: Site) -> None:
    found = {
        e.path
        for e in route_table(site.app)
        if "POST" in e.methods
        and getattr(e.route, "endpoint", None) is not None
        and takes_a_file(e.route.endpoint)
    }
    assert found == set(UPLOAD_ROUTES), "a new upload route: add it to UPLOAD_ROUTES"


def test_fuzz_gets_only_clear_4xx(site: Site) -> None:
    cases = fuzz_cases(seed=17, count=180)
    failures = []
    for route in UPLOAD_ROUTES.values():
        for label, name, content in cases[:: 1 if route.path.startswith("/api/v1/registry") else 3]:
            response = post(site, route, name, content)
            low = 200 if route.stores else 400
            ok = low <= response.status_code < 500 and len(response.content) < MAX_ERROR_BODY
            if route.path.startswith("/api/") and response.status_code >= 400:
                body = response.json()
                ok = ok and set(body) >= {"code", "message", "details"} and body["message"]
            if not ok:
                failures.append((route.path, label, response.status_code, len(response.content)))
    assert failures == []


class TestSizeLimits:
    @pytest.fixture
    def one_mb(self):
        saved = get_settings()
        configure(max_upload_mb=1)
        yield
        restore_settings(saved)

    @pytest.mark.parametrize("path", sorted(UPLOAD_ROUTES))
    def test_413_above_the_limit(self, site: Site, one_mb, path: str) -> None:
        route = UPLOAD_ROUTES[path]
        response = post(site, route, "big.csv", b"a" * (2 * 2**20))
        assert response.status_code == 413, response.text[:300]
        assert "1 MB" in response.text

    def test_a_chunked_body_is_counted_as_it_comes(self, site: Site, one_mb) -> None:
        def chunks():
            boundary = (
                b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n\r\n'
            )
            yield boundary
            for _ in range(3):
                yield b"a" * 2**20

        client = site.client(Role.analyst)
        response = client.post(
            "/api/v1/registry/import",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
        assert response.status_code == 413
        assert response.json()["details"]["limit_mb"] == 1

    def test_the_default_is_50_mb(self) -> None:
        from yuanqu.core.config import Settings

        assert Settings().max_upload_mb == 50


class TestImportKit:
    def test_an_xlsx_that_expands_too_much_is_refused_before_parsing(self) -> None:
        bomb = zip_bomb(201 * 2**20)
        assert len(bomb) < 2**20  # small on the wire
        with pytest.raises(Exception) as refused:
            read_table(bomb, filename="bomb.xlsx")
        assert getattr(refused.value, "status", None) == 413
        assert "200 MB" in refused.value.zh

    def test_a_zip_that_lies_about_its_sizes_is_refused(self) -> None:
        honest = io.BytesIO()
        with zipfile.ZipFile(honest, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/worksheets/sheet1.xml", b"<" * (5 * 2**20))
        data = bytearray(honest.getvalue())
        # Rewrite the declared uncompressed size (local header and central directory) to 10.
        for header, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            at = data.find(header)
            data[at + offset : at + offset + 4] = (10).to_bytes(4, "little")
        with pytest.raises(Exception) as refused:
            read_table(bytes(data), filename="lying.xlsx")
        assert getattr(refused.value, "code", None) == "not_a_spreadsheet"

    @pytest.mark.parametrize("suffix", ["xlsx", "csv"])
    def test_a_huge_cell_is_an_error_with_its_value_cut(self, suffix: str) -> None:
        huge = "长" * 100_000
        if suffix == "csv":
            data = f"{REGISTRY_HEADER}\n91110108551385082Q,{huge}\n".encode()
        else:
            data = with_shared_string(
                xlsx([REGISTRY_HEADER.split(","), ["91110108551385082Q", "PLACEHOLDER"]]),
                "PLACEHOLDER",
                huge,
            )
        with pytest.raises(ImportRejected) as rejected:
            read_table(data, filename=f"huge.{suffix}")
        (error,) = rejected.value.errors
        assert (error.row, error.column) == (2, "name")
        assert len(error.value) == MAX_ECHO_CHARS + 1 and error.value.endswith("…")
        assert str(MAX_CELL_CHARS) in error.reason_zh

    def test_errors_are_listed_up_to_1000_with_the_total(self, session) -> None:
        rows = "\n".join(f"bad-{i},名称{i},C3973,2015-01-01,1,1," for i in range(3000))
        data = f"{REGISTRY_HEADER}\n{rows}\n".encode()
        with pytest.raises(ImportRejected) as rejected:
            import_enterprises(session, source=data, filename="many.csv")
        error = rejected.value
        assert error.total == 3000
        assert len(error.details) == MAX_LISTED_ERRORS
        assert "共 3000 处错误" in error.zh and "列出前 1000 处" in error.zh

    def test_the_api_says_the_total_and_cuts_values(self, site: Site) -> None:
        long_name = "名" * 150
        rows = "\n".join(
            f"bad-{i}{'x' * 300},{long_name},C3973,2015-01-01,1,1," for i in range(1500)
        )
        response = post(
            site,
            UPLOAD_ROUTES["/api/v1/registry/import"],
            "many.csv",
            f"{REGISTRY_HEADER}\n{rows}\n".encode(),
        )
        assert response.status_code == 422
        body = response.json()
        assert body["total"] >= 1500 and len(body["details"]) == MAX_LISTED_ERRORS
        assert max(len(d["value"]) for d in body["details"]) <= MAX_ECHO_CHARS + 1
        page = post(
            site,
            UPLOAD_ROUTES["/registry/import"],
            "many.csv",
            f"{REGISTRY_HEADER}\n{rows}\n".encode(),
        )
        assert page.status_code == 422
        assert f"{body['total']:,}" in page.text
