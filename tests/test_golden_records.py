"""The records of the demo, the fMRI fixture and the EEG fixtures equal the committed goldens
field by field (numbers to 1e-12): restructuring the library moves no number. A benchmark or
model version that changed on purpose asks for the goldens to be regenerated."""

from __future__ import annotations

import golden_records as g
import pytest


@pytest.mark.parametrize("case", list(g.CASES))
def test_records_equal_the_goldens(case, tmp_path):
    expected = g.golden(case)
    assert expected, f"no goldens for {case}: regenerate with `{g.REGENERATE} {case}`"
    actual = g.produce(case, tmp_path)
    assert sorted(actual) == sorted(expected), (
        f"{case}: records {sorted(actual)} differ from the goldens {sorted(expected)}; if that is "
        f"intended, regenerate with `{g.REGENERATE} {case}`")
    for name, record in actual.items():
        changed = g.version_changes(expected[name], record)
        if changed:
            pytest.fail(f"{name}: {'; '.join(changed)}: regenerate the goldens with "
                        f"`{g.REGENERATE} {case}` (and commit them with the version bump)")
        same_data = record["stimulus_set"] == expected[name]["stimulus_set"]
        found = g.differences(expected[name], record)
        assert not found, (
            f"{name}: {len(found)} field(s) differ from the golden, first: {found[:3]}"
            + ("" if same_data else f" (the fixture's data changed: if intended, regenerate with "
                                    f"`{g.REGENERATE} {case}`)"))


def test_the_comparison_sees_every_field_but_the_volatile_ones():
    record = {"raw": 0.5, "per_layer": {"a": 0.1}, "provenance": {"timestamp": "t1", "device": "cpu"}}
    assert g.differences(record, record | {"provenance": {"timestamp": "t2", "device": "cpu"}}) == []
    assert g.differences(record, record | {"raw": 0.5 + 1e-13}) == []
    assert g.differences(record, record | {"raw": 0.5 + 1e-9}) == ["raw: 0.500000001, golden 0.5"]
    assert g.differences(record, record | {"per_layer": {"a": 0.1, "b": 0.2}}) == [
        "per_layer.b: unexpected"]
    assert g.differences(record, record | {"provenance": {"timestamp": "t1", "device": "cuda"}}) \
        == ["provenance.device: 'cuda', golden 'cpu'"]
