"""Units and constants: closed forms and MODELS.md section 11 row 30."""

import math

import pytest

from ktoanalysis import units


def test_lab_units_to_si():
    assert units.to_si(10000.0, "Oe") == pytest.approx(1.0)
    assert units.to_si(79.1, "uA") == pytest.approx(79.1e-6)
    assert units.to_si(3.8e13, "cm^-2") == pytest.approx(3.8e17)
    assert units.to_si(500.0, "mK") == pytest.approx(0.5)
    assert units.to_si(90.0, "deg") == pytest.approx(math.pi / 2)
    with pytest.raises(KeyError):
        units.to_si(1.0, "furlong")


def test_constants_models_md_row_30():
    # MODELS.md section 11 row 30: 4 hbar/e^2 = 16432.9 Ohm, R_Q = h/(4e^2) = 6453.2 Ohm,
    # e^2/(16 hbar) = 1.5213e-5 S
    assert 4 * units.HBAR / units.E**2 == pytest.approx(16432.9, rel=1e-4)
    assert units.R_Q == pytest.approx(6453.2, rel=1e-4)
    assert units.E**2 / (16 * units.HBAR) == pytest.approx(1.5213e-5, rel=1e-4)
    assert units.PHI0 == pytest.approx(2.067833848e-15, rel=1e-9)


def test_prefix_case_of_ohm():
    # "MOhm" is mega, "mOhm" is milli: the case of the prefix matters
    assert units.to_si(2.0, "MOhm") == pytest.approx(2e6)
    assert units.to_si(2.0, "mOhm") == pytest.approx(2e-3)
    assert units.to_si(2.0, "kOhm") == pytest.approx(2e3)


def test_describe_units_from_canonical_names():
    import pandas as pd

    from ktoanalysis.io.measurement import Measurement

    m = Measurement(pd.DataFrame({"rho_ch1_ohm_m": [1.0, 2.0], "B_T": [0.1, None]}))
    d = {c["name"]: c for c in m.describe()}
    assert d["rho_ch1_ohm_m"]["unit"] == "ohm_m"
    assert d["B_T"]["unit"] == "T" and d["B_T"]["count"] == 1
