"""newsarchive over an OpenSearch cluster: the same search API, page and cron command.

One module per concept:

* `connection`: the settings, the client (every call bounded by a timeout,
  retried on another node when one fails) and what cluster errors mean to
  the service (`BackendUnavailable`, a 503).
* `mapping`: the versioned index template, its strict mapping, index names.
* `documents`: an analysed article as the document the cluster stores.
  Analysis stays in Python (`indexer.analysis`): terms arrive as
  whitespace-joined tokens in fields with the built-in `whitespace`
  analyzer, so a term matches exactly what it matches in Whoosh and no
  plugin is needed.
* `translation`: the query tree (`indexer.search.query`) as query DSL.
* `aggregations`: facets as filter and terms aggregations (multi-select).
* `highlights`: snippet spans from the stored tokens and offsets, cut by
  the project's own snippet code (`indexer.search.snippets`).
* `searcher`: the `SearchBackend`.
* `lock`, `bulk`, `writer`: the `IndexBackend` (the indexing lock,
  bounded bulk requests with backoff, runs and rebuilds behind the alias).

Only this package imports `opensearchpy`.
"""
