"""Property: whatever bytes a file holds, ``load`` returns a Measurement or raises a
KtoError subclass, never another exception.

Inputs: truncated, byte-corrupted and random-byte versions of the small fixtures and of
the measured PPMS files (their first 400 lines, which keep the instrument header and the
odd rows while staying fast), plus random text after a valid header.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ktoanalysis.errors import KtoError
from ktoanalysis.io import Measurement, load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE_FILES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".csv", ".tsv", ".dat"))
FORMATS = {"csv", "tsv", "qd-resistivity", "qd-act", "qd-eto", "qd-dynacool", "qd"}

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def _head(path: Path, n_lines: int = 400) -> bytes:
    data = path.read_bytes()
    cut = 0
    for _ in range(n_lines):
        nxt = data.find(b"\n", cut)
        if nxt < 0:
            return data
        cut = nxt + 1
    return data[:cut]


def _check(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"fuzz{suffix}"
        p.write_bytes(data)
        try:
            m = load(p)
        except KtoError:
            return
        # a successful load is a sane Measurement
        assert isinstance(m, Measurement)
        assert len(m.data) > 0
        assert m.metadata["format"] in FORMATS
        for c in m.columns:
            assert m.data[c].dtype == np.float64


def _truncated(bases: list[tuple[bytes, str]]):
    return st.sampled_from(bases).flatmap(
        lambda b: st.integers(0, len(b[0])).map(lambda n: (b[0][:n], b[1])))


def _corrupted(bases: list[tuple[bytes, str]]):
    def corrupt(b: tuple[bytes, str]):
        data, suffix = b
        edits = st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)),
                         min_size=1, max_size=12)

        def apply(ed: list[tuple[int, int]]) -> tuple[bytes, str]:
            buf = bytearray(data)
            for pos, val in ed:
                buf[pos] = val
            return bytes(buf), suffix
        return edits.map(apply)
    return st.sampled_from(bases).flatmap(corrupt)


_TEXT = st.text(alphabet=st.sampled_from(list("0123456789.,;\t eE+-naNIf#[]():\r\n\"xK")),
                max_size=400)
_HEADERS = [b"T (K),R (Ohm),B (T)\n",
            b"[Header]\nBYAPP, Resistivity\n[Data]\nComment,Temperature (K),"
            b"Magnetic Field (Oe),Bridge 1 Resistance (Ohms)\n",
            b"[Header]\nBYAPP,ACTRANSPORT\nINFO,0.1,SAMPLE1_LEAD_SEPARATION\n"
            b"INFO,0,SAMPLE1_CROSS_SECTION\n[Data]\nComment,Temperature (K),Res. ch1 (ohm-cm),"
            b"Res. Std.Dev. ch1,Res. ch2 (ohm-cm)\n"]


def _run_all(bases: list[tuple[bytes, str]]):
    @SETTINGS
    @given(case=_truncated(bases))
    def truncated(case):
        _check(*case)

    @SETTINGS
    @given(case=_corrupted(bases))
    def corrupted(case):
        _check(*case)

    truncated()
    corrupted()


FIXTURE_BASES = [(p.read_bytes(), p.suffix) for p in FIXTURE_FILES]


def test_fixture_files_truncated_and_corrupted():
    assert len(FIXTURE_BASES) >= 6
    _run_all(FIXTURE_BASES)


@pytest.mark.realdata
def test_measured_files_truncated_and_corrupted(ppms_act, ppms_resistivity, hall_psu):
    _run_all([(_head(p), ".dat") for p in (ppms_act, ppms_resistivity, hall_psu)])


@SETTINGS
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".dat", ".tsv"]))
def test_random_bytes(data, suffix):
    _check(data, suffix)


@SETTINGS
@given(header=st.sampled_from(_HEADERS), body=_TEXT)
def test_random_text_after_a_valid_header(header, body):
    _check(header + body.encode("utf-8"), ".dat")
