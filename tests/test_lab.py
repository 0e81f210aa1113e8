"""`make lab`: kernels start at the repository root (where the notebooks' relative paths resolve)."""

from replication.pipeline.lab import RepositoryRootKernelManager


def test_kernels_start_at_the_server_root_whatever_the_notebooks_folder(tmp_path):
    (tmp_path / "notebooks").mkdir()
    manager = RepositoryRootKernelManager(root_dir=str(tmp_path))
    assert manager.cwd_for_path("notebooks") == str(tmp_path)
    assert manager.cwd_for_path("notebooks/sub/deeper") == str(tmp_path)
