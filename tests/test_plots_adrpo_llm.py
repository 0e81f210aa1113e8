"""The ADRPO LLM report: final-table aggregation and the 'did ADRPO beat fixed-beta GRPO' verdict, on runs written
by hand; and the adrpo_llm section of params.yaml under every profile."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from replication.configs.adrpo_llm import rl_run_dir
from replication.configs.validate import validate_all
from replication.pipeline.params import ConfigError, read_params
from replication.plots.adrpo_llm import load_runs, method_label, reward_entropy_figure
from replication.plots.adrpo_llm_report import adrpo_llm_section, beat_verdict, final_table


def probe_frame(final_rewards: dict[str, tuple[float, float]], arch: str = "qwen2") -> pd.DataFrame:
    """Two probes (step 0 at reward 0.2, the last at the given reward) per label and seed."""
    rows = []
    for label, rewards in final_rewards.items():
        for seed, reward in enumerate(rewards):
            for step, value in ((0, 0.2), (10, reward)):
                rows.append({"step": step, "reward": value, "solved": value / 2, "distinct_solved": 0.1,
                             "entropy": 2.0 - value, "kl": value / 10, "label": label, "seed": seed, "arch": arch})
    return pd.DataFrame(rows)


def test_final_table_means_and_half_ranges_over_seeds():
    table = final_table(probe_frame({"GRPO β=0": (0.4, 0.6), "ADRPO β0=0.1": (0.7, 0.7)}))
    assert table.loc[("qwen2", "GRPO β=0"), "reward"] == pytest.approx(0.5)
    assert table.loc[("qwen2", "GRPO β=0"), "reward_spread"] == pytest.approx(0.1)
    assert table.loc[("qwen2", "ADRPO β0=0.1"), "entropy"] == pytest.approx(1.3)


@pytest.mark.parametrize(
    "rewards, beat",
    [
        ({"GRPO β=0": (0.5, 0.5), "GRPO β=0.04": (0.6, 0.6), "ADRPO β0=0.1": (0.7, 0.7)}, True),
        ({"GRPO β=0": (0.5, 0.5), "ADRPO β0=0.1": (0.51, 0.51)}, False),  # within the 0.02 margin
        ({"GRPO β=0": (0.5, 0.5), "ADRPO β0=0.1": (0.3, 0.3), "ADRPO β0=0.2": (0.4, 0.4)}, False),
    ],
)
def test_verdict_compares_best_settings_with_a_margin(rewards, beat):
    got, sentence = beat_verdict(final_table(probe_frame(rewards)), "qwen2", margin=0.02)
    assert got is beat
    assert ("did NOT beat" in sentence) is (not beat)


def test_section_states_the_verdict_and_the_paper_values():
    probes = pd.concat([probe_frame({"GRPO β=0": (0.5, 0.5), "ADRPO β0=0.1": (0.3, 0.3)}, arch)
                        for arch in ("qwen2", "qwen3")])
    training = pd.DataFrame({"arch": ["qwen2", "qwen2"], "label": ["ADRPO β0=0.1"] * 2, "method": ["adrpo"] * 2,
                             "beta_eff_mean": [0.3, 0.5], "beta_eff_q10": [0.0, 0.0], "beta_eff_q90": [1.0, 1.2],
                             "beta_eff_frac_clamped": [0.5, 0.4]})
    text = adrpo_llm_section(probes, training, ["qwen2", "qwen3"], 0.02, "tiny")
    assert "**ADRPO did not beat fixed-β GRPO at this scale.**" in text
    assert "| qwen2 | ADRPO β0=0.1 | 0.400 | 0.000 | 1.100 | 0.45 |" in text
    assert "ADRPO 1.6 / 3.5" in text and "adrpo_llm_entropy.png" in text


def test_runs_load_and_the_figure_draws(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    keys = [("grpo", 0.0, 0, "qwen2"), ("adrpo", 0.1, 0, "qwen2")]
    for method, beta, seed, arch in keys:
        run = rl_run_dir(method, beta, seed, arch)
        run.mkdir(parents=True)
        pd.DataFrame({"step": [0, 5], "reward": [0.2, 0.4], "solved": [0.1, 0.2], "distinct_solved": [0.1, 0.1],
                      "entropy": [2.0, 1.5], "kl": [0.0, 0.1]}).to_csv(run / "probe.csv", index=False)
    probes = load_runs({key: rl_run_dir(*key) for key in keys})
    assert set(probes["label"]) == {method_label("grpo", 0.0), method_label("adrpo", 0.1)} == {"GRPO β=0", "ADRPO β0=0.1"}
    figure = reward_entropy_figure(probes, ["qwen2"])
    assert len(figure.axes) == 4
    with pytest.raises(FileNotFoundError, match="run the RL stage"):
        load_runs({("adrpo", 0.3, 0, "qwen2"): rl_run_dir("adrpo", 0.3, 0, "qwen2")})


@pytest.mark.parametrize(
    "path, value, message",
    [
        ("sweep.adrpo_beta0s", [0.0, 0.1], "adrpo_beta0s > 0"),
        ("task.target_max", 40, "9 \\* num_digits"),
        ("rl.loss_type", "cispo", "rl.loss_type"),
        ("sweep.architectures", ["llama"], "sweep.architectures.0"),
    ],
)
def test_bad_adrpo_llm_params_are_refused(repo_root, path, value, message):
    params = copy.deepcopy(read_params(repo_root / "params.yaml"))
    node = params["adrpo_llm"]
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    with pytest.raises(ConfigError, match=message):
        validate_all(params)
