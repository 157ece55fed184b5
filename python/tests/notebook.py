"""Executes docs/notebook.ipynb with nbclient and ipykernel (Debian's python3-nbclient and
python3-ipykernel), as a test (python/CMakeLists.txt) or, with --write, to store its outputs.

  notebook.py NOTEBOOK [--write]

Fails when a cell raises, when the notebook as stored has no outputs (it must read on any
code-hosting site), when the heat-map cell does not draw a figure, or when the reproduce cell
does not show savant's progress display (one output, updated in place to the last epoch).
Exit 77 when the data set is not installed."""
import argparse
import pathlib
import sys
import tempfile

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import conftest  # noqa: E402


def images(cell) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=pathlib.Path)
    parser.add_argument("--write", action="store_true", help="store the outputs in NOTEBOOK")
    args = parser.parse_args()
    if not conftest.data_installed():
        print(f"notebook: {conftest.DATA} is not installed; skipped", file=sys.stderr)
        return 77
    nb = nbformat.read(args.notebook, as_version=4)
    stored = [c for c in nb.cells if c.cell_type == "code"]
    if not args.write and not all(c.get("outputs") for c in stored):
        print(f"{args.notebook}: a code cell has no stored output; run notebook.py --write",
              file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as work:
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": work}}).execute()
    heatmaps = [c for c in nb.cells if c.cell_type == "code" and "heat map" in c.source]
    if not heatmaps or images(heatmaps[0]) == 0:
        print("the heat-map cell (its source says 'heat map') drew no figure", file=sys.stderr)
        return 1
    # savant's progress display: one output that IPython's display handle updated in place
    # (update_display_data), ending with every epoch of both models.
    reproduce = [c for c in nb.cells if c.cell_type == "code" and "savant.reproduce(" in c.source]
    shown = [o.get("data", {}).get("text/plain", "") for c in reproduce[:1] for o in c.outputs
             if o.get("output_type") == "display_data"]
    if len(shown) != 1 or not all(f"{m}  epoch 5/5 [##########] 1875/1875" in shown[0]
                                  for m in ("original_model", "shuffled_model")):
        print(f"the reproduce cell shows no progress display updated to its end: {shown}",
              file=sys.stderr)
        return 1
    if args.write:
        nbformat.write(nb, args.notebook)
    print(f"{args.notebook}: {len(nb.cells)} cells executed, "
          f"{sum(images(c) for c in nb.cells)} figure(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
