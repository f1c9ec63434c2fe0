"""Track files: the shipped track is valid; a mistake names FILE:LINE."""

from __future__ import annotations

import pytest

from yuanqu.core.datafile import DataFileError
from yuanqu.core.errors import NotFound
from yuanqu.tracks.definitions import get_track, parse_track


def test_the_shipped_track() -> None:
    track = get_track("commercial_aerospace")
    assert track.chain == "aerospace" and track.industries == ("3742", "3743")
    assert "空天街区" in (track.spaces or "")
    with pytest.raises(NotFound):
        get_track("deep_sea")


def test_a_bad_track_file_names_the_line() -> None:
    with pytest.raises(DataFileError) as caught:
        parse_track("key: x1\nname_zh: 甲\nname_en: A\nindustries: 3742\n", file="t.yaml")
    assert "t.yaml:4:" in caught.value.en
