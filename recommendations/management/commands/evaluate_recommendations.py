import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recommendations.evaluation import evaluate


class Command(BaseCommand):
    help = (
        "Rank answerers for the last 20% of a Stack Exchange site's questions (by id), trained on the "
        "first 80%, and print P@1, Recall@10 and MRR for the site's ranker, popularity and plain TF-IDF. "
        "SITE_DIR holds Q_title.txt, Q_content.txt, Q_tags.txt, Q_A.txt and Q_ACC_A.txt, one line per "
        "question (or answer) starting with the question id."
    )

    def add_arguments(self, parser):
        parser.add_argument("site_dir", type=Path)
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, site_dir: Path, json: bool = False, **options):
        if not site_dir.is_dir():
            raise CommandError(f"{site_dir} is not a directory.")
        try:
            result = evaluate(site_dir)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_json_text(result) if json else _table(result))


def _json_text(result: dict) -> str:
    return json.dumps(result, sort_keys=True)


def _table(result: dict) -> str:
    lines = [f"{'method':<12} {'P@1':>7} {'R@10':>7} {'MRR':>7}"]
    for name in ("ranker", "popularity", "tfidf"):
        row = result[name]
        lines.append(f"{name:<12} {row['p_at_1']:>7.3f} {row['recall_at_10']:>7.3f} {row['mrr']:>7.3f}")
    lines.append(f"test questions scored: {result['test_questions']}; cold share: {result['cold_share']:.1%}")
    return "\n".join(lines)
