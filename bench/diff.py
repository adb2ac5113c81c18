"""Figures for directive diffs (no pass/fail; the goals are in issue 4).

    .venv/bin/python bench/diff.py [--runs 15]

Diff time for two 50,000-character directives differing in a few dozen places (goal < 50 ms),
and for two unrelated ones (the worst case), plus the time of the three renderings. Predecessor
search among stored articles is bench/predecessor.py.

The texts are synthetic Chinese: words of common characters drawn with a Zipf law, sentences
with `,`/`;`/`。` like NFKC-normalized directives.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.diff import diff_paragraphs

COMMON_CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过"
    "子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制"
    "机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正"
    "心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党"
    "程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角"
    "期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压"
    "志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万"
    "每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林"
    "律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史"
    "感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层"
    "片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞招考校师德督训课程幼职普录"
)


class Writer:
    """Deterministic synthetic directives."""

    def __init__(self, seed: int, vocabulary: int = 30_000, sentences: int = 60_000) -> None:
        self.rng = random.Random(seed)
        words = {self._word() for _ in range(vocabulary)}
        self.words = sorted(words)
        self.rng.shuffle(self.words)
        weights = [1 / (rank + 1) for rank in range(len(self.words))]
        total = 0.0
        self.cumulative = []
        for weight in weights:
            total += weight
            self.cumulative.append(total)
        self.pool = [self.sentence() for _ in range(sentences)]

    def _word(self) -> str:
        return "".join(self.rng.choices(COMMON_CHARS, k=self.rng.choice((2, 2, 2, 3, 4))))

    def sentence(self) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=self.rng.randint(4, 14))
        if len(words) > 6 and self.rng.random() < 0.6:
            words.insert(self.rng.randint(2, len(words) - 2), ",")
        if self.rng.random() < 0.2:
            words.insert(1, f"{self.rng.randint(1, 12)}月{self.rng.randint(1, 28)}日")
        return "".join(words) + self.rng.choice("。。。。;")

    def paragraphs(self, characters: int) -> list[str]:
        """Paragraphs of about ``characters`` characters, sentences from the pool."""
        paragraphs: list[str] = []
        size = 0
        while size < characters:
            count = self.rng.randint(1, 6)
            paragraph = "".join(self.rng.choices(self.pool, k=count))
            paragraphs.append(paragraph)
            size += len(paragraph)
        return paragraphs

    def title(self, year: int) -> str:
        verb = self.rng.choice(("做好", "开展", "印发", "公布", "组织", "加强"))
        topic = "".join(self.rng.choices(self.words[:3000], k=self.rng.randint(2, 4)))
        return f"关于{verb}{year}年{topic}工作的通知"


def revise(writer: Writer, paragraphs: list[str], places: int) -> list[str]:
    """A new version: ``places`` edits spread over the text (changed numbers or words, clauses
    removed, clauses added), as a yearly reissue or a quiet revision would make."""
    rng = writer.rng
    revised = list(paragraphs)
    for _ in range(places):
        index = rng.randrange(len(revised))
        paragraph = revised[index]
        action = rng.random()
        if action < 0.4:
            at = rng.randrange(len(paragraph))
            paragraph = paragraph[:at] + str(rng.randint(2, 99)) + paragraph[at + 1 :]
        elif action < 0.6:
            sentences = paragraph.split("。")
            if len(sentences) > 2:
                del sentences[rng.randrange(len(sentences) - 1)]
            paragraph = "。".join(sentences)
        elif action < 0.8:
            paragraph = paragraph + rng.choice(writer.pool)
        else:
            word = rng.choice(writer.words[:2000])
            at = rng.randrange(len(paragraph))
            paragraph = paragraph[:at] + word + paragraph[at:]
        revised[index] = paragraph
    return revised


def timed(function: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> str:
    return f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms"


def bench_diff(writer: Writer, runs: int) -> None:
    old = writer.paragraphs(50_000)
    new = revise(writer, old, places=36)
    size = sum(map(len, old))
    diff = diff_paragraphs(old, new)
    print(f"diff: two directives of {size} / {sum(map(len, new))} characters, 36 edits")
    print(f"  clause ops: {diff.counts}")
    print(f"  diff_paragraphs: {summary(timed(lambda: diff_paragraphs(old, new), runs))}")
    print(f"  render text:     {summary(timed(diff.to_text, runs))}")
    print(f"  render html:     {summary(timed(diff.to_html, runs))}")
    print(f"  render json:     {summary(timed(diff.to_json, runs))}")
    other = writer.paragraphs(50_000)
    worst = diff_paragraphs(old, other)
    times = timed(lambda: diff_paragraphs(old, other), 3)
    print(f"  two unrelated 50,000-character texts: {summary(times)} ({worst.counts})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=20240315)
    args = parser.parse_args()
    start = time.perf_counter()
    writer = Writer(args.seed)
    print(f"(synthetic text generator ready in {time.perf_counter() - start:.1f} s)")
    bench_diff(writer, args.runs)


if __name__ == "__main__":
    main()
