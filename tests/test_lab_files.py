"""Lab files as they really come, each through the command line with default options.

Every file is written here (``tmp_path``) in the layout of the instrument or program that
makes such files, from closed forms stated in this module (not from the package's own
functions):

* the superconducting transition is a logistic step ``R = R_n(T) / (1 + exp(-(T - Tc)/w))``
  whose half-height temperature is ``Tc`` by construction, on a metallic normal state
  ``R_n(T) = R0 + A (T/300 K)^2`` (so R(300 K) = R0 + A);
* an I-V isotherm is ``V = R_N I y/(1 + y)``, ``y = (I/I_c)^(alpha - 1)``: the power law
  ``V ~ I^alpha`` at small currents and the Ohmic branch ``V = R_N I`` above ``I_c``.

The traps (issue "R(T) and lab files as they really come"): a full cool-down 300 K -> 2 K
-> 11 K (3 K steps far from Tc, 0.25 K near it), a series floor of 10 % of R_N, a two-step
transition, a fixed-temperature current sweep in QD Resistivity format, a TSV with
non-standard headers, a QD file with one decimal-comma field, a UTF-16 export.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from campaign_data import run_cli

# ------------------------------------------------------------------ closed forms

TC_K = 5.0  # half-height temperature of the logistic step
W_K = 0.3  # logistic width
R0_OHM = 500.0  # residual normal-state resistance
A_OHM = 2500.0  # R_n(300 K) - R0
NOISE_OHM = 0.2


def r_normal(T: np.ndarray) -> np.ndarray:
    return R0_OHM + A_OHM * (np.asarray(T) / 300.0) ** 2


def r_step(T: np.ndarray, tc: float = TC_K, w: float = W_K) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(np.asarray(T) - tc) / w))


def cooldown_temperatures() -> np.ndarray:
    """300 K -> 2 K -> 11 K: 3 K steps far from Tc, 0.25 K steps within 4 K of it."""
    down = np.concatenate([np.arange(300.0, 8.9, -3.0), np.arange(8.75, 1.99, -0.25)])
    up = np.concatenate([np.arange(2.25, 9.01, 0.25), [11.0]])
    return np.concatenate([down, up])


# ------------------------------------------------------------------ file writers

QD_COLUMNS = ["Comment", "Time Stamp (sec)", "Status (code)", "Temperature (K)",
              "Magnetic Field (Oe)", "Sample Position (deg)", "Bridge 1 Resistivity (Ohm)",
              "Bridge 1 Excitation (uA)", "Bridge 2 Resistivity (Ohm)",
              "Bridge 2 Excitation (uA)", "Bridge 1 Std. Dev. (Ohm)",
              "Bridge 2 Std. Dev. (Ohm)", "Number of Readings", "Bridge 1 Resistance (Ohms)",
              "Bridge 2 Resistance (Ohms)"]


def qd_resistivity_text(T_K, R1_ohm, *, I1_uA=None, R2_ohm=None, I2_uA=None,
                        B_Oe=None, names=("film", "")) -> str:
    """A PPMS MultiVu Resistivity-option file (``BYAPP, Resistivity``), bridge 2 optional."""
    n = len(T_K)
    I1 = np.full(n, 10.0) if I1_uA is None else np.asarray(I1_uA)
    B = np.zeros(n) if B_Oe is None else np.asarray(B_Oe)
    head = ["[Header]", "; written by the test in the layout of a PPMS Resistivity file",
            "TITLE, lab-file test", "BYAPP, Resistivity, 2.1, 1.0",
            "INFO, APPNAME, PPMS MultiVu Application, 1.5.11",
            f"INFO, {names[0]}, Sample1 Name", f"INFO, {names[1]}, Sample2 Name",
            "DATATYPE, TIME, 2", "DATATYPE, COMMENT, 1", "[Data]", ",".join(QD_COLUMNS)]
    rows = []
    for k in range(n):
        r2 = "" if R2_ohm is None else f"{R2_ohm[k]:.8g}"
        i2 = "" if R2_ohm is None else f"{(I1 if I2_uA is None else I2_uA)[k]:.6g}"
        cells = ["", f"{1000 + 10 * k}", "4369", f"{T_K[k]:.6f}", f"{B[k]:.4f}", "0",
                 f"{R1_ohm[k]:.8g}", f"{I1[k]:.6g}", r2, i2, "0.01", "0.01" if r2 else "",
                 "25", f"{R1_ohm[k]:.8g}", r2]
        rows.append(",".join(cells))
    return "\r\n".join(head + rows) + "\r\n"


def write_cooldown(path: Path, *, floor_ohm: float = 0.0, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    T = cooldown_temperatures()
    R = floor_ohm + (r_normal(T) - floor_ohm) * r_step(T) + NOISE_OHM * rng.standard_normal(T.size)
    path.write_text(qd_resistivity_text(T, R), encoding="latin-1", newline="")
    return path


def fit(kind: str, *args: str):
    out = run_cli(["fit", kind, *args, "--json"])
    doc = json.loads(out.stdout) if out.stdout.strip().startswith("{") else None
    return out, doc


def value(doc: dict, name: str) -> tuple[float, float]:
    p = doc["params"][name]
    return p["value"], p["stderr"]


def check_within(doc: dict, name: str, truth: float, floor: float = 0.0) -> None:
    """The reported value lies within 3 of its own 1-sigma errors (plus ``floor``)."""
    v, e = value(doc, name)
    assert e is not None and math.isfinite(e), f"{name}: no error bar"
    assert abs(v - truth) <= 3 * e + floor, f"{name} = {v} +/- {e}, truth {truth}"


# ------------------------------------------------------------------ R(T) traps


def test_full_cooldown_300K_to_2K_to_11K(tmp_path):
    path = write_cooldown(tmp_path / "cooldown.dat")
    out, doc = fit("tc", str(path))
    assert out.exit_code == 0, out.describe()
    # R_N from the plateau just above the transition, not R at 300 K
    check_within(doc, "Tc_mid_K", TC_K, floor=0.01)
    rn, _ = value(doc, "R_N_ohm")
    assert rn == pytest.approx(r_normal(TC_K), rel=0.01)
    # R(300 K) itself (a line through the rows within +/- 5 K, not their biased mean)
    r300 = float(r_normal(300.0))
    rrr_truth = r300 / r_normal(TC_K)
    check_within(doc, "R_300K_ohm", r300, floor=0.001 * r300)
    check_within(doc, "RRR", rrr_truth, floor=0.01 * rrr_truth)
    # the report names the resistance column and the header it came from
    assert doc["provenance"]["column_headers"]["R_ohm"] == "Bridge 1 Resistance (Ohms)"


def test_series_floor_of_ten_percent(tmp_path):
    rn = r_normal(TC_K)
    floor = 0.1 * rn
    path = write_cooldown(tmp_path / "floor.dat", floor_ohm=floor)
    out, doc = fit("tc", str(path))
    assert out.exit_code == 0, out.describe()
    assert value(doc, "R_floor_ohm")[0] == pytest.approx(floor, rel=0.05)
    # without subtraction: R = 0.5 R_N where the step is (0.5 - 0.1)/0.9 = 4/9:
    # Tc_mid = Tc + w ln((4/9)/(5/9)) = Tc + w ln 0.8
    check_within(doc, "Tc_mid_K", TC_K + W_K * math.log(0.8), floor=0.02)
    out, doc = fit("tc", str(path), "-o", "subtract_floor=true")
    assert out.exit_code == 0, out.describe()
    check_within(doc, "Tc_mid_K", TC_K, floor=0.02)


def _two_step_file(path: Path, t1: float, t2: float, w: float, seed: int = 2) -> Path:
    """Two equal halves: R = R0 [step(T; t1) + step(T; t2)] / 2, 0.05 K spacing."""
    rng = np.random.default_rng(seed)
    T = np.arange(1.0, 9.0, 0.05)
    R = R0_OHM * (0.5 * r_step(T, t1, w) + 0.5 * r_step(T, t2, w))
    R = R + NOISE_OHM * rng.standard_normal(T.size)
    path.write_text(qd_resistivity_text(T, R), encoding="latin-1", newline="")
    return path


def _check_two_steps(doc: dict, t1: float, t2: float) -> None:
    assert value(doc, "R_N_ohm")[0] == pytest.approx(R0_OHM, rel=0.01)  # above both steps
    flag = next((f for f in doc["quality"]["flags"] if f["code"] == "multi_step"), None)
    assert flag is not None, doc["quality"]
    assert doc["quality"]["verdict"] in ("warn", "fail")
    # each step's temperature is reported (within two 0.05 K bins)
    found = [float(x) for x in re.findall(r"\d+\.\d+", flag["message"])]
    for t in (t1, t2):
        assert any(abs(x - t) < 0.1 for x in found), flag["message"]


def test_two_step_transition_is_flagged(tmp_path):
    path = _two_step_file(tmp_path / "two_steps.dat", 3.0, 4.0, 0.15)
    out, doc = fit("tc", str(path))
    assert out.exit_code in (0, 5), out.describe()
    _check_two_steps(doc, 3.0, 4.0)


@pytest.mark.parametrize("w", [0.12, 0.2])
def test_two_step_transition_with_intermediate_plateau(tmp_path, w):
    # a flat plateau at R_N/2 between two well separated steps: R_N above the upper step
    path = _two_step_file(tmp_path / "two_steps_plateau.dat", 3.0, 5.5, w)
    out, doc = fit("tc", str(path))
    assert out.exit_code in (0, 5), out.describe()
    _check_two_steps(doc, 3.0, 5.5)


# ------------------------------------------------------------------ I-V in QD format

IC_UA = 300.0
IV_ALPHA = {1.8: 5.0, 2.0: 3.0, 2.2: 2.0}  # alpha = 3 at 2.0 K


def iv_file(path: Path, T: float, alpha: float, *, seed: int, two_channels: bool = False):
    """A fixed-temperature excitation sweep written by the Resistivity option: the file
    has no voltage column, only R = V/I per bridge."""
    rng = np.random.default_rng(seed)
    I_uA = np.geomspace(1.0, 3000.0, 60)
    y = (I_uA / IC_UA) ** (alpha - 1.0)
    V = R0_OHM * I_uA * 1e-6 * y / (1.0 + y)
    V = V * (1 + 0.002 * rng.standard_normal(V.size)) + 1e-9 * rng.standard_normal(V.size)
    R1 = V / (I_uA * 1e-6)
    T_K = T + 2e-4 * rng.standard_normal(V.size)
    R2 = 2.0 * R1 if two_channels else None
    path.write_text(qd_resistivity_text(T_K, R1, I1_uA=I_uA, R2_ohm=R2),
                    encoding="latin-1", newline="")
    return path, I_uA * 1e-6, R1


def test_fixed_T_current_sweep_is_an_iv(tmp_path):
    path, I_A, R1 = iv_file(tmp_path / "iv_2.0K.dat", 2.0, 3.0, seed=5, two_channels=True)
    info = run_cli(["info", str(path), "--json"])
    assert info.exit_code == 0, info.describe()
    summary = json.loads(info.stdout)
    cols = {c["name"] for c in summary["columns"]}
    assert {"I_A", "V_V", "V_ch1_V", "V_ch2_V"} <= cols
    derived = summary["metadata"]["derived"]
    assert "excitation" in derived["V_ch1_V"] and "I-V" in derived["V_ch1_V"]
    from ktoanalysis.io import load

    m = load(path)
    np.testing.assert_allclose(m.column("I_A"), I_A, rtol=1e-5)
    np.testing.assert_allclose(m.column("V_ch2_V"), 2 * R1 * I_A, rtol=1e-5)
    np.testing.assert_array_equal(m.column("V_V"), m.column("V_ch1_V"))
    m2 = load(path, channel="ch2")
    np.testing.assert_array_equal(m2.column("V_V"), m2.column("V_ch2_V"))
    # tc refuses: not an R(T) curve (one line, exit 3)
    out = run_cli(["fit", "tc", str(path)])
    assert out.exit_code == 3 and out.clean_exit, out.describe()
    assert "fixed temperature" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_several_iv_isotherms_in_one_file_are_refused_by_tc(tmp_path):
    # one QD file holding the isotherms at 1.8, 2.0, 2.2 K one after the other: T spans
    # 20 % of its mean (the 1 % rule passes it), yet it is current sweeps at fixed T
    parts = [iv_file(tmp_path / f"part_{T}.dat", T, a, seed=k)
             for k, (T, a) in enumerate(IV_ALPHA.items())]
    I_uA = np.concatenate([p[1] for p in parts]) * 1e6
    R1 = np.concatenate([p[2] for p in parts])
    rng = np.random.default_rng(8)
    T_K = np.repeat(list(IV_ALPHA), [p[1].size for p in parts]) + 2e-4 * rng.standard_normal(
        I_uA.size)
    path = tmp_path / "iv_isotherms.dat"
    path.write_text(qd_resistivity_text(T_K, R1, I1_uA=I_uA), encoding="latin-1", newline="")
    out = run_cli(["fit", "tc", str(path)])
    assert out.exit_code == 3 and out.clean_exit, out.describe()
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "3 I-V isotherms" in out.stderr and "current sweep at fixed temperature" in out.stderr


def test_iv_isotherms_in_qd_format_give_T_BKT(tmp_path):
    files = [str(iv_file(tmp_path / f"iv_{T}K.dat", T, a, seed=k)[0])
             for k, (T, a) in enumerate(IV_ALPHA.items())]
    out, doc = fit("bkt-iv", *files)
    assert out.exit_code in (0, 5), out.describe()
    for T, a in IV_ALPHA.items():
        name = next(k for k in doc["params"] if k.startswith("alpha_at_") and
                    abs(float(k.removeprefix("alpha_at_").removesuffix("K")) - T) < 0.01)
        assert value(doc, name)[0] == pytest.approx(a, rel=0.05), name
    assert value(doc, "T_BKT_K")[0] == pytest.approx(2.0, abs=0.03)


def test_critical_current_kind_sees_the_iv(tmp_path):
    """An RSJ-like excitation sweep, V = R_N sqrt(I^2 - Ic^2) above Ic, zero (noise)
    below, written as R = V/I by the Resistivity option: I_switch = Ic."""
    from ktoanalysis.transport import KINDS

    if "critical-current" not in KINDS:
        pytest.skip("kind critical-current not registered")
    rng = np.random.default_rng(9)
    I_uA = np.arange(5.0, 1000.1, 5.0)
    I = I_uA * 1e-6
    Ic = IC_UA * 1e-6
    V = R0_OHM * np.sqrt(np.clip(I ** 2 - Ic ** 2, 0.0, None)) + 2e-8 * rng.standard_normal(
        I.size)
    T = 2.0 + 2e-4 * rng.standard_normal(I.size)
    path = tmp_path / "iv_rsj.dat"
    path.write_text(qd_resistivity_text(T, V / I, I1_uA=I_uA), encoding="latin-1",
                    newline="")
    out, doc = fit("critical-current", str(path))
    assert out.exit_code in (0, 5), out.describe()
    v, e = value(doc, "I_switch_A")
    assert abs(v - Ic) <= 3 * (e or 0.0) + 5e-6, (v, e)  # within errors or one 5 uA step


# ------------------------------------------------------------------ channels


def test_channel_spellings_and_unknown_channel(tmp_path):
    rng = np.random.default_rng(3)
    T = np.arange(2.0, 9.0, 0.05)
    R1 = r_normal(T) * r_step(T) + NOISE_OHM * rng.standard_normal(T.size)
    R2 = 2 * r_normal(T) * r_step(T, 4.0) + NOISE_OHM * rng.standard_normal(T.size)
    path = tmp_path / "two_bridges.dat"
    path.write_text(qd_resistivity_text(T, R1, R2_ohm=R2, names=("A", "B")),
                    encoding="latin-1", newline="")
    tcs = {}
    for spelling in ("2", "ch2", "CH2"):
        out, doc = fit("tc", str(path), "--channel", spelling)
        assert out.exit_code == 0, out.describe()
        assert doc["provenance"]["column_headers"] == {
            "T_K": "Temperature (K)", "R_ch2_ohm": "Bridge 2 Resistance (Ohms)"}
        tcs[spelling] = value(doc, "Tc_mid_K")[0]
    assert len(set(tcs.values())) == 1
    assert tcs["2"] == pytest.approx(4.0, abs=0.03)
    text = run_cli(["fit", "tc", str(path), "--channel", "ch1"])
    assert "R_ch1_ohm <- 'Bridge 1 Resistance (Ohms)'" in text.stdout
    info = json.loads(run_cli(["info", str(path), "--json", "--channel", "ch2"]).stdout)
    assert info["resistance_column"] == {"name": "R_ch2_ohm",
                                         "original": "Bridge 2 Resistance (Ohms)",
                                         "channel": 2, "reason": "chosen with --channel"}
    for cmd in (["fit", "tc"], ["info"]):
        out = run_cli([*cmd, str(path), "--channel", "ch3"])
        assert out.exit_code == 3 and out.clean_exit, out.describe()
        line, = out.stderr.strip().splitlines()
        assert "channel 3" in line and "1 (R_ch1_ohm), 2 (R_ch2_ohm)" in line


def test_manifest_channel_spellings(tmp_path):
    from ktoanalysis.batch import load_manifest, run_series

    rng = np.random.default_rng(6)
    T = np.arange(2.0, 9.0, 0.05)
    R1 = r_normal(T) * r_step(T) + NOISE_OHM * rng.standard_normal(T.size)
    R2 = r_normal(T) * r_step(T, 4.0) + NOISE_OHM * rng.standard_normal(T.size)
    (tmp_path / "f.dat").write_text(qd_resistivity_text(T, R1, R2_ohm=R2, names=("A", "B")),
                                    encoding="latin-1", newline="")
    man = tmp_path / "m.toml"
    man.write_text('[defaults]\nkind = "tc"\nfile = "f.dat"\n\n'
                   '[[run]]\nsample = "n"\nchannel = 2\n\n'
                   '[[run]]\nsample = "t"\nchannel = "ch2"\n\n'
                   '[[run]]\nsample = "bad"\nchannel = "ch3"\n')
    series = run_series(load_manifest(man), tmp_path / "out", plots=False)
    tc = series.results.set_index("sample")["Tc_mid_K"].astype(float)
    assert tc["n"] == tc["t"] == pytest.approx(4.0, abs=0.03)
    assert len(series.failures) == 1
    assert "1 (R_ch1_ohm), 2 (R_ch2_ohm)" in str(series.failures.iloc[0].to_dict())


def test_single_bridge_file_takes_channel_1(tmp_path):
    path = write_cooldown(tmp_path / "one_bridge.dat")
    for spelling in ("1", "ch1"):
        out, doc = fit("tc", str(path), "--channel", spelling)
        assert out.exit_code == 0, out.describe()
        assert "R_ohm" in doc["provenance"]["column_headers"]
    out = run_cli(["fit", "tc", str(path), "--channel", "2"])
    assert out.exit_code == 3 and "channels: 1 (R_ohm)" in out.stderr


# ------------------------------------------------------------------ headers and encodings


def _lab_tsv(path: Path) -> Path:
    rng = np.random.default_rng(4)
    T = np.arange(2.0, 9.0, 0.05)
    R = r_normal(T) * r_step(T) * 1e-3 + 1e-4 * rng.standard_normal(T.size)  # in kOhm
    B_mT = 0.3 * rng.standard_normal(T.size)  # remanent field of a magnet at zero
    lines = ["Temperature (K)\tmagnet_bpar\tlockin_3_ResX"]
    lines += [f"{t:.4f}\t{b:.4f}\t{r:.7f}" for t, b, r in zip(T, B_mT, R, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_tsv_with_lab_headers_needs_and_takes_column_mapping(tmp_path):
    path = _lab_tsv(tmp_path / "lockin.tsv")
    info = run_cli(["info", str(path), "--json"])
    warning, = json.loads(info.stdout)["warnings"]
    assert "'magnet_bpar'" in warning and "'lockin_3_ResX'" in warning
    assert "--column ORIGINAL=CANONICAL" in warning
    out = run_cli(["fit", "tc", str(path)])
    assert out.exit_code == 3 and "--column" in out.stderr
    out, doc = fit("tc", str(path), "--column", "magnet_bpar=B (mT)",
                   "--column", "lockin_3_ResX=R (kOhm)")
    assert out.exit_code == 0, out.describe()
    check_within(doc, "Tc_mid_K", TC_K, floor=0.01)
    assert value(doc, "R_N_ohm")[0] == pytest.approx(r_normal(TC_K), rel=0.01)  # kOhm -> Ohm


def test_qd_file_with_one_decimal_comma_field(tmp_path):
    clean = write_cooldown(tmp_path / "clean.dat")
    lines = clean.read_bytes().decode("latin-1").split("\r\n")
    k = next(i for i, ln in enumerate(lines) if ln.startswith(",") and ",4.750000," in ln)
    bad_line = k + 1  # 1-based
    lines[k] = lines[k].replace(",4.750000,", ",4,750000,")
    path = tmp_path / "decimal_comma.dat"
    path.write_text("\r\n".join(lines), encoding="latin-1", newline="")
    info = json.loads(run_cli(["info", str(path), "--json"]).stdout)
    clean_info = json.loads(run_cli(["info", str(clean), "--json"]).stdout)
    assert clean_info["metadata"]["warnings"] == []
    assert info["rows"] == clean_info["rows"] - 1
    warning, = info["metadata"]["warnings"]
    assert f"line {bad_line}:" in warning and "decimal comma" in warning
    # no invented channel: the columns are those of the clean file
    assert [c["name"] for c in info["columns"]] == [c["name"] for c in clean_info["columns"]]
    out, doc = fit("tc", str(path))
    assert out.exit_code == 0, out.describe()
    assert f"line {bad_line}:" in out.stderr
    assert any(f"line {bad_line}:" in w for ws in doc["provenance"]["load_warnings"].values()
               for w in ws)
    check_within(doc, "Tc_mid_K", TC_K, floor=0.01)


def test_comma_csv_with_decimal_comma_names_the_line(tmp_path):
    path = tmp_path / "rt.csv"
    path.write_text("T (K),R (Ohm)\n2.0,1.0\n2,5,3.0\n3.0,4.0\n")
    out = run_cli(["info", str(path)])
    assert out.exit_code == 3 and "line 3" in out.stderr and "decimal comma" in out.stderr


def test_european_csv(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("T (K);R (Ohm)\n2,5;1.234,5\n3,0;1.300,25\n300;3,5e3\n", encoding="utf-8")
    cols = {c["name"]: c for c in json.loads(run_cli(["info", str(path), "--json"]).stdout)[
        "columns"]}
    assert (cols["T_K"]["min"], cols["T_K"]["max"]) == (2.5, 300.0)
    assert (cols["R_ohm"]["min"], cols["R_ohm"]["max"]) == (1234.5, 3500.0)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_unicode_exports(tmp_path, encoding):
    path = tmp_path / f"rt_{encoding}.csv"
    path.write_text("T (K)\tR (kΩ)\tI (µA)\n2.0\t1.5\t10\n3.0\t2.5\t10\n",
                    encoding=encoding)
    if encoding == "utf-16":
        assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")  # with a BOM
    cols = {c["name"]: c for c in json.loads(run_cli(["info", str(path), "--json"]).stdout)[
        "columns"]}
    assert cols["R_ohm"]["max"] == pytest.approx(2500.0)
    assert cols["I_A"]["max"] == pytest.approx(10e-6)


def test_latin1_micro_sign(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("T (K),I (µA),R (Ohm)\n2,1,3\n3,2,4\n".encode("latin-1"))
    cols = {c["name"]: c for c in json.loads(run_cli(["info", str(path), "--json"]).stdout)[
        "columns"]}
    assert cols["I_A"]["max"] == pytest.approx(2e-6)
