"""The bkt-rt figure: the legend of the R(T) panel never covers the data (issue 15: it
covered the low-R end, where the BKT fit is)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import bkt


def _hn_rt(T, T_bkt=0.706, b=1.5, RN=1400.0):
    """Halperin-Nelson written out, R = R_N a exp(-2 sqrt(b / t)), t = T/T_BKT - 1, with
    a smooth saturation at R_N: R = 1 / (1/R_HN + 1/R_N)."""
    t = T / T_bkt - 1.0
    R_hn = 10.0 * RN * np.exp(-2.0 * np.sqrt(b / t))
    return 1.0 / (1.0 / R_hn + 1.0 / RN)


def test_rt_legend_covers_no_data_point():
    from ktoanalysis.plotting import new_figure

    T = np.linspace(0.75, 4.0, 400)
    R = _hn_rt(T)
    r = bkt.analyze([Measurement(pd.DataFrame({"T_K": T, "R_ohm": R}), {"source": "s.csv"})])
    fig = new_figure(figsize=(9, 5))
    bkt.plot(r, fig)
    fig.canvas.draw()
    ax = fig.axes[0]
    box = ax.get_legend().get_window_extent()
    for line in ax.get_lines():
        xy = np.column_stack([line.get_xdata(), line.get_ydata()]).astype(float)
        if len(xy) < 5:  # the T_BKT marker line
            continue
        xy = xy[np.isfinite(xy).all(axis=1) & (xy[:, 1] > 0)]
        px = ax.transData.transform(xy)
        inside = ((px[:, 0] > box.x0) & (px[:, 0] < box.x1) & (px[:, 1] > box.y0)
                  & (px[:, 1] < box.y1))
        assert not inside.any(), (line.get_label(), xy[inside][:3])
