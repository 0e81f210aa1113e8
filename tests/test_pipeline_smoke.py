"""The whole pipeline on the smoke profile as `make smoke` runs it (scripts/figures_in_copy.sh), in a copy.

One module-scoped run serves every assertion (the slow test of the suite: a few minutes on 2 cores). Every
command runs with a PATH that holds no virtual environment, as a user's plain shell would.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

pytestmark = pytest.mark.pipeline

FIGURES = ["orw_mnist_grid", "orw_mnist_reward", "orw_tradeoff"]
FIGURES += ["adrpo_reward_diversity", "adrpo_reward_w2", "adrpo_pareto"]
FIGURES += ["adrpo_llm_entropy", "adrpo_llm_front"]
FIGURES += ["cesar_scaling", "cesar_slope", "cesar_radar", "cesar_ablation"]
PLAIN_PATH = "/usr/local/bin:/usr/bin:/bin"  # a shell with no virtual environment on it


def sh(args: list[str], cwd: Path) -> str:
    """A README command as a user types it: the repository's own .venv named, nothing activated."""
    result = subprocess.run(args, cwd=cwd, env={**os.environ, "PATH": PLAIN_PATH}, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def set_param(repo: Path, path: str, value) -> None:
    params_file = repo / "params.yaml"
    params = yaml.safe_load(params_file.read_text())
    node = params
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))


def dvc_status(repo: Path) -> set[str]:
    """Stages `dvc repro` would rerun, less the `params` check (it reruns, in a second, after any edit)."""
    return set(json.loads(sh([".venv/bin/dvc", "status", "--json"], repo))) - {"params"}


@pytest.fixture(scope="module")
def smoke_repo(tmp_path_factory) -> Path:
    """`make smoke`'s pipeline: a copy of this checkout switched to the smoke profile, then `make figures`."""
    source = Path(__file__).resolve().parents[1]
    repo = tmp_path_factory.mktemp("smoke") / "repo"
    sh(["bash", "scripts/figures_in_copy.sh", str(repo), "smoke"], source)
    return repo


def test_figures_and_report_exist(smoke_repo):
    for figure in FIGURES:
        assert (smoke_repo / "figures" / f"{figure}.png").stat().st_size > 1000
    report = (smoke_repo / "figures" / "README.md").read_text()
    assert all(f"{figure}.png" in report for figure in FIGURES)


def test_metrics_are_listed_by_dvc_and_finite(smoke_repo):
    shown = json.loads(sh([".venv/bin/dvc", "metrics", "show", "--json"], smoke_repo))
    values = [
        value
        for workspace in shown.values()
        for metrics_file in workspace["data"].values()
        for value in metrics_file["data"].values()
    ]
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    assert len(numbers) > 20
    assert all(math.isfinite(v) for v in numbers)
    assert all(isinstance(v, str) for v in values if v not in numbers), "metrics are numbers or run labels"


def test_per_step_curves_are_logged(smoke_repo):
    steps = pd.read_csv(smoke_repo / "runs/orw/finetune/alpha0.3-seed0/steps.csv")
    assert {"step", "loss", "reward", "class_entropy", "even_class_entropy", "within_class_diversity", "feature_diversity",
            "w2"} <= set(steps.columns)
    assert steps["step"].iloc[0] == 0 and len(steps) >= 2


def test_adrpo_llm_runs_log_every_metric(smoke_repo):
    run = smoke_repo / "runs/adrpo_llm/adrpo-paper-seed0/logs/qwen3"
    train = pd.read_csv(run / "train.csv")
    assert {"reward", "entropy", "kl", "beta_eff_mean", "beta_eff_q10", "beta_eff_q90", "beta_eff_frac_negative"} <= set(
        train.columns)
    probe = pd.read_csv(run / "probe.csv")
    assert {"step", "reward", "solved", "top", "entropy", "kl", "distinct_solved"} <= set(probe.columns)
    assert probe["step"].iloc[0] == 0
    gate = json.loads((smoke_repo / "runs/adrpo_llm/base/qwen2/base.json").read_text())
    assert {"solved", "chance_solved", "gate_passed"} <= set(gate)
    assert (smoke_repo / "runs/adrpo_llm/adrpo-clamped-seed0/logs/qwen2/probe.csv").is_file()  # an ablation
    report = (smoke_repo / "figures" / "README.md").read_text()
    assert "Verdict C3" in report and "Gates" in report


def test_make_publish_stamps_the_results_with_dvc_lock(smoke_repo):
    from replication.pipeline.publish import check_published

    sh(["make", "--no-print-directory", "-o", ".venv/.installed", "publish"], smoke_repo)
    results = smoke_repo / "docs/results"
    assert (results / "README.md").read_bytes() == (smoke_repo / "figures/README.md").read_bytes()
    assert all((results / f"{figure}.png").is_file() for figure in FIGURES)
    assert len(list((results / "notebooks").glob("*.html"))) == len(list((smoke_repo / "notebooks").glob("*.py")))
    cwd = os.getcwd()
    os.chdir(smoke_repo)
    try:
        assert check_published() == []
        (results / "orw_mnist_grid.png").write_bytes(b"stale")
        assert any("orw_mnist_grid.png: differs" in problem for problem in check_published())
    finally:
        os.chdir(cwd)
        sh(["make", "--no-print-directory", "-o", ".venv/.installed", "publish"], smoke_repo)


def test_noop_repro_reruns_nothing(smoke_repo):
    assert "Running stage" not in sh([".venv/bin/dvc", "repro"], smoke_repo)


