"""How long `studiosync demo` takes, and how much it builds."""

from __future__ import annotations

from bench.core import Context, figure


@figure("demo_build_large", "s", 60.0)
def demo_build_large(ctx: Context) -> float:
    _, summary = ctx.built_large()
    return summary.seconds


@figure("demo_build_small", "s", 5.0)
def demo_build_small(ctx: Context) -> float:
    _, summary = ctx.demo("small")
    return summary.seconds


def _rows(table: str) -> None:
    def count(ctx: Context) -> float:
        _, summary = ctx.built_large()
        return float(summary.counts[table])

    figure(f"demo_large_rows_{table}", "rows", None)(count)


for _table in ("lessons", "invoices", "invoice_line_items", "payments", "students"):
    _rows(_table)
