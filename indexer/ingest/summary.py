"""What one indexing run did: the one-line summary cron mails and the JSON of `--json`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RunSummary:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: int = 0
    documents: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    generation: str = ""
    failures: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.seconds if self.seconds > 0 else 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.warnings

    def line(self) -> str:
        kind = "rebuilt" if self.rebuilt else "indexed"
        return (
            f"{kind}: {self.added} added, {self.updated} updated, {self.deleted} deleted, "
            f"{self.unchanged} unchanged, {self.failed} failed; {self.documents} documents "
            f"in {self.seconds:.1f}s ({self.docs_per_second:.1f} docs/s)"
        )

    def as_dict(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "documents": self.documents,
            "seconds": round(self.seconds, 3),
            "docs_per_second": round(self.docs_per_second, 1),
            "rebuilt": self.rebuilt,
            "generation": self.generation,
            "failures": [{"path": p, "reason": r} for p, r in self.failures],
            "warnings": [{"path": p, "message": m} for p, m in self.warnings],
        }
