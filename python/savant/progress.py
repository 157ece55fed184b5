"""Training progress as text: a bar per model that is redrawn in place.

In a Jupyter notebook (an IPython kernel is running) the text is one output of the cell, updated
through IPython's display handles; elsewhere it is one line redrawn with a carriage return on a
stream. Neither needs a package of its own: IPython is only used when the kernel has imported it.
savant.train, train_on and reproduce show it by default in a notebook only (progress=None);
progress=True shows it anywhere (on stderr), progress=False never."""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, Optional, TextIO, Union

ProgressArg = Union[None, bool, Callable[[dict], Any]]

# How often the text is redrawn at most while an epoch runs; the end of every epoch is always
# drawn, so what stays on screen does not depend on the machine's speed.
REDRAW_SECONDS = 0.2
BAR_WIDTH = 10


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (ipykernel), without importing IPython: only a
    process where the kernel has imported it can be one."""
    ipython = sys.modules.get("IPython")
    if ipython is None or "ipykernel" not in sys.modules:
        return False
    get = getattr(ipython, "get_ipython", None)
    shell = get() if get is not None else None
    return shell is not None and hasattr(shell, "kernel")


def model_line(p: dict) -> str:
    """One model's state in at most 80 columns for the article's names:
    'shuffled_model  epoch 2/5 [#####.....] 1875/1875  loss 0.4321  acc 84.5%  3.1s'."""
    steps = max(int(p["steps"]), 1)
    filled = BAR_WIDTH * int(p["step"]) // steps
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    return (f"{p['name']}  epoch {p['epoch']}/{p['epochs']} [{bar}] {p['step']}/{p['steps']}  "
            f"loss {p['loss']:.4f}  acc {100 * p['accuracy']:.1f}%  {p['elapsed_seconds']:.1f}s")


def short_line(p: dict) -> str:
    """One model's state when several share a line: 'shuffled_model 2/5  40% loss 0.432'."""
    percent = 100 * int(p["step"]) // max(int(p["steps"]), 1)
    return f"{p['name']} {p['epoch']}/{p['epochs']} {percent:3d}% loss {p['loss']:.3f}"


class TextProgress:
    """A progress callback (savant.train(progress=TextProgress())) that shows each model's
    epoch, a bar of the epoch's steps, loss, accuracy and time, redrawn in place: through
    IPython's display in a notebook, else on `stream` (default stderr) with '\\r'. `lines` is
    what it drew, one entry per redraw (for a test, or a log)."""

    def __init__(self, stream: Optional[TextIO] = None, notebook: Optional[bool] = None):
        self.notebook = in_notebook() if notebook is None else notebook
        self.stream = stream
        self.lines: list[str] = []
        self._models: dict[str, dict] = {}
        self._handle = None
        self._last_draw = float("-inf")
        self._width = 0

    def __call__(self, p: dict) -> None:
        self._models[p["name"]] = dict(p)
        epoch_done = p["step"] == p["steps"]
        now = time.monotonic()
        if epoch_done or now - self._last_draw >= REDRAW_SECONDS:
            self._last_draw = now
            self._draw()

    def text(self) -> str:
        """The current state: one line per model in a notebook; on a stream one line in all."""
        models = list(self._models.values())
        if self.notebook or len(models) == 1:
            return "\n".join(model_line(p) for p in models)
        return " | ".join(short_line(p) for p in models)

    def _draw(self) -> None:
        text = self.text()
        self.lines.append(text)
        if self.notebook and self.stream is None:
            from IPython.display import display  # the kernel has imported it (in_notebook)
            data = {"text/plain": text}
            if self._handle is None:
                self._handle = display(data, raw=True, display_id=True)
            else:
                self._handle.update(data, raw=True)
            return
        stream = self.stream if self.stream is not None else sys.stderr
        # Spaces over what is left of a longer line before.
        stream.write("\r" + text + " " * max(0, self._width - len(text)))
        self._width = len(text)
        stream.flush()

    def close(self) -> None:
        """Ends the line on a stream (the next output starts on a line of its own)."""
        if self.lines and not (self.notebook and self.stream is None):
            stream = self.stream if self.stream is not None else sys.stderr
            stream.write("\n")
            stream.flush()


def callback(progress: ProgressArg) -> tuple[Optional[Callable[[dict], Any]],
                                             Optional[TextProgress]]:
    """The callback for the library and the TextProgress to close after training, if any:
    None shows TextProgress in a notebook only, True anywhere, False nowhere; a callable is used
    as given."""
    if progress is None:
        progress = in_notebook()
    if progress is True:
        shown = TextProgress()
        return shown, shown
    if progress is False:
        return None, None
    if not callable(progress):
        raise TypeError(f"progress={progress!r}: expected None, True, False or a callable that "
                        "takes a dict")
    return progress, progress if isinstance(progress, TextProgress) else None
