"""The demo's summary: each stage's time and the table the demo ends with."""

from __future__ import annotations

from schemas.results import StageResult
from schemas.stages import Stage
from tasks.summary import build_summary, time_table


def _result(stage: Stage) -> StageResult:
    return StageResult(
        stage=stage, number=stage.number, name_fi=stage.title_fi, region="HVA08", cycle=2026, cases=[], artefacts=[]
    )


def test_the_summary_has_each_stages_time_and_the_total() -> None:
    results = [_result(Stage.NEEDS), _result(Stage.TARGETS)]
    summary = build_summary(region="HVA08", cycle=2026, results=results, seconds=[3.214, 1.5])
    assert [(s["stage"], s["seconds"]) for s in summary["stages"]] == [("needs", 3.21), ("targets", 1.5)]
    assert summary["seconds"] == 4.71
    table = time_table(summary)
    assert table[0].split() == ["vaihe", "aika", "s"]
    assert table[2].startswith("1. Strateginen palvelutarpeiden arviointi") and table[2].endswith("   3.21")
    assert table[-1].split() == ["yhteensä", "4.71"]
    assert len({len(line) for line in table}) == 1  # one column width


def test_without_times_there_is_no_table() -> None:
    summary = build_summary(region="HVA08", cycle=2026, results=[_result(Stage.NEEDS)])
    assert "seconds" not in summary and "seconds" not in summary["stages"][0]
    assert time_table(summary) == []
