"""Compose ``conf/`` into the flat ``params.yaml`` for one profile: ``python -m replication.pipeline.profiles PROFILE``.

This is what ``dvc exp run -S profile=smoke`` does before it runs the pipeline (DVC's Hydra integration, enabled
in ``.dvc/config``): Hydra composes ``conf/config.yaml`` with the profile's group and the overrides, OmegaConf
resolves and dumps it. The same two calls are made here (without DVC, so a GPU machine with only hydra-core can
compose a profile), and tests/test_pipeline_smoke.py checks that ``dvc exp run -S profile=smoke`` writes byte
for byte what ``make params PROFILE=smoke`` writes.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml

from replication.pipeline.params import DEFAULT_PARAMS_FILE, PROFILES, ConfigError

CONF_DIR = Path("conf")


def compose_params(profile: str, output: str | Path = DEFAULT_PARAMS_FILE, overrides: tuple[str, ...] = (),
                   conf_dir: str | Path = CONF_DIR) -> None:
    """Write ``conf/`` composed for ``profile`` (plus Hydra ``overrides`` such as ``orw.finetune.tau=0.5``)."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    if profile not in PROFILES:
        raise ConfigError(f"profile: {profile!r} is not allowed; allowed: {', '.join(PROFILES)}")
    with initialize_config_dir(str(Path(conf_dir).resolve()), version_base=None):
        config = compose(config_name="config", overrides=[f"profile={profile}", *overrides])
    OmegaConf.resolve(config)
    Path(output).write_text(OmegaConf.to_yaml(config), encoding="utf-8")


def composed_text(profile: str, conf_dir: str | Path = CONF_DIR) -> str:
    """The params.yaml text that ``profile`` composes to (nothing in the checkout is written)."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "params.yaml"
        compose_params(profile, output, conf_dir=conf_dir)
        return output.read_text()


def composed_params(profile: str, conf_dir: str | Path = CONF_DIR) -> dict:
    """The params mapping that ``profile`` composes to."""
    return yaml.safe_load(composed_text(profile, conf_dir))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(f"usage: python -m replication.pipeline.profiles {{{'|'.join(PROFILES)}}}", file=sys.stderr)
        return 2
    try:
        compose_params(args[0])
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"params.yaml now holds the {args[0]!r} profile (composed from {CONF_DIR}/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
