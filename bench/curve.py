"""The cost curve: how each figure grows with the archive, from `bench run` results files.

`python -m bench curve bench/results/curve-n*.json --chart bench/curve.png`
prints one Markdown row per size and system and draws four small panels
(first-seen query latency, indexing docs/s, index size per 1,000 articles,
memory), both axes logarithmic where sizes span decades: a figure that grows
faster than the archive bends upwards against the dotted "grows as the
archive" guide. The chart is drawn from the files alone, so it can be
redrawn for any set of runs.
"""

from __future__ import annotations

import json
from pathlib import Path

SYSTEMS = ("newsarchive", "fts5", "newsarchive-opensearch")


def points(files: list[Path]) -> list[dict]:
    """One row per (size, system): the figures the curve and its table show."""
    rows = []
    for path in files:
        run = json.loads(Path(path).read_text("utf-8"))
        http = run.get("http") or {}
        for name in SYSTEMS:
            s = run.get("systems", {}).get(name)
            if not s:
                continue
            i, q = s["indexing"], s["querying"]
            row = {
                "size": run["size"],
                "system": name,
                "first_seen_p50_ms": q.get("first_seen_p50_ms"),
                "first_seen_p95_ms": q.get("first_seen_p95_ms"),
                "repeated_p50_ms": q.get("p50_ms"),
                "docs_per_second": i.get("docs_per_second"),
                "index_mb": round(i["index_bytes"] / 1e6, 1),
                "indexing_peak_rss_mb": i["process"].get("tree_peak_rss_mb"),
                "query_rss_mb": q["process"].get("peak_rss_mb"),
                "worker_rss_mb": None,
                "http_first_seen_p95_ms": None,
            }
            if name == "newsarchive" and http.get("per_worker"):
                row["worker_rss_mb"] = max(w["rss_mb"] for w in http["per_worker"])
                row["http_first_seen_p95_ms"] = (http.get("first_seen") or {}).get("p95_ms")
            rows.append(row)
    return sorted(rows, key=lambda r: (SYSTEMS.index(r["system"]), r["size"]))


def table(rows: list[dict]) -> str:
    def cell(value, digits=1):
        return "–" if value is None else f"{value:,.{digits}f}"

    lines = [
        "| articles | system | first-seen p50 / p95 ms | repeated p50 ms | docs/s "
        "| index MB | indexing peak RSS MB | query RSS MB | gunicorn worker RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']:,} | {r['system']} | {cell(r['first_seen_p50_ms'])} / "
            f"{cell(r['first_seen_p95_ms'])} | {cell(r['repeated_p50_ms'])} "
            f"| {cell(r['docs_per_second'], 0)} | {cell(r['index_mb'], 0)} "
            f"| {cell(r['indexing_peak_rss_mb'], 0)} | {cell(r['query_rss_mb'], 0)} "
            f"| {cell(r['worker_rss_mb'], 0)} |"
        )
    return "\n".join(lines)


def chart(rows: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("first-seen query p95, ms", "first_seen_p95_ms", True),
        ("indexing, articles/s", "docs_per_second", False),
        ("index MB per 1,000 articles", None, False),
        ("memory, MB (query process)", "query_rss_mb", True),
    ]
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.2))
    for ax, (title, key, grows) in zip(axes, panels, strict=True):
        for name in SYSTEMS:
            mine = [r for r in rows if r["system"] == name]
            if key is None:
                xy = [(r["size"], r["index_mb"] * 1000 / r["size"]) for r in mine]
            else:
                xy = [(r["size"], r[key]) for r in mine if r[key] is not None]
            if xy:
                ax.plot(*zip(*xy, strict=True), marker="o", label=name)
                if grows and name == "newsarchive" and len(xy) > 1:
                    x0, y0 = xy[0]
                    guide = [(x, y0 * x / x0) for x, _ in xy]
                    ax.plot(*zip(*guide, strict=True), ":", color="grey", linewidth=1)
        ax.set_xscale("log")
        if grows:
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("articles")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
