"""The ADRPO LLM figures and report on runs written by hand (final rows, the two figures, gates, the C3 verdict
and the separation step), and the adrpo_llm section of params.yaml refused when it is wrong."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from replication.configs.adrpo_llm import ADRPOLLMConfig, all_runs, rl_run_dir, run_name
from replication.configs.validate import validate_all
from replication.pipeline.params import ConfigError, read_params, validate_section
from replication.plots.adrpo_llm import final_runs, front_figure, grpo_label, load_runs, reward_entropy_figure
from replication.plots.adrpo_llm_report import adrpo_llm_section, plateau_table, separation

# final reward per config (GRPO by beta; ADRPO clearly above the line joining beta 0.2 and 1.0 at its KL)
FINAL = {"grpo-beta0.0": (0.80, 0.60), "grpo-beta0.2": (0.70, 0.30), "grpo-beta1.0": (0.55, 0.05),
         "adrpo-paper": (0.78, 0.20), "adrpo-clamped": (0.60, 0.08)}  # (reward, KL)
BETA = {"grpo-beta0.0": 0.0, "grpo-beta0.2": 0.2, "grpo-beta1.0": 1.0, "adrpo-paper": 0.05, "adrpo-clamped": 0.4}


def section_config(repo_root) -> ADRPOLLMConfig:
    raw = copy.deepcopy(read_params(repo_root / "params.yaml")["adrpo_llm"])
    raw["sweep"] |= {"architectures": ["qwen2"], "grpo_betas": [0.0, 0.2, 1.0], "seeds": [0, 1, 2],
                     "adrpo_compared": ["paper"], "adrpo_ablations": ["clamped"], "ablation_seeds": [0, 1, 2],
                     "ablation_architectures": ["qwen2"]}
    raw["rl"] |= {"steps": 20, "probe_every": 10}
    return validate_section(ADRPOLLMConfig, raw, "adrpo_llm")


def hand_runs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Probes at steps 0, 10, 20 (reward rising linearly from 0.5 to the final value, GRPO beta 1 flat after 10)
    and a constant effective beta per run; three seeds, +-0.01 around each value."""
    probes, training = [], []
    for config, (reward, kl) in FINAL.items():
        method = config.split("-")[0]
        label = grpo_label(BETA[config]) if method == "grpo" else config
        for seed in range(3):
            noise = 0.01 * (seed - 1)
            for step in (0, 10, 20):
                share = step / 20 if config != "grpo-beta1.0" else min(step / 10, 1.0)
                probes.append({"step": step, "reward": 0.5 + share * (reward - 0.5) + noise * (step > 0),
                               "solved": 0.7, "top": 0.3, "distinct_solved": 0.4, "entropy": 1.0 - share * kl,
                               "kl": share * kl + noise * (step > 0) / 10, "method": method, "config": config,
                               "label": label, "seed": seed, "arch": "qwen2"})
            training.append({"step": 1, "beta_eff_mean": BETA[config], "beta_eff_frac_clamped": 0.0,
                             "beta_eff_frac_negative": 0.3 if config == "adrpo-paper" else 0.0, "method": method,
                             "config": config, "label": label, "seed": seed, "arch": "qwen2"})
    return pd.DataFrame(probes), pd.DataFrame(training)


def test_final_rows_take_the_last_probe_the_window_start_and_the_mean_coefficient():
    probes, training = hand_runs()
    finals = final_runs(probes, training, window=0.5)
    row = finals[(finals["config"] == "adrpo-paper") & (finals["seed"] == 1)].iloc[0]
    assert row["reward"] == pytest.approx(0.78) and row["kl"] == pytest.approx(0.20)
    assert row["reward_window_start"] == pytest.approx(0.5 + 0.5 * 0.28)  # the probe at step 10
    assert row["beta_eff_mean"] == pytest.approx(0.05)


def test_plateau_and_separation_on_hand_runs():
    probes, training = hand_runs()
    finals = final_runs(probes, training, window=0.5)
    table, reachable = plateau_table(finals, "qwen2", max_gain=0.03, min_gap=0.05)
    assert reachable == pytest.approx(0.80)
    flat = table.set_index("config").loc["grpo-beta1.0"]
    assert flat["passed"] and flat["gap"].estimate == pytest.approx(0.25)  # flat from step 10, 0.25 below
    assert not table.set_index("config").loc["grpo-beta0.0", "passed"]  # still rising
    steps, first = separation(probes, "qwen2", "adrpo-paper", ["grpo-beta1.0", "grpo-beta0.2", "grpo-beta0.0"])
    assert list(steps["step"]) == [10, 20] and first == 10  # at step 10: 0.64 at KL 0.10 against the front's 0.575


