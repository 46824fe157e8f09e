"""Results as Markdown, one row per system and size, so runs can be pasted as they are."""

from __future__ import annotations


def _fmt(value, digits=1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def markdown(runs: list[dict]) -> str:
    lines = []
    if runs:
        m = runs[0]["machine"]
        lines.append(
            f"Machine: {m['nproc']} cores, {m['cpu']}, {m['ram_gb']} GB RAM; "
            f"Python {m['python']}, SQLite {m['sqlite']}, Linux {m['kernel']}."
        )
        lines.append("")
    lines.append(
        "| docs | system | first-seen p50 ms | first-seen p95 ms | first-seen CPU p50 ms "
        "| repeated p50 ms "
        "| repeated p95 ms | repeated p99 ms | index docs/s | CPU s / wall s | index MB "
        "| indexing peak RSS MB | queries × passes | query-process RSS MB |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        for name, s in r["systems"].items():
            i, q = s["indexing"], s["querying"]
            cpu_ratio = i["process"]["cpu_seconds"] / max(i["seconds"], 1e-9)
            first_p50 = q.get("first_seen_p50_ms", q.get("first_pass_p50_ms"))
            first_p95 = q.get("first_seen_p95_ms", q.get("first_pass_p95_ms"))
            lines.append(
                f"| {r['size']:,} | {name} | {_fmt(first_p50, 2)} | {_fmt(first_p95, 2)} "
                f"| {_fmt(q.get('first_seen_cpu_p50_ms'), 2)} "
                f"| {_fmt(q['p50_ms'], 2)} | {_fmt(q['p95_ms'], 2)} | {_fmt(q['p99_ms'], 2)} "
                f"| {_fmt(i['docs_per_second'])} | {cpu_ratio:.2f} "
                f"| {_fmt(i['index_bytes'] / 1e6)} | {_fmt(i['process']['tree_peak_rss_mb'])} "
                f"| {q['queries']} × {q['reps']} | {_fmt(q['process']['peak_rss_mb'])} |"
            )
    lines.append("")
    lines.append(
        "| docs | newsarchive vs | queries compared | first-seen p50 ours/theirs "
        "| our first-seen p95 / their p50 | repeated p50 speed-up × | repeated p95 speed-up × "
        "| indexing docs/s × | index size × |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        for peer, x in r.get("ratios", {}).items():
            lines.append(
                f"| {r['size']:,} | {peer} | {x['queries_compared']} "
                f"| {_fmt(x.get('first_seen_p50_ours_over_theirs'), 3)} "
                f"| {_fmt(x.get('first_seen_p95_over_their_p50'), 3)} "
                f"| {x['query_p50_speedup']:,.1f} | {x['query_p95_speedup']:,.1f} "
                f"| {x['indexing_docs_per_s']:.2f} | {x['index_size']:.2f} |"
            )
    for r in runs:
        h = r.get("http")
        if not h:
            continue
        lines.append("")
        if "skipped" in h:
            lines.append(f"HTTP at {r['size']:,}: skipped ({h['skipped']}).")
            continue
        workers = ", ".join(
            f"RSS {w['rss_mb']} MB (peak {w['peak_rss_mb']}), PSS {w['pss_mb']} MB"
            for w in h["per_worker"]
        )
        first = h.get("first_seen")
        if first:
            lines.append(
                f"HTTP at {r['size']:,} docs, one request at a time: first-seen p50 "
                f"{first['p50_ms']} ms, p95 {first['p95_ms']} ms (first request after the "
                f"start {first['first_request_ms']} ms); repeated p50 "
                f"{h['repeated']['p50_ms']} ms, p95 {h['repeated']['p95_ms']} ms; outside the "
                f"search (server time minus `took_ms`) p50 {first['outside_p50_ms']} ms."
            )
        lines.append(
            f"HTTP at {r['size']:,} docs: {h['workers']} gunicorn workers × "
            f"{h['gunicorn_threads']} threads, wrk {h['wrk_threads']} threads × "
            f"{h['connections']} connections, {h['seconds']} s of {h['queries']} mixed "
            f"queries: {h['requests_per_second']} requests/s, p50 {h['p50_ms']} ms, "
            f"p99 {h['p99_ms']} ms, {h['errors']} errors; per worker: {workers}."
        )
    return "\n".join(lines)
