"""``benchmark cite`` prints BibTeX that a real parser accepts, for every benchmark and model in
the repo and for the leaderboard; CITATION.cff agrees with the package and the @software entry."""

from __future__ import annotations

from pathlib import Path

import bibtexparser
import pytest
import yaml
from test_publish_site import make_record, planted_board

from brainscore_audio import leaderboard, registry
from brainscore_audio.cli import main
from brainscore_audio.errors import UserError
from brainscore_audio.provenance import package_version
from brainscore_audio.publish import bibtex

ROOT = Path(__file__).resolve().parents[1]


def parse(text: str) -> dict[str, dict[str, str]]:
    """Parse with bibtexparser; fail on any block it could not parse or a duplicate key."""
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == [], [b.error for b in library.failed_blocks]
    keys = [e.key for e in library.entries]
    assert len(keys) == len(set(keys)), keys
    return {e.key: {"type": e.entry_type.lower(), **{f.key: f.value for f in e.fields}}
            for e in library.entries}


def cite(capsys, *argv: str) -> dict[str, dict[str, str]]:
    assert main(["cite", *argv]) == 0
    return parse(capsys.readouterr().out)


def _software(entries):
    software = [e for e in entries.values() if e["type"] == "software"]
    assert len(software) == 1
    return software[0]


@pytest.mark.parametrize("benchmark_id", registry.benchmarks.ids())
def test_every_benchmark_in_the_repo_cites_parseable_bibtex(benchmark_id, capsys):
    entries = cite(capsys, "--benchmark", benchmark_id)
    assert len(entries) >= 2, f"{benchmark_id} gives no BibTeX of its data or method papers"
    assert _software(entries)["version"] == package_version()


@pytest.mark.parametrize("model_id", registry.models.ids())
def test_every_model_in_the_repo_cites_parseable_bibtex(model_id, capsys):
    entries = cite(capsys, "--model", model_id)
    assert len(entries) == 2
    citation = registry.models.entry(model_id).metadata().get("citation")
    model_entry = next(e for e in entries.values() if e["type"] != "software")
    if not (isinstance(citation, str) and citation.strip()):  # made from metadata.yaml
        assert model_entry["type"] == "misc" and model_id in model_entry["note"]


def test_cite_leaderboard_has_everything_once_and_the_software_at_its_version(capsys, tmp_path):
    board = leaderboard.load(ROOT / "leaderboard" / "leaderboard.json")
    entries = cite(capsys, "--leaderboard", str(ROOT / "leaderboard" / "leaderboard.json"))
    software = _software(entries)
    assert software["version"] == board.package_version
    assert f"Leaderboard version {board.leaderboard_version} " in software["note"]
    assert software["year"] == str(board.created.year)
    for info in board.benchmarks.values():  # each benchmark entry present (shared ones once)
        for entry in bibtex.split_entries(info.bibtex, info.id):
            assert entry.key in entries
    assert len(entries) >= 1 + len(board.models)
    # --output writes the same text to a file
    out = tmp_path / "refs.bib"
    assert main(["cite", "--leaderboard", str(ROOT / "leaderboard" / "leaderboard.json"),
                 "--output", str(out)]) == 0
    assert parse(out.read_text()) == entries


def test_cite_from_a_planted_leaderboard_escapes_generated_entries(capsys, tmp_path):
    hostile = make_record("we{ird}%_&", "bench.x", 0.4)
    board = planted_board([hostile, make_record("plain", "bench.x", 0.2)],
                          bibtex={"bench.x": "@article{data2020, title = {Data}, year = {2020}}\n"
                                             "@inproceedings(method2021, title = {Method (2)},"
                                             " year = {2021})"})
    board.models["we{ird}%_&@1"].metadata = {"name": "Weird {model} 100%", "authors": [
        "Ada Lovelace", "The brainscore-audio developers"]}
    board.models["plain@1"].metadata = {"citation": "@misc{plain2026, title = {Plain}}"}
    path = tmp_path / "lb.json"
    leaderboard.save(board, path)
    entries = cite(capsys, "--leaderboard", str(path))
    assert {"data2020", "method2021", "plain2026"} <= set(entries)
    generated = next(e for e in entries.values() if e["type"] == "misc" and e["title"] != "Plain")
    assert generated["title"] == "Weird (model) 100\\%"
    assert generated["author"] == "Ada Lovelace and {The brainscore-audio developers}"
    # selecting one model from the leaderboard: that model and the software only
    selected = cite(capsys, "--model", "plain", "--leaderboard", str(path))
    software_key = bibtex.split_entries(bibtex.software_entry(
        board.package_version, board.leaderboard_version), "software")[0].key
    assert software_key.endswith(f"_lb{board.leaderboard_version}")
    assert set(selected) == {"plain2026", software_key}
    assert main(["cite", "--model", "absent", "--leaderboard", str(path)]) == 2
    assert "--model absent: not on" in capsys.readouterr().err


def test_cite_errors(capsys):
    assert main(["cite"]) == 2
    assert "give --model ID, --benchmark ID or --leaderboard" in capsys.readouterr().err
    assert main(["cite", "--benchmark", "no.such-benchmark"]) == 2
    assert "unknown benchmark 'no.such-benchmark'" in capsys.readouterr().err


def test_split_and_merge_entries(capsys):
    text = "junk @article{a1, title = {x {nested}}}\n@string{jan = \"January\"}\n" \
           "@book(b2, title = \"Quoted ) paren\")"
    entries = bibtex.split_entries(text, "src")
    assert [(e.type, e.key) for e in entries] == [("article", "a1"), ("string", None),
                                                  ("book", "b2")]
    assert entries[2].text == '@book(b2, title = "Quoted ) paren")'
    with pytest.raises(UserError, match="src: unbalanced braces in its @article entry"):
        bibtex.split_entries("@article{a, title = {x}", "src")
    with pytest.raises(UserError, match="without a citation key"):
        bibtex.split_entries("@article{title = {x}}", "src")
    merged = bibtex.merge([("one", "@misc{k, title = {A}}"), ("two", "@misc{k,  title = {A}}"),
                           ("three", "@misc{k, title = {B}}")])
    assert [e.text for e in merged] == ["@misc{k, title = {A}}"]
    assert "three: BibTeX key 'k' already used by a different entry" in capsys.readouterr().err


def test_citation_cff_is_cff_1_2_0_and_matches_the_package():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "version", "type", "license"):
        assert cff.get(key), key
    assert cff["type"] == "software"
    assert str(cff["version"]) == package_version()
    assert cff["title"] == bibtex.SOFTWARE_TITLE
    assert tuple(a["name"] for a in cff["authors"]) == bibtex.SOFTWARE_AUTHORS
    assert all(set(a) <= {"name", "given-names", "family-names", "orcid", "affiliation", "email"}
               for a in cff["authors"])
