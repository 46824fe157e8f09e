"""Publication dates from metadata strings, paths/URLs and article text.

Three entry points, from most to least trustworthy source:

* `parse_date_value` reads a string a file *declares* as its date (`declared`);
* `date_from_path` reads the date a publisher filed an article under (`paths`);
* `extract_date` finds the dateline in the article text itself (`datelines`),
  and the year a month-day dateline leaves out (`years`).

All of them return a `PubDate` that says how much is known and never guess
the rest: an unknown date stays `UNKNOWN_DATE` (never "today", never a file's
mtime), because a wrong date silently hides an article from every date filter
while an unknown one is merely unsortable. dateparser is not used: it misreads
Chinese dates (see FIELD-NOTES). Time zones are ignored on purpose: the local
date a publisher printed is the date readers know the article by, while
converting '2023-10-31T01:00+08:00' to UTC would move it to the 30th.

The text is read through `forms`, one pattern per way a date is written,
built from the numerals and month names of `parts`. Everything runs on every
article of the archive (see the note above `forms.scan` on what makes
Python's re fast or slow here): the dateline is looked for in the first
HEAD_CHARS characters only, and the rest of the text is read, in one cheap
pass from 4-digit years outwards, only when a month-day dateline needs its
year.
"""

from __future__ import annotations

from indexer.extract.dates.datelines import extract_date
from indexer.extract.dates.declared import parse_date_value
from indexer.extract.dates.paths import date_from_path

__all__ = ["date_from_path", "extract_date", "parse_date_value"]
