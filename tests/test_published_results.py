"""docs/results/ (figures, report, executed notebooks as HTML) is what the committed dvc.lock says it is, and
dvc.lock describes this dvc.yaml's stages only (DVC keeps the entries of stages a sweep no longer has)."""

import yaml

from replication.pipeline.publish import check_published, pipeline_stages


def test_published_results_match_the_committed_dvc_lock(repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    problems = check_published()
    assert not problems, "run `make figures && make publish` and commit both:\n" + "\n".join(problems[:20])


def test_dvc_lock_holds_only_stages_dvc_yaml_defines(repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    stages = pipeline_stages()
    locked = set(yaml.safe_load((repo_root / "dvc.lock").read_text())["stages"])
    assert locked - stages == set(), "dvc.lock has entries of stages dvc.yaml no longer defines"
    assert stages - locked == set(), "stages dvc.yaml defines but dvc.lock lacks: run `make figures`"
