"""docs/notebooks/train_your_own.py runs clean as a notebook (jupytext → nbclient), on a tiny budget."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "notebooks" / "train_your_own.py"


@pytest.mark.slow
def test_train_your_own_notebook_executes_without_errors(monkeypatch):
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("LSTM_BOOK_NOTEBOOK_TINY", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    nb = jupytext.read(NOTEBOOK)
    client = nbclient.NotebookClient(nb, timeout=240, kernel_name="python3", allow_errors=False,
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "epoch 1: train loss" in text and "test accuracy" in text
    assert any("image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {}) for o in outputs), \
        "the accuracy and gate figures should be displayed"
