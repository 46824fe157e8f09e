"""OpenSearch as its users set it up for Chinese and English news without plugins.

Why jieba before indexing: OpenSearch has no Chinese word segmentation of
its own (the `standard` analyzer cuts Chinese into single characters), and
the segmentation plugins (IK, smartcn) must be installed on every node. The
usual plugin-free recipe is to segment in the application and let the
`whitespace` analyzer split on the spaces. Lowercasing happens in Python
too, because the node started by `bench.opensearch_node` is the integ-test
distribution, which lacks the analysis-common module and so the `lowercase`
filter (and any English stemmer): Porter stemming is applied here, as an
OpenSearch user's `english` analyzer would. Query text goes through the same
function, so query and document terms meet exactly as in the `fts5` peer;
the peers then differ in engine and ranking, not in tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from opensearchpy import OpenSearch, helpers

INDEX = "articles"
_WORDISH = re.compile(r"\w")


def analyse(text: str) -> str:
    """jieba's default cut, lowercased, punctuation dropped, joined by spaces.

    Punctuation goes because the whitespace analyzer would keep "，" or "-"
    as terms that match almost every document.
    """
    import jieba

    return " ".join(_stem(t.lower()) for t in jieba.cut(text) if _WORDISH.search(t))


def _stem(token: str) -> str:
    """Porter-stem English words, as the `english` analyzer a full distribution has would."""
    from whoosh.lang.porter import stem

    return stem(token) if token.isascii() and token.isalpha() else token


class OpenSearchPeer:
    def __init__(self, url: str, index: str = INDEX):
        # Bulk requests on a two-core machine can outlast the client's 10 s default.
        self.client = OpenSearch(hosts=[url], timeout=120)
        self.index = index

    def build(self, articles: Iterable[dict]) -> dict:
        """Index from scratch, refreshing once at the end as a bulk load should.

        One shard and no replicas: a single node cannot place replicas, and
        one shard keeps BM25's term statistics global, so scores do not
        depend on how documents fall into shards.
        """
        self.client.indices.delete(index=self.index, ignore_unavailable=True)
        self.client.indices.create(
            index=self.index,
            body={
                "settings": {
                    "number_of_shards": 1,
                    "number_of_replicas": 0,
                    "refresh_interval": "-1",
                },
                "mappings": {
                    "dynamic": "strict",
                    "properties": {
                        "title": {"type": "text", "analyzer": "whitespace"},
                        "body": {"type": "text", "analyzer": "whitespace"},
                    },
                },
            },
        )
        actions = (
            {
                "_index": self.index,
                "_id": str(a["id"]),
                "_source": {"title": analyse(a["title"]), "body": analyse(a["body"])},
            }
            for a in articles
        )
        indexed, _errors = helpers.bulk(self.client, actions)
        self.client.indices.put_settings(
            index=self.index, body={"index": {"refresh_interval": None}}
        )
        self.client.indices.refresh(index=self.index)
        return {"documents": indexed}

    def search(self, q: str, k: int = 10) -> list[str]:
        """Article ids, best first, for what a user typed into a search box.

        `multi_match` is what OpenSearch's documentation offers for one string
        over several fields. The title counts double, as in the `fts5` peer.
        Operator OR (the default): jieba may cut a query differently from the
        same words inside a sentence, and under AND one such segment would
        leave no hits, while BM25 already puts documents that contain more of
        the terms first. `best_fields` (the default type) scores a document by
        the field that matches best, which suits a title and a body that each
        say what the article is about; `tie_breaker` 0.3, the value of the
        documentation's own example, adds a share of the other field so that
        a document matching in both beats one matching in one. `cross_fields`
        or `most_fields` would need a reason a default user does not have.
        """
        text = analyse(q)
        if not text:
            return []
        response = self.client.search(
            index=self.index,
            body={
                "size": k,
                "_source": False,
                "track_total_hits": False,
                "query": {
                    "multi_match": {
                        "query": text,
                        "fields": ["title^2", "body"],
                        "type": "best_fields",
                        "operator": "or",
                        "tie_breaker": 0.3,
                    }
                },
            },
        )
        return [hit["_id"] for hit in response["hits"]["hits"]]

    def close(self) -> None:
        self.client.close()
