"""JupyterLab for the tutorials (``make lab``): kernels start at the repository root, as every stage does.

Jupyter starts a kernel in the notebook's own folder (``notebooks/``); the notebooks read ``params.yaml``,
``artifacts/`` and ``runs/`` relative to the repository root, where ``dvc repro`` runs them.
"""

from __future__ import annotations

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager


class RepositoryRootKernelManager(AsyncMappingKernelManager):
    """Every kernel's working directory is the server's root directory (the repository)."""

    def cwd_for_path(self, path, **kwargs):
        return self.root_dir
