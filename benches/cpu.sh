# Sourced by the load benches: the CPU time (ms) of the given processes, all
# threads and reaped children (a PostgreSQL backend that exits counts in the
# postmaster), from /proc; and of every PostgreSQL process (the backends
# loadgen's connections keep open).
hz="$(getconf CLK_TCK)"
cpu_ms() { local t=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(sed -E 's/.*\) //' "/proc/$p/stat" | awk '{print $12 + $13 + $14 + $15}'))); done; echo $((t * 1000 / hz)); }
pg_cpu_ms() { cpu_ms $(pgrep -x postgres); }