def test_editing_a_value_the_profile_uses_reruns_exactly_the_stages_that_read_it(smoke_repo):
    set_param(smoke_repo, "orw.finetune.lr", 1.0e-4)
    try:
        status = dvc_status(smoke_repo)
    finally:
        sh(["git", "checkout", "params.yaml"], smoke_repo)
    orw = yaml.safe_load((smoke_repo / "params.yaml").read_text())["orw"]
    alphas, seeds = orw["sweep"]["alphas"], orw["sweep"]["seeds"]
    controls = {f"orw-control@{t}-{s}" for t in orw["control"]["taus"] for s in orw["control"]["seeds"]}
    assert status == {f"orw-finetune@{a}-{s}" for a in alphas for s in seeds} | controls


def test_a_sweep_value_reaches_only_its_runs_and_the_figures(smoke_repo):
    set_param(smoke_repo, "orw.sweep.alphas", [0.0, 0.4])
    try:
        status = dvc_status(smoke_repo)
    finally:
        sh(["git", "checkout", "params.yaml"], smoke_repo)
    assert status == {"orw-finetune@0.4-0", "orw-finetune@0.4-1", "orw-figures"}


def test_editing_another_profiles_value_reruns_nothing(smoke_repo):
    # a paper-profile value, and a tiny value that the smoke profile overrides
    for conf_file, old, new in [("conf/profile/paper.yaml", "steps: 20000", "steps: 30000"),
                                ("conf/orw.yaml", "steps: 2000", "steps: 2400")]:
        path = smoke_repo / conf_file
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new, 1))
    try:
        sh([".venv/bin/python", "-m", "replication.pipeline.profiles", "smoke"], smoke_repo)
        assert dvc_status(smoke_repo) == set()
    finally:
        sh(["git", "checkout", "conf", "params.yaml"], smoke_repo)


def test_dvc_exp_run_set_param_profile_composes_the_whole_profile(smoke_repo):
    from replication.pipeline.profiles import composed_text

    set_param(smoke_repo, "orw.finetune.lr", 1.0e-4)  # a hand edit that the composition must replace
    try:
        log = sh([".venv/bin/dvc", "exp", "run", "-S", "profile=smoke"], smoke_repo)
        assert (smoke_repo / "params.yaml").read_text() == composed_text("smoke", smoke_repo / "conf")
        assert "Running stage" not in log  # composed back to the values every stage last ran with
    finally:
        sh(["git", "checkout", "params.yaml"], smoke_repo)


def test_a_fine_tuning_notebook_runs_data_parallel_under_accelerate_launch(smoke_repo):
    # the multi-GPU launch of the paper profile, here with two CPU processes (gloo)
    sh([
        ".venv/bin/accelerate", "launch", "--cpu", "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
        "--dynamo_backend", "no", "-m", "replication.pipeline.run_script", "notebooks/13-orw-finetune.py",
        "-p", "alpha", "0.5", "-p", "seed", "0",
    ], smoke_repo)
    run = smoke_repo / "runs/orw/finetune/alpha0.5-seed0"
    steps = pd.read_csv(run / "steps.csv")
    assert steps["step"].is_monotonic_increasing and len(steps) >= 2  # one writer: the main process
    assert math.isfinite(json.loads((run / "final.json").read_text())["reward"])


def test_a_stage_rerun_gives_identical_metrics_and_figures(smoke_repo):
    watched = [
        "runs/orw/finetune/alpha0.0-seed1/final.json",
        "runs/orw/finetune/alpha0.0-seed1/steps.csv",
        "figures/orw_mnist_reward.png",
        "figures/orw_mnist_grid.png",
    ]
    before = {name: (smoke_repo / name).read_bytes() for name in watched}
    sh([".venv/bin/dvc", "repro", "-f", "-s", "orw-finetune@0.0-1"], smoke_repo)
    sh([".venv/bin/dvc", "repro", "-f", "-s", "orw-figures"], smoke_repo)
    for name in watched:
        assert (smoke_repo / name).read_bytes() == before[name], f"{name} changed on rerun"


def test_an_adrpo_llm_stage_rerun_gives_identical_logs(smoke_repo):
    run = "runs/adrpo_llm/adrpo-paper-seed1"
    watched = [f"{run}/final.json", f"{run}/logs/qwen2/train.csv", f"{run}/logs/qwen2/probe.csv",
               f"{run}/logs/qwen3/train.csv"]
    before = {name: (smoke_repo / name).read_bytes() for name in watched}
    sh([".venv/bin/dvc", "repro", "-f", "-s", "adrpo-llm-adrpo@paper-1"], smoke_repo)
    for name in watched:
        assert (smoke_repo / name).read_bytes() == before[name], f"{name} changed on rerun"


def test_the_parallel_build_gives_the_outputs_of_a_sequential_one(smoke_repo, tmp_path):
    # the same pipeline with one lane at a time (JOBS=1): every output dvc.lock records (the executed notebooks
    # aside: they carry timestamps) has the same hash as in the two-lane build
    sequential = tmp_path / "sequential"
    source = Path(__file__).resolve().parents[1]
    subprocess.run(["bash", "scripts/figures_in_copy.sh", str(sequential), "smoke"], cwd=source, check=True,
                   env={**os.environ, "PATH": PLAIN_PATH, "JOBS": "1"}, capture_output=True)

    def outputs(repo: Path) -> dict[str, str]:
        stages = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]
        return {o["path"]: o["md5"] for s in stages.values() for o in s.get("outs", []) if not o["path"].startswith("executed/")}

    parallel_outputs = outputs(smoke_repo)
    assert len(parallel_outputs) > 50
    assert outputs(sequential) == parallel_outputs
