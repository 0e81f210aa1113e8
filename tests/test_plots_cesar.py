"""CESAR report: verdicts computed from slopes, the ablation table, and the figures drawn from scaling files."""

import json

import pandas as pd
import pytest

from replication.plots.cesar import ablation_table, load_scaling, radar_figure, scaling_figure, slope_figure
from replication.plots.cesar_report import ablation_rows, cesar_section, scaling_verdicts


def _summaries(outcome, cesar):
    rows = [{"method": "outcome", "seed": i, "slope": s, "think": 50.0, "no_think": 52.0, "sweet_spot_budget": 0.0}
            for i, s in enumerate(outcome)]
    rows += [{"method": "cesar", "seed": i, "slope": s, "think": 55.0 + i, "no_think": 50.0, "sweet_spot_budget": 8.0}
             for i, s in enumerate(cesar)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("outcome, cesar, first, second", [
    ([-0.2, -0.1], [0.1, 0.3], "showed test-time inverse scaling", "reversed it"),  # the paper's finding
    ([-0.2, -0.1], [-0.05, -0.01], "showed", "raised the slope but did not reverse"),
    ([0.1, 0.2], [0.3, 0.4], "did not show", "no inverse scaling to reverse"),
    ([-0.1, -0.1], [-0.3, -0.2], "showed", "did not improve the slope"),
])
def test_verdicts_follow_the_slopes(outcome, cesar, first, second):
    sentences = scaling_verdicts(_summaries(outcome, cesar))
    assert first in sentences[0] and second in sentences[1]
    assert f"{sum(outcome) / 2:+.4f}" in sentences[0]


def test_ablation_table_means_and_spreads():
    table = ablation_table(_summaries([-0.2, -0.1], [0.1, 0.3]))
    assert table.loc["cesar", "think"] == 55.5 and table.loc["cesar", "slope"] == pytest.approx(0.2)
    assert table.loc["cesar", "slope_sd"] == pytest.approx(0.1414, abs=1e-4)  # sd of (0.1, 0.3), ddof 1
    rows = ablation_rows(table)
    assert rows[1][0] == "CESAR" and rows[1][3] == "77.1" and rows[1][7] == "0.0383"


def test_figures_and_section_from_scaling_files(tmp_path):
    dirs = {}
    for method, seed, gain in [("sft", -1, -0.2), ("outcome", 0, -0.1), ("cesar", 0, 0.2), ("cesar", 1, 0.3)]:
        run = tmp_path / f"{method}{seed}"
        run.mkdir()
        rows = [{"budget": b, "avg_tokens": 0.9 * b, "total": 50 + gain * b, "task_sound": 40.0, "task_music": 50.0,
                 "task_speech": 60.0, "difficulty_easy": 70.0, "difficulty_medium": 50.0, "difficulty_hard": 30.0}
                for b in (0, 8, 16)]
        pd.DataFrame(rows).to_csv(run / "scaling.csv", index=False)
        (run / "summary.json").write_text(json.dumps({"slope": gain / 0.9, "think": 50 + 16 * gain,
                                                      "no_think": 50.0, "sweet_spot_budget": 0.0}))
        dirs[(method, seed)] = run
    curves, summaries = load_scaling(dirs)
    for figure in (scaling_figure(curves), slope_figure(curves, summaries), radar_figure(curves)):
        assert figure.axes
    section = cesar_section(ablation_table(summaries), summaries, "smoke", [0, 8, 16], 12, curves)
    assert "![cesar_scaling](cesar_scaling.png)" in section and "reversed it" in section
    # sft and outcome fall from L = 0 to L = 8 (negative gain), the two CESAR seeds rise
    assert "below the no-reasoning accuracy for 2 of 3 models" in section
