"""Per-row figures say what they are: the title names sample, kind and file; the file names
sort in manifest order (zero-padded row numbers)."""

from __future__ import annotations

from ktoanalysis.batch import SELFTEST_KINDS, load_manifest, make_job, run_row
from ktoanalysis.batch.runner import plot_name, plot_title, plot_width


def test_figure_title_names_sample_kind_and_file(tmp_path, write_rt, monkeypatch):
    import ktoanalysis.plotting as plotting

    write_rt(tmp_path / "a.csv", 1.0, seed=3, n=20)
    m = tmp_path / "m.toml"
    m.write_text('[[run]]\nsample = "KTO111-A"\nkind = "selftest"\nfile = "a.csv"\n')
    (row,) = load_manifest(m, extra_kinds=SELFTEST_KINDS).rows
    titles = []
    real_save = plotting.save_figure

    def spy(fig, path, **kw):
        titles.append(fig._suptitle.get_text())
        return real_save(fig, path, **kw)

    monkeypatch.setattr(plotting, "save_figure", spy)
    job = make_job(row, tmp_path / plot_name(row), title=plot_title(row, tmp_path))
    rec = run_row(job)
    assert rec["status"] == "ok" and rec["plot"] == "001_KTO111-A_selftest.png"
    (title,) = titles
    first, banner = title.split("\n", 1)
    assert first == "KTO111-A | selftest | a.csv"
    assert banner.startswith("quality: OK")


def test_plot_names_sort_in_manifest_order(tmp_path, write_rt):
    write_rt(tmp_path / "a.csv", 1.0, seed=3, n=20)
    rows = "".join(f'[[run]]\nsample = "s{i}"\nkind = "selftest"\nfile = "a.csv"\n'
                   for i in range(12))
    (tmp_path / "m.toml").write_text(rows)
    man = load_manifest(tmp_path / "m.toml", extra_kinds=SELFTEST_KINDS)
    names = [plot_name(r, plot_width(len(man.rows))) for r in man.rows]
    assert names == sorted(names) and names[0] == "001_s0_selftest.png"
    assert plot_width(999) == 3 and plot_width(1000) == 4
