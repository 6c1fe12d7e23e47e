"""Metrics of the tagger against gold labels (the format of ``labels/ANNOTATION.md``).

Pure functions over label records (dicts with ``id``, ``is_job_posting``, ``roles`` and one level
per family): per family precision, recall and F1 for **involved** (level != absent) and
**requires** (required or duty), the level confusion matrix, ``is_job_posting`` accuracy and
backend-or-fullstack F1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from analyzer.models import LEVELS, REQUIRES_LEVELS

__all__ = ["GUIDE_FAMILIES", "PRF", "EvalReport", "evaluate_labels", "format_report", "prf"]

#: The five families the annotation guide labels.
GUIDE_FAMILIES: tuple[str, ...] = ("cloud", "containers", "ci_cd", "iac", "observability")


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 of one binary decision, with its counts."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 1.0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 1.0 when there was nothing to find."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def prf(gold: Sequence[bool], pred: Sequence[bool]) -> PRF:
    """Count true positives, false positives and false negatives of paired decisions."""
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g and p)
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if p and not g)
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if g and not p)
    return PRF(tp, fp, fn)


@dataclass
class EvalReport:
    """Every metric of one evaluation run."""

    n: int
    involved: dict[str, PRF] = field(default_factory=dict)
    requires: dict[str, PRF] = field(default_factory=dict)
    confusion: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    job_posting_accuracy: float = 0.0
    backend_or_fullstack: PRF = field(default_factory=lambda: PRF(0, 0, 0))
    missing: list[Any] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""

        def one(m: PRF) -> dict[str, float | int]:
            return {"precision": m.precision, "recall": m.recall, "f1": m.f1,
                    "tp": m.tp, "fp": m.fp, "fn": m.fn}  # fmt: skip

        return {
            "n": self.n,
            "involved": {f: one(m) for f, m in self.involved.items()},
            "requires": {f: one(m) for f, m in self.requires.items()},
            "confusion": self.confusion,
            "job_posting_accuracy": self.job_posting_accuracy,
            "backend_or_fullstack": one(self.backend_or_fullstack),
            "missing": self.missing,
        }


def _backend_or_fullstack(record: Mapping[str, Any]) -> bool:
    return bool({"backend", "fullstack"} & set(record.get("roles") or []))


def evaluate_labels(
    gold: Sequence[Mapping[str, Any]],
    predicted: Mapping[Any, Mapping[str, Any]],
    families: Sequence[str] = GUIDE_FAMILIES,
) -> EvalReport:
    """Compare predicted label records with gold ones, joined on ``id``.

    Args:
        gold: gold records (``labels/dev.jsonl`` lines).
        predicted: predicted records by id, with the same fields.
        families: the families to score.

    Returns:
        The :class:`EvalReport`; gold ids without a prediction are listed in ``missing`` and
        left out of every metric.
    """
    pairs = [(g, predicted[g["id"]]) for g in gold if g["id"] in predicted]
    report = EvalReport(n=len(pairs), missing=[g["id"] for g in gold if g["id"] not in predicted])

    def decide(rule: Callable[[str], bool], family: str) -> PRF:
        return prf([rule(g[family]) for g, _ in pairs], [rule(p[family]) for _, p in pairs])

    for family in families:
        report.involved[family] = decide(lambda lv: lv != "absent", family)
        report.requires[family] = decide(lambda lv: lv in REQUIRES_LEVELS, family)
        matrix = {g: dict.fromkeys(LEVELS, 0) for g in LEVELS}
        for g, p in pairs:
            matrix[g[family]][p[family]] += 1
        report.confusion[family] = matrix
    if pairs:
        right = sum(1 for g, p in pairs if bool(g["is_job_posting"]) == bool(p["is_job_posting"]))
        report.job_posting_accuracy = right / len(pairs)
    report.backend_or_fullstack = prf(
        [_backend_or_fullstack(g) for g, _ in pairs], [_backend_or_fullstack(p) for _, p in pairs]
    )
    return report


def format_report(report: EvalReport) -> str:
    """Render an :class:`EvalReport` as the text ``analyzer evaluate`` prints."""
    lines = [f"postings evaluated: {report.n}"]
    if report.missing:
        lines.append(f"labels without a text (skipped): {len(report.missing)}")
    lines.append("")
    lines.append(
        f"{'family':<15}{'involved P':>11}{'R':>7}{'F1':>7}   {'requires P':>11}{'R':>7}{'F1':>7}"
    )
    for family, inv in report.involved.items():
        req = report.requires[family]
        lines.append(
            f"{family:<15}{inv.precision:>11.3f}{inv.recall:>7.3f}{inv.f1:>7.3f}   "
            f"{req.precision:>11.3f}{req.recall:>7.3f}{req.f1:>7.3f}"
        )
    for family, matrix in report.confusion.items():
        lines.append("")
        lines.append(f"{family}: gold (rows) x predicted (columns)")
        lines.append(" " * 11 + "".join(f"{lv[:9]:>10}" for lv in LEVELS))
        for gold_level in LEVELS:
            row = matrix[gold_level]
            lines.append(f"{gold_level:<11}" + "".join(f"{row[lv]:>10}" for lv in LEVELS))
    bf = report.backend_or_fullstack
    lines.append("")
    lines.append(f"is_job_posting accuracy: {report.job_posting_accuracy:.3f}")
    lines.append(f"backend-or-fullstack: P {bf.precision:.3f} R {bf.recall:.3f} F1 {bf.f1:.3f}")
    return "\n".join(lines)
