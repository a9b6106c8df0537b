"""Per-seed mean return of the training episodes that ended within a window of environment steps, read from a run's
episodes.csv: the equal-budget comparison of runs of different lengths (e.g. DQN's 1M-step run at 100k steps against
a 100k-step Rainbow run).  Usage: python3 docs/results/window_scores.py RUN_DIR LOW HIGH  (episodes ending in (LOW, HIGH])."""
import csv
import sys

run, low, high = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
sums, counts = {}, {}
with open(f"{run}/episodes.csv") as f:
    for row in csv.DictReader(f):
        if low < float(row["env_steps"]) <= high:
            seed = int(row["seed"])
            sums[seed] = sums.get(seed, 0.0) + float(row["return"])
            counts[seed] = counts.get(seed, 0) + 1
scores = [sums[s] / counts[s] for s in sorted(sums)]
print(run, " ".join(f"{x:.3f}" for x in scores), f"mean {sum(scores) / len(scores):.3f}", f"episodes {sum(counts.values())}")
