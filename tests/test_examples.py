"""Every script in examples/ runs and writes its figure (``pytest -m 'not examples'``
skips them)."""

import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


@pytest.mark.examples
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs_and_saves_its_figure(path, capsys, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    if "from distributed import" in path.read_text():  # the dask extra
        pytest.importorskip("dask.array")
        pytest.importorskip("distributed")
    monkeypatch.setenv("GDLEARN_FIGURES", str(tmp_path))
    runpy.run_path(str(path), run_name="__main__")
    assert capsys.readouterr().out.strip()
    figure = tmp_path / f"{path.stem}.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_example_is_a_documented_plot_script():
    assert len(EXAMPLES) >= 7
    for path in EXAMPLES:
        assert path.name.startswith("plot_")
        text = path.read_text()
        assert text.startswith('"""') and f"python examples/{path.name}" in text
        assert (path.parent / "figures" / f"{path.stem}.png").exists()
