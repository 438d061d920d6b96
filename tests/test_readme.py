"""README.md stays true: its Python runs, and its set-up commands are CI's."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()


def test_python_blocks_run(capsys):
    pytest.importorskip("skops")
    pytest.importorskip("torch")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert capsys.readouterr().out


def test_setup_commands_open_the_readme_and_ci_runs_the_second():
    commands = re.search(r"```bash\n(.*?)```", README, flags=re.S).group(1)
    assert README.index("```bash") < README.index("## ")
    main, tests = [c for c in commands.splitlines() if not c.startswith("#")]
    assert main.endswith("pip install -e . && gdlearn compare")
    assert 'gdlearn = "gdlearn.cli:main"' in (ROOT / "pyproject.toml").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    install, run = tests.split(" && ")[-2:]
    assert f"\n{install}\n" in ci and f"\n{run}\n" in ci
    # what README's command leaves out as slow, CI runs after it
    assert ci.rstrip().endswith(f"{run} -m slow")
    assert "-m 'not slow'" in (ROOT / "pyproject.toml").read_text()
