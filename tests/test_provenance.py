"""Provenance and strict JSON of every output: version, input SHA-256s, no NaN tokens."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ktoanalysis
from ktoanalysis.cli import app
from ktoanalysis.transport import tc
from ktoanalysis.transport.result import FitResult, file_sha256, input_files, package_version

RT = Path(__file__).resolve().parents[1] / "data" / "example_series" / "KTO111-A" / "RT.csv"


def _raise(token: str) -> None:
    raise ValueError(f"non-standard JSON constant {token}")


def strict_loads(text: str):
    """A strict JSON parser: ``NaN``, ``Infinity`` and ``-Infinity`` raise."""
    return json.loads(text, parse_constant=_raise)


def _expected_version() -> str:
    try:
        return importlib.metadata.version("ktoanalysis")
    except importlib.metadata.PackageNotFoundError:
        return ktoanalysis.__version__


def test_strict_parser_rejects_nan():
    """The parser used below does reject what json.dumps writes for NaN by default."""
    with pytest.raises(ValueError, match="NaN"):
        strict_loads(json.dumps({"x": float("nan")}))


def test_version_option():
    res = CliRunner().invoke(app, ["--version"])
    assert res.exit_code == 0, res.output
    assert res.output.strip() == f"ktoanalysis {_expected_version()}"
    assert package_version() == _expected_version()


def test_file_sha256_matches_hashlib_in_small_chunks(tmp_path):
    data = bytes(range(256)) * 1000 + b"tail"
    p = tmp_path / "f.bin"
    p.write_bytes(data)
    # a chunk size that does not divide the length: every chunk must be hashed once
    assert file_sha256(p, chunk_size=997) == hashlib.sha256(data).hexdigest()
    assert file_sha256(tmp_path / "missing.csv") is None
    assert file_sha256(tmp_path) is None  # a folder is not a file
    assert input_files([str(p), None, tmp_path / "missing.csv"]) == [
        {"file": str(p), "sha256": hashlib.sha256(data).hexdigest()},
        {"file": None, "sha256": None},
        {"file": str(tmp_path / "missing.csv"), "sha256": None}]
    assert input_files(str(p), names=["f.bin"])[0]["file"] == "f.bin"


def test_to_json_is_strict_with_nested_non_finite_values(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("T (K),R (Ohm)\n1,2\n")
    res = FitResult(kind="x", params={"a": float("nan"), "b": 2.0},
                    stats={"redchi": float("inf"), "curve": [1.0, float("-inf")]},
                    options={"window": (0.1, float("nan"))},
                    provenance={"files": [str(p), str(tmp_path / "gone.csv")],
                                "grid": np.array([[np.nan, 1.0], [np.inf, 2.0]]),
                                "scalar": np.array(np.nan), "n": np.int64(3)})
    doc = strict_loads(res.to_json())
    assert doc["params"]["a"] == {"value": None, "stderr": None}
    assert doc["stats"] == {"redchi": None, "curve": [1.0, None]}
    assert doc["options"]["window"] == [0.1, None]
    assert doc["provenance"]["grid"] == [[None, 1.0], [None, 2.0]]
    assert doc["provenance"]["scalar"] is None and doc["provenance"]["n"] == 3
    assert doc["ktoanalysis_version"] == _expected_version()
    assert doc["inputs"] == [
        {"file": str(p), "sha256": hashlib.sha256(p.read_bytes()).hexdigest()},
        {"file": str(tmp_path / "gone.csv"), "sha256": None}]
    # every number left is finite
    def walk(o):
        if isinstance(o, dict):
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
        elif isinstance(o, float):
            assert math.isfinite(o)
    walk(doc)


def test_array_level_result_has_no_inputs():
    res = FitResult(kind="x", params={"a": 1.0}, provenance={"function": "fit_x"})
    d = res.to_dict()
    assert d["inputs"] == [] and d["ktoanalysis_version"] == _expected_version()


@pytest.mark.skipif(not RT.is_file(), reason=f"bundled example data missing: {RT}")
def test_fit_json_carries_version_options_quality_and_input_hash():
    res = CliRunner().invoke(app, ["fit", "tc", str(RT), "--json", "-o", "mid_fraction=0.4"])
    assert res.exit_code == 0, res.output
    doc = strict_loads(res.stdout)
    assert doc["ktoanalysis_version"] == _expected_version()
    assert doc["quality"]["verdict"] in ("ok", "warn") and "flags" in doc["quality"]
    # the resolved options: the one given and the declared defaults of the others
    assert doc["options"]["mid_fraction"] == 0.4
    assert doc["options"]["onset_fraction"] == tc.SPEC.defaults["onset_fraction"]
    (entry,) = doc["inputs"]
    assert Path(entry["file"]).name == "RT.csv"
    assert entry["sha256"] == hashlib.sha256(RT.read_bytes()).hexdigest()
