"""A small archive spread over years, months and days, for the timeline's tests.

The seeds have three dates; the timeline needs gaps between years, a year
with several months, a month with several days, and articles whose month,
day or whole date is unknown. Every count here is deliberate: the tests
assert them.
"""

from __future__ import annotations

import json
from pathlib import Path

# (date as the feed declares it, topic word, source)
YEARS = {2012: 1, 2013: 2, 2015: 1, 2016: 3, 2018: 1, 2019: 2, 2020: 1, 2022: 2, 2023: 1, 2024: 1}
MONTHS_2021 = {1: 2, 6: 1, 11: 2}  # besides March
DAYS_2021_03 = {1: 2, 5: 3, 17: 1, 31: 1}
MARCH_WITHOUT_DAY = 1  # declared "2021-03"
YEAR_2021_WITHOUT_MONTH = 1  # declared "2021"
UNDATED = 2


def dated_records() -> list[dict]:
    dates: list[str | None] = []
    for year, n in YEARS.items():
        dates += [f"{year}-06-{10 + i:02d}" for i in range(n)]
    for month, n in MONTHS_2021.items():
        dates += [f"2021-{month:02d}-{10 + i:02d}" for i in range(n)]
    for day, n in DAYS_2021_03.items():
        dates += [f"2021-03-{day:02d}"] * n
    dates += ["2021-03"] * MARCH_WITHOUT_DAY + ["2021"] * YEAR_2021_WITHOUT_MONTH
    dates += [None] * UNDATED
    records = []
    for i, date in enumerate(dates):
        # Chips in 2021 and 2022 only: a search whose results span two years.
        topic = "chip" if date and date[:4] in ("2021", "2022") else "steel"
        record = {
            "title": f"Wuxi {topic} report number {i}",
            "body": f"The {topic} makers of Wuxi reported on their work. Story {i}.",
            "source": "Wuxi Daily" if i % 2 == 0 else "Jiangyin News",
            "language": "en",
        }
        if date:
            record["date"] = date
        records.append(record)
    return records


def write_dated_archive(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps(r, ensure_ascii=False) for r in dated_records())
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
