#!/usr/bin/env bash
# usage: lab/stage.sh NAME COMMAND [ARG...]
# Run one stage of `make test`, print and record how long it took.
name=$1; shift
stages=${STAGES:-.cache/stages.txt}
mkdir -p "$(dirname "$stages")"
start=$SECONDS
echo "==> $name"
"$@"; rc=$?
result=ok; [ $rc = 0 ] || result=FAILED
printf '%-32s %5d s  %s\n' "$name" $((SECONDS - start)) "$result" | tee -a "$stages"
exit $rc
