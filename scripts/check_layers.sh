#!/usr/bin/env bash
# Fails when a file under src/<module>/ includes a header of a module that is not a
# declared (transitive) dependency in src/modules.txt. Usage: check_layers.sh [SRC_DIR]
set -euo pipefail
SRC="${1:-$(dirname "$0")/../src}"
declare -A DEPS
while IFS= read -r line; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  DEPS["${line%%:*}"]="${line#*:}"
done < "$SRC/modules.txt"

closure() {  # transitive dependencies of $1, space separated
  local seen=" $1 " queue="$1" m d
  while [ -n "$queue" ]; do
    m="${queue%% *}"; queue="${queue#"$m"}"; queue="${queue# }"
    for d in ${DEPS[$m]:-}; do
      case "$seen" in *" $d "*) ;; *) seen="$seen$d "; queue="$queue $d"; queue="${queue# }";; esac
    done
  done
  echo "$seen"
}

bad=0
for dir in "$SRC"/*/; do
  mod="$(basename "$dir")"
  if [ -z "${DEPS[$mod]+x}" ]; then
    echo "layering: src/$mod is not declared in src/modules.txt" >&2; bad=1; continue
  fi
  allowed="$(closure "$mod")"
  while IFS= read -r hit; do
    [ -z "$hit" ] && continue
    file="${hit%%:*}"; rest="${hit#*:}"; lineno="${rest%%:*}"
    inc="$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$rest")"
    case "$allowed" in *" $inc "*) ;; *)
      echo "layering: ${file#"$SRC"/}:$lineno includes $inc/, not a dependency of $mod (src/modules.txt)" >&2
      bad=1;;
    esac
  done < <(grep -nE '^#include "[a-z_]+/' "$dir"*.h "$dir"*.cpp 2>/dev/null || true)
done
if [ "$bad" -ne 0 ]; then exit 1; fi
echo "layering: OK ($(ls -d "$SRC"/*/ | wc -l) modules)"
