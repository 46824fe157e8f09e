"""The ingest pipeline: archive files in, analysed articles out, to any index backend.

Reading, cleaning, extraction and analysis are the same whatever stores the
index, so they live here and not in a backend: `files` decides what changed,
`loading` turns one file into `AnalysedArticle`s (`analysed`), `workers`
shares that work out over the cores, and `run` drives one indexing run
against an `IndexBackend` (`backend`), which only stores what it is handed.
"""
