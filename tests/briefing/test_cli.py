"""`yuanqu briefing`: a wrong output type is one line and exit 2, and writes nothing."""

from __future__ import annotations


def test_briefing_needs_docx_or_pdf(committed_db, cli, tmp_path) -> None:
    target = tmp_path / "b.txt"
    result = cli("briefing", "--period", "2023-12", "--out", str(target))
    assert result.exit_code == 2
    assert ".docx" in result.stderr and "Traceback" not in result.stderr
    assert not target.exists()


def test_briefing_without_statistics_says_what_is_missing(committed_db, cli, tmp_path) -> None:
    result = cli("briefing", "--out", str(tmp_path / "b.pdf"))
    assert result.exit_code != 0
    assert "yuanqu stats import" in result.stderr
