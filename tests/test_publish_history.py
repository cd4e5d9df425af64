"""Published leaderboard versions are immutable: a new file may only append versions, each with
a changelog entry; ``leaderboard build`` refuses to extend a file whose history was rewritten and
``leaderboard check --published`` compares against the published file."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from test_publish_site import make_record

from brainscore_audio import leaderboard
from brainscore_audio.cli import main
from brainscore_audio.errors import UserError
from brainscore_audio.publish.history import check_changelog, check_history
from brainscore_audio.records import write_record

ROOT = Path(__file__).resolve().parents[1]


def two_versions():
    v1 = leaderboard.build([make_record("m1", "b.x", 0.3)])
    v2 = leaderboard.build([make_record("m1", "b.x", 0.4, minutes=5)], v1)
    assert (v1.leaderboard_version, v2.leaderboard_version) == (1, 2)
    return v1, v2


def test_appending_a_version_keeps_history():
    v1, v2 = two_versions()
    check_history(v1, v2)
    check_history(v2, v2)


@pytest.mark.parametrize("edit, message", [
    (lambda b: b.changelog[0].changes.append("sneaky"), "rewrites the changelog entry of "
                                                        "published v1"),
    (lambda b: setattr(b.changelog[0], "date", b.changelog[0].date + timedelta(days=1)),
     "rewrites the changelog entry of published v1"),
    (lambda b: b.changelog.pop(0), r"changelog versions \[2\] do not match"),
    (lambda b: setattr(b, "leaderboard_version", 3), r"changelog versions \[1, 2\] do not match "
                                                     "leaderboard_version 3"),
])
def test_rewritten_history_is_refused(edit, message):
    v1, v2 = two_versions()
    edit(v2)
    with pytest.raises(UserError, match=message):
        check_history(v1, v2, "new.json")


def test_same_version_must_be_identical_and_versions_only_go_up():
    v1, v2 = two_versions()
    edited = v2.model_copy(deep=True)
    edited.models["m1@1"].scores["b.x"].raw = 0.9
    with pytest.raises(UserError, match="differs from the published v2 without a new version"):
        check_history(v2, edited)
    with pytest.raises(UserError, match="leaderboard_version 1 is older than the published v2"):
        check_history(v2, v1)
    empty = v1.model_copy(update={"changelog": [v1.changelog[0].model_copy(update={"changes": []})]})
    with pytest.raises(UserError, match="entry of v1 lists no changes"):
        check_changelog(empty)


def test_committed_leaderboard_has_one_entry_per_version(capsys):
    board = leaderboard.load(ROOT / "leaderboard" / "leaderboard.json")
    check_changelog(board)
    assert main(["leaderboard", "check", str(ROOT / "leaderboard" / "leaderboard.json")]) == 0
    assert f"v{board.leaderboard_version}, history intact" in capsys.readouterr().out


def test_build_refuses_to_extend_a_rewritten_file_and_check_compares(tmp_path, capsys):
    scores, board_file = tmp_path / "scores", tmp_path / "lb.json"
    write_record(make_record("m1", "b.x", 0.3), scores)
    assert main(["leaderboard", "build", "--scores", str(scores), "--output", str(board_file)]) == 0
    published = tmp_path / "published.json"
    published.write_text(board_file.read_text())
    write_record(make_record("m1", "b.x", 0.5, minutes=5), scores)
    assert main(["leaderboard", "build", "--scores", str(scores), "--output", str(board_file)]) == 0
    assert main(["leaderboard", "check", str(board_file), "--published", str(published)]) == 0
    capsys.readouterr()

    data = json.loads(board_file.read_text())
    data["changelog"][0]["changes"] = ["rewritten"]  # v2 file that edits published v1's entry
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data))
    assert main(["leaderboard", "check", str(edited), "--published", str(published)]) == 2
    assert "rewrites the changelog entry of published v1" in capsys.readouterr().err

    data["changelog"].pop(0)  # history lost in the working file: build must not extend it
    board_file.write_text(json.dumps(data))
    before = board_file.read_text()
    write_record(make_record("m2", "b.x", 0.1), scores)
    assert main(["leaderboard", "build", "--scores", str(scores), "--output", str(board_file)]) == 2
    assert "changelog versions [2] do not match" in capsys.readouterr().err
    assert board_file.read_text() == before
