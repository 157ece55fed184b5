"""A small table of numbers with named rows and columns, without pandas: what
Reproduction.accuracy and Reproduction.signature return. pandas is imported only by to_pandas(),
where the user asks for a DataFrame."""

from __future__ import annotations

import html
from typing import Callable, Sequence


def percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def fixed(x: float) -> str:
    return f"{x:.4f}"


class Table:
    """Rows and columns by name: `t["shuffled_model", "original_test"]` is one number,
    `t["shuffled_model"]` a row as a dict, `t.to_dict()` all of it ({row: {column: number}}),
    `t.to_pandas()` a pandas DataFrame. Printed as aligned text, shown as HTML in a notebook."""

    def __init__(self, rows: Sequence[str], columns: Sequence[str], values: Sequence[Sequence],
                 fmt: Callable[[float], str] = fixed):
        self.rows = list(rows)
        self.columns = list(columns)
        self._values = [list(v) for v in values]
        self._fmt = fmt
        if len(self._values) != len(self.rows) or any(len(v) != len(self.columns)
                                                      for v in self._values):
            raise ValueError(f"a table of {len(self.rows)} rows and {len(self.columns)} columns "
                             "needs as many values")

    def __getitem__(self, key):
        if isinstance(key, tuple):
            row, column = key
            return self._values[self._index(self.rows, row, "row")][
                self._index(self.columns, column, "column")]
        return dict(zip(self.columns, self._values[self._index(self.rows, key, "row")]))

    @staticmethod
    def _index(names: list, name: str, what: str) -> int:
        try:
            return names.index(name)
        except ValueError:
            raise KeyError(f"{what} {name!r}: the table has {', '.join(map(repr, names))}") \
                from None

    def __eq__(self, other) -> bool:
        return (isinstance(other, Table) and self.rows == other.rows
                and self.columns == other.columns and self._values == other._values)

    def to_dict(self) -> dict:
        """{row: {column: number}}."""
        return {r: dict(zip(self.columns, v)) for r, v in zip(self.rows, self._values)}

    def to_pandas(self):
        """The table as a pandas DataFrame (rows as its index); pandas is needed here only."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("Table.to_pandas() needs pandas, which is not installed (Debian: "
                              "apt-get install python3-pandas; else pip install pandas); "
                              "to_dict() gives the same numbers without it") from e
        return pd.DataFrame(self._values, index=self.rows, columns=self.columns)

    def __repr__(self) -> str:
        cells = [[""] + self.columns] + [[r] + [self._fmt(x) for x in v]
                                         for r, v in zip(self.rows, self._values)]
        widths = [max(len(row[c]) for row in cells) for c in range(len(cells[0]))]
        return "\n".join(
            "  ".join(cell.ljust(w) if c == 0 else cell.rjust(w)
                      for c, (cell, w) in enumerate(zip(row, widths))).rstrip()
            for row in cells)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            f"<tr><th>{html.escape(r)}</th>"
            + "".join(f"<td>{html.escape(self._fmt(x))}</td>" for x in v) + "</tr>"
            for r, v in zip(self.rows, self._values))
        return f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>"
