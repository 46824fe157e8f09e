"""The timeline as a bar chart: what the search page's inline SVG draws.

No script and no inline style (the CSP blocks both): the template writes
plain SVG attributes and the stylesheet colours it by class. Geometry:

- The bars live in a nested `<svg>` whose viewBox is one unit per period
  by 100 units of height, stretched to the chart's width
  (`preserveAspectRatio="none"`), so 40 years or 31 days fit any width.
  Periods without articles are left empty, so time is to scale.
- Each period with articles is a link around a full-height transparent
  slot and its bar: a one-article bar is as easy to hit as the tallest.
- A dashed line at the tallest bar's height, labelled with its count,
  gives the scale.
- Axis labels sit in the outer SVG at percentages of its width, so text
  keeps its size however wide the chart is. Each label is major or minor;
  a narrow chart (a phone) shows only the major ones (a container query in
  the stylesheet): at most `MAJOR_LABELS`, and `MINOR_LABELS` when wide.

A table of the same periods and counts, visually hidden, is the chart's
text alternative; every bar also has a `<title>` (its tooltip and name).
"""

from __future__ import annotations

from service import i18n
from service.timeline import Window

MAJOR_LABELS = 7
MINOR_LABELS = 12
YEAR_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000)
DAY_LABELS = {"major": (1, 10, 20, 30), "minor": (5, 15, 25)}
MIN_HEIGHT = 2.0  # of 100: a bar of one article among thousands still shows
TOP = 85.0  # the tallest bar leaves room above it for the scale's label
PLOT = 80.0  # percent of the chart's height the bars take; the axis labels have the rest
BAR_WIDTH = 0.72  # of its period's slot: the gaps between bars ...
FULL_WIDTH_FROM = 12  # ... with fewer periods, bars get narrower so that 3 are not 3 blocks


def timeline_chart(
    entries: list[dict],
    window: Window | None,
    lang: str,
    totals: dict[str, int],
    up: dict | None = None,
) -> dict | None:
    """The chart of the date facet's `entries` over `window`, or None when it has no bars.

    `totals` are article counts of years and months (the year and month
    facets), to tell how many articles of the window have no date precise
    enough for a bar. `up` is the link one step out ({"url", "text"}).
    """
    if window is None:
        return None
    counts = {e["value"]: e for e in entries if e.get("granularity") == window.granularity}
    if not counts:
        return None
    periods = window.periods()
    highest = max(e["count"] for e in counts.values()) or 1
    width = round(BAR_WIDTH * min(1, len(periods) / FULL_WIDTH_FROM), 3)
    bars = []
    for x, value in enumerate(periods):
        entry = counts.get(value)
        if entry is None:
            continue
        count = entry["count"]
        height = max(MIN_HEIGHT, TOP * count / highest) if count else MIN_HEIGHT / 2
        text = i18n.format_date(lang, value)
        key = "timeline_bar_one" if count == 1 else "timeline_bar"
        bars.append(
            {
                "x": x,
                "bar_x": round(x + (1 - width) / 2, 3),
                "bar_width": width,
                "value": value,
                "text": text,
                "count": count,
                "y": round(100 - height, 2),
                "height": round(height, 2),
                "selected": entry["selected"],
                "url": entry["toggle_url"],
                "title": i18n.translate(lang, key, period=text, n=i18n.format_number(count)),
            }
        )
    charted = sum(bar["count"] for bar in bars)
    undated = next((e["count"] for e in entries if e["value"] == "undated"), 0)
    return {
        "granularity": window.granularity,
        "highest_text": i18n.format_number(highest),
        "highest_y": round((100 - TOP) * PLOT / 100, 2),
        "highest_label_y": round((100 - TOP) * PLOT / 100 - 1.5, 2),
        "plot": PLOT,
        "heading": heading(window, lang),
        "periods": len(periods),
        "bars": bars,
        "ticks": ticks(window, periods, lang),
        "left_out": left_out(window, lang, totals, charted, undated),
        "up": up,
    }


def heading(window: Window, lang: str) -> str:
    if window.scope:
        period = i18n.format_date(lang, window.scope)
    elif window.first[:4] == window.last[:4]:
        period = i18n.format_date(lang, window.first[:4])
    else:
        period = f"{window.first[:4]}–{window.last[:4]}"
    return i18n.translate(lang, f"timeline_{window.granularity}", period=period)


def ticks(window: Window, periods: list[str], lang: str) -> list[dict]:
    """Axis labels: which periods are labelled, where, and whether a phone shows them."""
    n = len(periods)
    out = []
    for x, value in enumerate(periods):
        major = _label_level(window.granularity, value, n)
        if major is None:
            continue
        out.append(
            {
                "x": round((x + 0.5) * 100 / n, 3),
                "text": _tick_text(window, value, lang),
                "major": major,
            }
        )
    return out


def left_out(window: Window, lang: str, totals: dict, charted: int, undated: int) -> list[str]:
    """What the chart cannot place: undated articles, and those known only to a coarser period."""
    notes = []
    if window.granularity != "year":
        if window.scope:
            within = totals.get(window.scope, 0)
        else:  # the months of the span's whole years
            years = {p[:4] for p in window.periods()}
            within = sum(c for v, c in totals.items() if len(v) == 4 and v in years)
        vague = within - charted
        if vague > 0:
            key = "timeline_no_day" if window.granularity == "day" else "timeline_no_month"
            notes.append(i18n.translate(lang, key, n=i18n.format_number(vague)))
    if undated:
        notes.append(i18n.translate(lang, "timeline_undated", n=i18n.format_number(undated)))
    return notes


def _label_level(granularity: str, value: str, n: int) -> bool | None:
    """True: labelled at every width; False: only when wide; None: never."""
    if granularity == "year":
        year = int(value)
        minor, major = _year_steps(n)
        if year % major == 0:
            return True
        return False if year % minor == 0 else None
    if granularity == "month":
        month = int(value[5:7])
        minor, major = (1, 3) if n <= 12 else (3, 6)
        if (month - 1) % major == 0:
            return True
        return False if (month - 1) % minor == 0 else None
    day = int(value[8:10])
    if day in DAY_LABELS["major"]:
        return True
    return False if day in DAY_LABELS["minor"] else None


def _year_steps(n: int) -> tuple[int, int]:
    """Label the years that are multiples of `minor` (wide) and of `major` (always).

    Among n consecutive years there are at most n // step + 1 multiples of
    a step, so the smallest step that keeps that under the limit is taken;
    major steps are multiples of the minor one, so phones see a subset.
    """
    minor = 1
    if n > MINOR_LABELS:
        minor = next((s for s in YEAR_STEPS if n // s + 1 <= MINOR_LABELS), YEAR_STEPS[-1])
    major = 1
    if n > MAJOR_LABELS:
        fitting = (s for s in YEAR_STEPS if s % minor == 0 and n // s + 1 <= MAJOR_LABELS)
        major = next(fitting, YEAR_STEPS[-1])
    return minor, major


def _tick_text(window: Window, value: str, lang: str) -> str:
    if window.granularity == "year":
        return value
    if window.granularity == "month":
        month = int(value[5:7])
        if month == 1 and window.first[:4] != window.last[:4]:
            return value[:4]  # January of a two-year window names its year
        return f"{month}月" if lang == "zh" else i18n.MONTHS_EN[month - 1]
    return str(int(value[8:10]))
