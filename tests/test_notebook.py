"""notebooks/explore.ipynb runs top to bottom against a small store the test builds."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from test_report_corpus import build_store

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore.ipynb"


@pytest.mark.slow
def test_explore_notebook_runs_on_a_small_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every cell executes without error; it shows the main chart, a skill and the verdicts."""
    from nbclient import NotebookClient

    store = build_store(tmp_path / "store")
    monkeypatch.setenv("ANALYZER_STORE", str(store))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the notebook uses the inline backend
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute(env=dict(os.environ))

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 2  # the main chart and the drilled-down skill
    text = "\n".join(
        o.get("text", "") if o.output_type == "stream" else o.get("data", {}).get("text/plain", "")
        for o in outputs
    )
    assert "drilling down into Docker" in text
    assert "[below]" in text or "[consistent]" in text or "[above]" in text
    assert "three_quarters_cloud" not in text or "verdict" in text