def test_section_states_gates_verdicts_and_the_paper(repo_root):
    probes, training = hand_runs()
    cfg = section_config(repo_root)
    finals = final_runs(probes, training, cfg.gates.plateau_window)
    bases = {"qwen2": {"solved": 0.72, "chance_solved": 0.037, "reward": 0.49, "chance_reward": 0.024, "top": 0.26,
                       "entropy": 1.01, "gate_passed": 1}}
    text, metrics = adrpo_llm_section(finals, probes, bases, cfg, "tiny")
    # front at the paper variant's KL 0.20: between beta 1 (0.05, 0.55) and beta 0.2 (0.30, 0.70) -> 0.64
    assert metrics["qwen2_adrpo-paper_c3_kl"] == pytest.approx(0.78 - 0.64, abs=1e-6)
    assert metrics["qwen2_adrpo-paper_c3_kl_low"] > 0
    # at its mean effective beta 0.05: between beta 0 (0.80) and 0.2 (0.70) -> 0.775
    assert metrics["qwen2_adrpo-paper_c3_beta"] == pytest.approx(0.78 - 0.775, abs=1e-6)
    assert metrics["qwen2_base_solved"] == 0.72 and metrics["qwen2_plateau_gate_passed"] == 1
    assert metrics["qwen2_adrpo-paper_separation_step"] == 10
    assert "| qwen2 | 0.720 | 0.037 |" in text and "**passed**" in text
    assert "above the GRPO front at matched final KL" in text and "**held**" in text
    assert "ADRPO 1.6 / 3.5" in text and "adrpo_llm_entropy.png" in text and "adrpo_llm_front.png" in text
    assert all(isinstance(value, (int, float)) for value in metrics.values())


def test_runs_load_and_both_figures_draw(tmp_path, monkeypatch, repo_root):
    cfg = section_config(repo_root)
    monkeypatch.chdir(tmp_path)
    probes, training = hand_runs()
    keys = [key for key in all_runs(cfg) if key[3] == "qwen2"]
    for method, setting, seed, arch in keys:
        run = rl_run_dir(method, setting, seed, arch)
        run.mkdir(parents=True)
        rows = probes[(probes["config"] == run_name(method, setting)) & (probes["seed"] == seed)]
        rows.drop(columns=["method", "config", "label", "seed", "arch"]).to_csv(run / "probe.csv", index=False)
    labels = {run_name("grpo", b): grpo_label(b) for b in cfg.sweep.grpo_betas}
    labels |= {run_name("adrpo", name): spec.label for name, spec in cfg.adrpo_variants.items()}
    loaded = load_runs({key: rl_run_dir(*key) for key in keys}, labels, "probe.csv")
    assert set(loaded["label"]) == {"GRPO β=0", "GRPO β=0.2", "GRPO β=1", "ADRPO β0=0.05", "ADRPO β0=0.05 clamp≥0"}
    configs = list(FINAL)
    assert len(reward_entropy_figure(loaded, ["qwen2"], configs).axes) == 3
    assert len(front_figure(final_runs(probes, training, 0.5), ["qwen2"], configs).axes) == 3
    with pytest.raises(FileNotFoundError, match="run the RL stage"):
        load_runs({("adrpo", "unscaled", 0, "qwen2"): rl_run_dir("adrpo", "unscaled", 0, "qwen2")}, labels, "probe.csv")


@pytest.mark.parametrize(
    "path, value, message",
    [
        ("adrpo_variants.paper.beta0", 0.0, "adrpo_variants.paper.beta0"),
        ("task.digit_counts", [2, 9], "digit_counts must be distinct values in 1..6"),
        ("rl.loss_type", "cispo", "rl.loss_type"),
        ("rl.scale_rewards", "std", "rl.scale_rewards"),
        ("sweep.architectures", ["llama"], "sweep.architectures.0"),
        ("sweep.adrpo_compared", ["missing"], "sweep names ADRPO variants \\['missing'\\]"),
        ("gates.base_min_solved", 0.95, "base_min_solved must be below base_max_solved"),
        ("sweep.ablation_architectures", ["qwen3", "qwen2", "qwen2"], None),  # allowed: a subset
    ],
)
def test_bad_adrpo_llm_params_are_refused(repo_root, path, value, message):
    params = copy.deepcopy(read_params(repo_root / "params.yaml"))
    node = params["adrpo_llm"]
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    if message is None:
        validate_all(params)
        return
    with pytest.raises(ConfigError, match=message):
        validate_all(params)
