#!/usr/bin/env python3
"""Assemble a scripted cassette (JSONL, docs/llm.md) from a folder of reply files.

Layout of SRC (one file per model reply, written by hand for a template):
  SRC/<idea>/<stage>.<role>.<turn>.txt        idea "_batch" stands for batch-level calls
  SRC/<idea>/<stage>.<role>.<turn>.<seq>.txt  several replies for the same tag
The replay client serves entries with the same tag (idea, stage, role, turn) in file
order; <seq> (0, 1, 2, ...; a file without it counts as seq 0) sets that order, compared
as a number. Two files with the same tag and seq are an error.
Each entry of OUT is {"v":1,"scripted":true,"tag":{...},"response":{...},"usage":{...}},
after one leading '#' comment line (the replay client skips '#' lines) that says the
cassette is scripted. Token counts are estimates (4 characters per token) so that cost
accounting has something to show; no provider was called.

usage: assemble_cassette.py SRC OUT
"""
import json
import pathlib
import sys


def parse_name(path: pathlib.Path):
    """(stage, role, turn, seq) from <stage>.<role>.<turn>[.<seq>].txt, or None."""
    parts = path.stem.split(".")
    if len(parts) not in (3, 4) or not parts[0] or not parts[1]:
        return None
    if not all(p.isdigit() for p in parts[2:]):
        return None
    seq = int(parts[3]) if len(parts) == 4 else 0
    return parts[0], parts[1], int(parts[2]), seq


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    if not src.is_dir():
        print(f"{src}: not a directory", file=sys.stderr)
        return 1
    lines = []
    seen = {}
    for path in sorted(src.glob("*/*.txt")):
        parsed = parse_name(path)
        if parsed is None:
            print(f"{path}: name must be <stage>.<role>.<turn>.txt or <stage>.<role>.<turn>.<seq>.txt",
                  file=sys.stderr)
            return 1
        stage, role, turn, seq = parsed
        idea = "" if path.parent.name == "_batch" else path.parent.name
        key = (idea, stage, role, turn, seq)
        if key in seen:
            print(f"{path}: same tag and seq as {seen[key]}", file=sys.stderr)
            return 1
        seen[key] = path
        text = path.read_text(encoding="utf-8")
        lines.append((key, {
            "v": 1,
            "scripted": True,
            "tag": {"idea": idea, "stage": stage, "role": role, "turn": turn},
            "response": {"text": text, "finish": "stop", "model": "scripted", "provider": "replay"},
            "usage": {"input_tokens": 0, "output_tokens": (len(text) + 3) // 4,
                      "cached_input_tokens": 0, "cache_write_tokens": 0},
        }))
    lines.sort(key=lambda t: t[0])
    header = (f"# Scripted cassette assembled by scripts/assemble_cassette.py from {src.as_posix()}: "
              "hand-written replies replayed by tag, not a recording of any model.\n")
    out.write_text(header + "".join(json.dumps(l[1], ensure_ascii=False, sort_keys=True) + "\n" for l in lines),
                   encoding="utf-8")
    print(f"{out}: {len(lines)} scripted replies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
