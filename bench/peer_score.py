#!/usr/bin/env python3
"""The peer of `omnitrace score` in bench/open.ts: the plain script a researcher would write today
to get HumanOmniV2's format and accuracy rewards and GRPO group advantages from a rollout file.

Standard library only. Reads JSON lines with `completion`, `solution` (or `answer`), `problem_type`
and `group_id`; format = the trainer's anchored regex (re.DOTALL) over the whole completion;
accuracy = the <answer> text compared with the reference's (letters for multiple choice, numbers
for numerical, stripped text otherwise); total = format + accuracy; advantage = total − group mean
(HumanOmniV2's default, scale_rewards off). Writes one JSON object per rollout:
{"index", "id", "format", "accuracy", "total", "advantage"}.

Usage: peer_score.py IN.jsonl OUT.jsonl
"""
import json
import re
import sys
from collections import defaultdict

FORMAT = re.compile(r"^<context>.*?</context>\s*<think>.*?</think>\s*<answer>.*?</answer>$", re.DOTALL)
ANSWER = re.compile(r"<answer>\s*(.*?)\s*</answer>", re.DOTALL)


def answer_of(text):
    m = ANSWER.search(text or "")
    return m.group(1).strip() if m else ""


def accuracy(completion, reference, problem_type):
    got, want = answer_of(completion), answer_of(reference) or (reference or "").strip()
    if problem_type == "numerical":
        try:
            return 1.0 if round(float(got), 2) == round(float(want), 2) else 0.0
        except ValueError:
            return 0.0
    if problem_type == "multiple choice":
        return 1.0 if got[:1].upper() == want[:1].upper() and got != "" else 0.0
    return 1.0 if got == want else 0.0


def main(src, dst):
    rows = []
    groups = defaultdict(list)
    with open(src, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                continue
            completion = r.get("completion", "")
            fmt = 1.0 if FORMAT.match(completion) else 0.0
            acc = accuracy(completion, r.get("solution") or r.get("answer"), r.get("problem_type"))
            key = r.get("group_id", r.get("problem"))
            groups[key].append(len(rows))
            rows.append([len(rows), r.get("id"), fmt, acc, fmt + acc, key])
    advantage = [0.0] * len(rows)
    for members in groups.values():
        mean = sum(rows[m][4] for m in members) / len(members)
        for m in members:
            advantage[m] = rows[m][4] - mean
    with open(dst, "w", encoding="utf-8") as out:
        for r in rows:
            out.write(json.dumps({"index": r[0], "id": r[1], "format": r[2], "accuracy": r[3], "total": r[4], "advantage": advantage[r[0]]}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
