"""Classification: which registered type a document is, from its title and hints."""

from __future__ import annotations

import re

from ocr.understand.fields import _BODY_START
from ocr.understand.reading import Line
from ocr.understand.registry import document_types

TITLE_ZONE = 14  # lines: a title sits near the top of the first page
# Nghị định 30/2020: a công văn has no title; its trích yếu, "V/v ...", sits under the number. A
# notice or a decision spells "Về việc" out under its title. An annex or a blank template opens with
# "PHỤ LỤC" / "Mẫu số" above its own head.
_LETTER_SUBJECT = re.compile(r"^v\s?/\s?v\b")
_TEMPLATE_HEAD = re.compile(r"^(?:phu luc|mau so|mau\s?[0-9])")


def classify(lines: list[Line], declared: str | None = None) -> tuple[str | None, float, bool]:
    """(type code, confidence 0-1, declared type contradicted)."""
    scores: dict[str, float] = {}
    head = [line for line in lines if line.page == lines[0].page][:TITLE_ZONE] if lines else []
    body = " ".join(line.folded for line in lines)
    for code, kind in document_types().items():
        score = 0.0
        for phrase in kind.title:
            weight = len(phrase.split())  # longer titles are more specific
            for line in head:
                if phrase in line.folded:
                    # A line that is (nearly) only the title counts most; a mention in a sentence less;
                    # in a body's name not at all ("SỞ KẾ HOẠCH VÀ ĐẦU TƯ" is no plan).
                    alone = len(phrase) >= 0.6 * len(line.folded.strip(" .:"))
                    if not alone and _BODY_START.match(line.folded):
                        continue
                    score = max(score, weight * (4.0 if alone else 1.5))
            if score == 0 and phrase in body:
                score = max(score, weight * 0.5)
        score += sum(0.6 for hint in kind.hints if hint in body)
        if code == "official_letter" and any(_LETTER_SUBJECT.match(line.folded) for line in head):
            score += 6.0
        if code == "form" and any(_TEMPLATE_HEAD.match(line.folded) for line in head[:2]):
            score += 10.0
        scores[code] = score
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, best_score = ranked[0]
    runner_up = ranked[1][1]
    if best_score < 1.0:
        return (declared if declared in document_types() else None), 0.3 if declared else 0.0, False
    confidence = best_score / (best_score + runner_up + 1.0)
    contradicted = bool(declared and declared in document_types() and declared != best)
    if declared == best:
        confidence = min(1.0, confidence + 0.1)
    return best, round(min(confidence, 0.99), 3), contradicted
